import HashTreeCollections
import MUCCore
import XMLStream

/// What the component keeps beside the registry, which is XMPP's alone: which sessions joined over XMPP
/// (only they are sent stanzas), the `<show/>`, `<status/>`, `<priority/>` and extended presence of each one's
/// last presence, and
/// room subjects.
struct XMPPOccupancy {
    struct Subject: Sendable {
        var text: String
        var by: String
    }

    /// Sessions that joined over XMPP, per room. Persistent hash trees, as in `Room`: a room's state is kept
    /// before each change (`MUCComponentService.state(of:)`), and a change then copies a path, not the table.
    var sessions: [RoomAddress: TreeSet<JID>] = [:]
    var details: [RoomAddress: TreeDictionary<JID, [XMLElement]>] = [:]
    var subjects: [RoomAddress: Subject] = [:]
    /// Sessions whose client bounced an error, until their leave is rendered with status 333.
    var removedOnError: [RoomAddress: Set<JID>] = [:]

    func isXMPP(_ session: JID, in room: RoomAddress) -> Bool {
        sessions[room]?.contains(session) ?? false
    }

    mutating func add(_ session: JID, in room: RoomAddress) {
        sessions[room, default: []].insert(session)
        removedOnError[room]?.remove(session)
    }

    mutating func forget(_ session: JID, in room: RoomAddress) {
        sessions[room]?.remove(session)
        details[room]?[session] = nil
        removedOnError[room]?.remove(session)
        if removedOnError[room]?.isEmpty == true { removedOnError[room] = nil }
    }

    /// Everything of a destroyed room.
    mutating func forget(_ room: RoomAddress) {
        sessions[room] = nil
        details[room] = nil
        subjects[room] = nil
        removedOnError[room] = nil
    }

    /// The presence details an occupant is shown with: its first session's.
    func details(of occupant: Occupant, in room: RoomAddress) -> [XMLElement] {
        details[room]?[occupant.sessions[0]] ?? []
    }

    /// Every XMPP session in the room now, with whether its occupant may see real JIDs.
    func recipients(_ room: RoomAddress, _ registry: RoomRegistry) -> [(session: JID, isModerator: Bool)] {
        guard let current = registry.rooms[room], let sessions = sessions[room], !sessions.isEmpty else { return [] }
        var result: [(JID, Bool)] = []
        for occupant in current.sortedOccupants {
            for session in occupant.sessions where sessions.contains(session) {
                result.append((session, occupant.role == .moderator))
            }
        }
        return result
    }
}
