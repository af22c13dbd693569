import MUCCore
import XMLStream

/// What XMPP occupants are told when roomd stops holding them for a reason of its own rather than theirs:
/// roomd stopping (status 332, "system shutdown", as Prosody's MUC sends it) or the component stream that
/// carried their sessions ending (status 333, "removed because of a technical problem": they never left,
/// but roomd cannot keep an occupant it cannot reach). Without this a client believes it is still joined
/// and a Conversations-style client waits for messages that never come.
extension MUCComponentService {
    /// XEP-0045 status codes for removals no occupant asked for.
    public enum RemovalCause: String, Sendable {
        case shutdown = "332"
        case lostConnection = "333"
    }

    /// One unavailable self-presence (110 and the cause's code) for each XMPP session roomd holds now, in
    /// a stable order; nothing is forgotten (the caller stops the process or forgets them itself).
    public func removalNotices(_ cause: RemovalCause, registry: RoomRegistry) -> [XMLElement] {
        var notices: [XMLElement] = []
        for room in occupancy.sessions.keys.sorted(by: { $0.description < $1.description }) {
            guard let sessions = occupancy.sessions[room], let current = registry.rooms[room] else { continue }
            for occupant in current.sortedOccupants {
                for session in occupant.sessions where sessions.contains(session) {
                    notices.append(Presences.removed(occupant, in: room, to: session, code: cause.rawValue))
                }
            }
        }
        return notices
    }
}
