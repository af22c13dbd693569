/// Every room of every service the daemon serves, and the transitions between their states.
///
/// A value type with no I/O: each transition either throws a `MUCError` and changes nothing, or changes
/// the rooms and returns the events it caused. Temporary rooms are destroyed here when their last occupant
/// goes, so every transport sees the same rule.
public struct RoomRegistry: Sendable {
    public let services: Set<String>
    public private(set) var rooms: [RoomAddress: Room] = [:]

    public init(services: some Sequence<String>) {
        self.services = Set(services.map { $0.lowercased() })
    }

    public func room(_ address: RoomAddress) throws(MUCError) -> Room {
        try checkService(address)
        guard let room = rooms[address] else { throw .roomNotFound(address) }
        return room
    }

    public func checkService(_ address: RoomAddress) throws(MUCError) {
        guard services.contains(address.service) else { throw .serviceNotFound(address.service) }
    }

    public func rooms(ofService service: String?) throws(MUCError) -> [Room] {
        if let service {
            let domain = service.lowercased()
            guard services.contains(domain) else { throw .serviceNotFound(domain) }
            return rooms.values.filter { $0.address.service == domain }.sorted { $0.address < $1.address }
        }
        return rooms.values.sorted { $0.address < $1.address }
    }

    /// Puts a room loaded from the store back, without events.
    public mutating func restore(_ room: Room) {
        rooms[room.address] = room
    }

    /// Puts the rooms loaded from the store back, without events. Into an empty registry (a start) the
    /// dictionary is taken as it is rather than copied room by room: with many rooms a copy is a second
    /// dictionary as large as the first, and the memory it took stays with the process after the start.
    public mutating func restore(contentsOf loaded: [RoomAddress: Room]) {
        if rooms.isEmpty {
            rooms = loaded
        } else {
            rooms.merge(loaded) { _, restored in restored }
        }
    }

    /// A new room; `locked` for one a join creates (XEP-0045 §10.1.1), until its owner configures it.
    public mutating func createRoom(
        _ address: RoomAddress, configuration: RoomConfiguration, locked: Bool = false
    ) throws(MUCError) -> [RoomEvent] {
        try checkService(address)
        if rooms[address] != nil { throw .roomExists(address) }
        var room = Room(address: address, configuration: configuration)
        room.locked = locked
        rooms[address] = room
        return [.created(address, configuration)]
    }

    /// XEP-0045 §8.1: the subject, as whoever may change it set it (the transport decides who may).
    public mutating func setSubject(_ address: RoomAddress, _ subject: RoomSubject) throws(MUCError) -> [RoomEvent] {
        try checkService(address)
        guard let index = rooms.index(forKey: address) else { throw .roomNotFound(address) }
        rooms.values[index].subject = subject
        return [.subjectChanged(address, subject)]
    }

    /// The owner's configuration (XEP-0045 §10.2), which also unlocks a new room. An empty room made
    /// temporary goes at once, as it would have gone with its last occupant.
    public mutating func configure(_ address: RoomAddress, _ configuration: RoomConfiguration) throws(MUCError)
        -> [RoomEvent]
    {
        try checkService(address)
        guard let index = rooms.index(forKey: address) else { throw .roomNotFound(address) }
        var events = rooms.values[index].configure(configuration)
        if !configuration.persistent, rooms.values[index].isEmpty {
            rooms.remove(at: index)
            events.append(.destroyed(address, removed: [], reason: nil))
        }
        return events
    }

    public mutating func destroyRoom(_ address: RoomAddress, reason: String?) throws(MUCError) -> [RoomEvent] {
        var room = try room(address)
        let removed = room.removeAll()
        rooms[address] = nil
        return [.destroyed(address, removed: removed, reason: reason)]
    }

    public mutating func join(
        _ address: RoomAddress, nick: Nickname, session: JID, role: Role? = nil
    ) throws(MUCError) -> [RoomEvent] {
        try mutate(address) { (room: inout Room) throws(MUCError) in
            try room.join(nick: nick, session: session, role: role)
        }
    }

