import HashTreeCollections
import MUCCore
import XMLStream

/// What the component keeps beside the registry, which is XMPP's alone: which sessions joined over XMPP
/// (only they are sent stanzas), the `<show/>`, `<status/>`, `<priority/>` and extended presence of each one's
/// last presence, sessions removed on a bounced error, the venue of a room being destroyed, and the rooms'
/// discussion history.
struct XMPPOccupancy {
    /// §10.9: where an owner's destroy sends the occupants.
    struct Venue: Sendable {
        var jid: JID
        var password: String?
    }

    /// Sessions that joined over XMPP, per room. Persistent hash trees, as in `Room`: a room's state is kept
    /// before each change (`MUCComponentService.state(of:)`), and a change then copies a path, not the table.
    var sessions: [RoomAddress: TreeSet<JID>] = [:]
    var details: [RoomAddress: TreeDictionary<JID, [XMLElement]>] = [:]
    /// Sessions whose client bounced an error, until their leave is rendered with status 333.
    var removedOnError: [RoomAddress: Set<JID>] = [:]
    /// The alternate venue of a room its owner is destroying, from the destroy request to the rendering of
    /// its `destroyed` event.
    var venues: [RoomAddress: Venue] = [:]
    /// The nickname each joining session asked for (its `to` resource), from its join to the rendering of its
    /// `joined` event: §7.2.3 wants status 210 in the self-presence when the room shows another form.
    var askedNicks: [RoomAddress: [JID: String]] = [:]
    /// The rooms' last messages, for joiners; it outlives the sessions (a lost stream does not end a room).
    var history = DiscussionHistory()

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
        removedOnError[room] = nil
        venues[room] = nil
        askedNicks[room] = nil
        history.forget(room)
    }

    /// The presence details an occupant is shown with: its first session's.
    func details(of occupant: Occupant, in room: RoomAddress) -> [XMLElement] {
        details[room]?[occupant.sessions[0]] ?? []
    }

    /// Every XMPP session in the room now, with whether its occupant may see real JIDs: moderators, and
    /// everyone in a non-anonymous room (`whois` anyone).
    func recipients(_ room: RoomAddress, _ registry: RoomRegistry) -> [(session: JID, isModerator: Bool)] {
        guard let current = registry.rooms[room], let sessions = sessions[room], !sessions.isEmpty else { return [] }
        let everyone = current.configuration.whois == .anyone
        var result: [(JID, Bool)] = []
        for occupant in current.sortedOccupants {
            for session in occupant.sessions where sessions.contains(session) {
                result.append((session, everyone || occupant.role == .moderator))
            }
        }
        return result
    }
}
