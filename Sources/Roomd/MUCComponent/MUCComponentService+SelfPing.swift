import MUCCore
import NicknameProfile
import XMLStream

/// XEP-0410 (MUC Self-Ping): a client asks whether it is still joined by pinging its own occupant JID.
///
/// The answer must be the truth, because clients act on it: a `result` means "joined", `not-acceptable`
/// means "not joined" (the client rejoins), while `service-unavailable` and `feature-not-implemented` are
/// taken as "joined, the service just does not answer pings". So a session roomd does not hold (after a
/// restart, a lost component stream, or in a room that no longer exists) gets `not-acceptable`, never an
/// error a client reads as still joined. The checks and their order are Prosody's
/// (`room_mt:handle_iq_to_occupant`).
extension MUCComponentService {
    func selfPing(_ stanza: XMLElement, from: JID, to: JID, registry: RoomRegistry) -> StanzaOutcome {
        guard let address = roomAddress(to), let room = registry.rooms[address],
            let current = room.occupant(withSession: from), occupancy.isXMPP(from, in: address)
        else {
            return StanzaOutcome(before: [StanzaError.notJoined.reply(to: stanza)])
        }
        guard let target = to.resource.flatMap({ try? NicknameProfile.nickname($0) }),
            let recipient = room.occupants[target]
        else {
            return StanzaOutcome(before: [StanzaError.recipientNotInRoom.reply(to: stanza)])
        }
        guard recipient.nick == current.nick else {
            // A ping to another occupant is an IQ to an occupant JID, which XEP-0045 §17.4 routes to that
            // occupant; roomd does not route IQs to occupants (yet), and says so.
            return StanzaOutcome(before: [StanzaError.serviceUnavailable.reply(to: stanza)])
        }
        return StanzaOutcome(after: [result(stanza, query: nil)])
    }
}