    public mutating func leave(_ address: RoomAddress, nick: Nickname, session: JID?) throws(MUCError) -> [RoomEvent] {
        try mutate(address) { (room: inout Room) throws(MUCError) in
            try room.leave(nick: nick, session: session)
        }
    }

    public mutating func changeNick(_ address: RoomAddress, session: JID, to nick: Nickname) throws(MUCError)
        -> [RoomEvent]
    {
        try mutate(address) { (room: inout Room) throws(MUCError) in
            try room.changeNick(session: session, to: nick)
        }
    }

    /// A kick by `actor` (the control socket's is `.system`), as the rule of who may kick whom allows.
    public mutating func kick(
        _ address: RoomAddress, target: KickTarget, reason: String?, by actor: Actor
    ) throws(MUCError) -> [RoomEvent] {
        try mutate(address) { (room: inout Room) throws(MUCError) in
            try room.kick(target, reason: reason, by: actor)
        }
    }

    public mutating func setAffiliation(
        _ address: RoomAddress, jid: JID, affiliation: Affiliation, reason: String?, actor: String?
    ) throws(MUCError) -> [RoomEvent] {
        try mutate(address) { (room: inout Room) throws(MUCError) in
            try room.checkOwnerRemains(jid, becoming: affiliation)
            return room.setAffiliation(affiliation, of: jid, reason: reason, actor: actor)
        }
    }

    /// An XEP-0045 change list, all or nothing: every change is checked and applied to a copy of the room,
    /// in order (a change sees the ones before it), and the registry takes the copy only when all of them
    /// passed. A refused list leaves the registry as it was and returns no events.
    public mutating func apply(
        _ changes: [AdminChange], to address: RoomAddress, by actor: Actor
    ) throws(AdminChangeError) -> [RoomEvent] {
        var (room, events) = try draft(changes, to: address, by: actor)
        let emptied = rooms[address]?.isEmpty == false && room.isEmpty
        rooms[address] = room
        if emptied, !room.configuration.persistent {
            rooms[address] = nil
            events.append(.destroyed(address, removed: [], reason: nil))
        }
        return events
    }

    /// Whether `apply` would take the list, without changing anything: the refusal it would give, if any.
    public func check(_ changes: [AdminChange], to address: RoomAddress, by actor: Actor) throws(AdminChangeError) {
        _ = try draft(changes, to: address, by: actor)
    }

    /// The room as the list would leave it, and the events of its changes.
    private func draft(
        _ changes: [AdminChange], to address: RoomAddress, by actor: Actor
    ) throws(AdminChangeError) -> (Room, [RoomEvent]) {
        guard services.contains(address.service) else { throw .failed(.serviceNotFound(address.service)) }
        guard var draft = rooms[address] else { throw .failed(.roomNotFound(address)) }
        let wasOccupied = !draft.isEmpty
        var events: [RoomEvent] = []
        for change in changes {
            // A temporary room ends with the change that empties it: there is nothing left to change.
            if wasOccupied, !draft.configuration.persistent, draft.isEmpty { throw .failed(.roomNotFound(address)) }
            events += try draft.apply(change, by: actor)
        }
        return (draft, events)
    }

    /// Applies a transition to one room in place, then destroys the room if it is temporary and the transition
    /// took its last occupant away (an empty temporary room just created, or given an affiliation, stays).
    private mutating func mutate(
        _ address: RoomAddress, _ transition: (inout Room) throws(MUCError) -> [RoomEvent]
    ) throws(MUCError) -> [RoomEvent] {
        try checkService(address)
        // One hash lookup: the room is read, changed and removed through its index. Only a flag is kept from
        // before, and the room is changed through `values[index]`, so it stays uniquely referenced: a copy
        // alive across the transition would make its occupant table shared, and the transition copy all of it.
        guard let index = rooms.index(forKey: address) else { throw .roomNotFound(address) }
        let wasOccupied = !rooms.values[index].isEmpty
        var events = try transition(&rooms.values[index])
        if wasOccupied, !rooms.values[index].configuration.persistent, rooms.values[index].isEmpty {
            rooms.remove(at: index)
            events.append(.destroyed(address, removed: [], reason: nil))
        }
        return events
    }
}
