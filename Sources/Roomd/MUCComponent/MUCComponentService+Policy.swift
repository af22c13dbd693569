import MUCCore

/// The service policy's refusals (`MUCCore.ServicePolicy`) as stanza errors.
extension MUCComponentService {
    /// A join that would create a room the policy refuses. Restricted creation answers as Prosody's
    /// `restrict_room_creation` does. XEP-0045 names no condition for a user past the limit of rooms it may
    /// create: `policy-violation` says a local policy refused it and `<text/>` says which (RFC 6120
    /// §8.3.3.12); `resource-constraint` would say the service lacks resources, which is not the case, and
    /// its type (wait) would have clients retry when only destroying a room helps.
    static func refusal(_ refusal: CreationRefusal) -> StanzaError {
        switch refusal {
        case .restricted:
            return StanzaError("not-allowed", type: "cancel", text: "Room creation is restricted")
        case .tooManyRooms(let limit):
            return StanzaError(
                "policy-violation", type: "cancel", text: "You may not create more than \(limit) rooms")
        }
    }
}
