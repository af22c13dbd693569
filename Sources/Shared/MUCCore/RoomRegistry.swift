/// Every room of every service the daemon serves, and the transitions between their states.
///
/// A value type with no I/O: each transition either throws a `MUCError` and changes nothing, or changes
/// the rooms and returns the events it caused. Temporary rooms are destroyed here when their last occupant
/// goes, so every transport sees the same rule.
public struct RoomRegistry: Sendable {
    public let services: Set<String>
    /// Who may create rooms, how many, how full they get, and who owns every room.
    public let policy: ServicePolicy
    public private(set) var rooms: [RoomAddress: Room] = [:]
    /// How many existing rooms each user (bare JID) created, kept in step with `rooms` on every insertion
    /// and removal: the limit of rooms per user is checked at each creation, without a scan.
    private var roomsByCreator: [JID: Int] = [:]

    public init(services: some Sequence<String>, policy: ServicePolicy = ServicePolicy()) {
        self.services = Set(services.map { $0.lowercased() })
        self.policy = policy
    }

    /// How many of the rooms that exist now `user` (any resource) created.
    public func roomsCreated(by user: JID) -> Int {
        roomsByCreator[user.bare] ?? 0
    }

    /// Whether the service policy lets `user` create a room of `service` by joining it. Service admins may
    /// always; others as `ServicePolicy.creation` says, and while they have fewer than `maxRoomsPerUser`.
    public func checkCreation(in service: String, by user: JID) throws(CreationRefusal) {
        if policy.isAdmin(user) { return }
        switch policy.creation {
        case .anyone: break
        case .local: guard policy.isLocal(user, toService: service) else { throw .restricted }
        case .admins: throw .restricted
        }
        if let limit = policy.maxRoomsPerUser, roomsCreated(by: user) >= limit { throw .tooManyRooms(limit: limit) }
    }

    /// XEP-0045 §7.2, under the service policy: whether `session` may enter the room (`Room.admit`).
    public func admit(_ address: RoomAddress, session: JID, nick: Nickname, password: String?) throws(JoinRefusal) {
        try rooms[address]?.admit(session, nick: nick, password: password, policy: policy)
    }

    private mutating func inserted(_ address: RoomAddress) {
        guard let creator = rooms[address]?.creator else { return }
        roomsByCreator[creator, default: 0] += 1
    }

    private mutating func removed(_ room: Room) {
        guard let creator = room.creator, let count = roomsByCreator[creator] else { return }
        roomsByCreator[creator] = count > 1 ? count - 1 : nil
    }

    public func room(_ address: RoomAddress) throws(MUCError) -> Room {
        try checkService(address)
        guard let room = rooms[address] else { throw .roomNotFound(address) }
        return room
    }

    public func checkService(_ address: RoomAddress) throws(MUCError) {
        // Every call names its room's service: the few services a daemon usually has are compared in place,
        // without making the domain a string to hash.
        let known =
            services.count <= 4
            ? services.contains(where: { address.jid.hasDomain($0) }) : services.contains(address.service)
        guard known else { throw .serviceNotFound(address.service) }
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
        var room = room
        room.serviceAdmins = policy.admins
        if let old = rooms.updateValue(room, forKey: room.address) { removed(old) }
        inserted(room.address)
    }

    /// Puts the rooms loaded from the store back, without events. Into an empty registry (a start) the
    /// dictionary is taken as it is rather than copied room by room: with many rooms a copy is a second
    /// dictionary as large as the first, and the memory it took stays with the process after the start.
    public mutating func restore(contentsOf loaded: [RoomAddress: Room]) {
        guard rooms.isEmpty else {
            for room in loaded.values { restore(room) }
            return
        }
        rooms = loaded
        if !policy.admins.isEmpty {
            for index in rooms.indices { rooms.values[index].serviceAdmins = policy.admins }
        }
        for address in rooms.keys { inserted(address) }
    }

    /// A new room; `locked` for one a join creates (XEP-0045 §10.1.1), until its owner configures it, and
    /// `creator` the user whose join created it (`checkCreation` first: this does not check the policy).
    public mutating func createRoom(
        _ address: RoomAddress, configuration: RoomConfiguration, locked: Bool = false, creator: JID? = nil
    ) throws(MUCError) -> [RoomEvent] {
        try checkService(address)
        if rooms[address] != nil { throw .roomExists(address) }
        var room = Room(address: address, configuration: configuration)
        room.locked = locked
        room.creator = creator?.bare
        room.serviceAdmins = policy.admins
        rooms[address] = room
        inserted(address)
        return [.created(address, configuration)]
    }

    /// XEP-0045 §10.1.1: the lock of a room whose owner never configured it lapses, and the room keeps the
    /// configuration it was created with, as if its owner had submitted an instant room's empty form. This
    /// is Prosody 0.12's `muc_room_lock_timeout`, and one of the two outcomes §10.1.1 allows. Nothing for a
    /// room that is gone or no longer locked.
    public mutating func expireLock(_ address: RoomAddress) -> [RoomEvent] {
        guard let index = rooms.index(forKey: address), rooms.values[index].locked else { return [] }
        let configuration = rooms.values[index].configuration
        return rooms.values[index].configure(configuration)
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
            removed(rooms.remove(at: index).value)
            events.append(.destroyed(address, removed: [], reason: nil))
        }
        return events
    }

    public mutating func destroyRoom(_ address: RoomAddress, reason: String?) throws(MUCError) -> [RoomEvent] {
        var room = try room(address)
        let occupants = room.removeAll()
        rooms[address] = nil
        removed(room)
        return [.destroyed(address, removed: occupants, reason: reason)]
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
            removed(room)
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
        var emptied = false
        var events = try Self.transition(&rooms.values[index], by: transition, emptied: &emptied)
        if emptied {
            removed(rooms.remove(at: index).value)
            events.append(.destroyed(address, removed: [], reason: nil))
        }
        return events
    }

    /// Runs `transition` on `room` and tells whether it left a temporary room empty that was occupied. Reads
    /// the room only through the one in-place access: a read of `rooms.values[index]` copies the whole room.
    private static func transition(
        _ room: inout Room, by transition: (inout Room) throws(MUCError) -> [RoomEvent], emptied: inout Bool
    ) throws(MUCError) -> [RoomEvent] {
        let wasOccupied = !room.isEmpty
        let events = try transition(&room)
        emptied = wasOccupied && !room.configuration.persistent && room.isEmpty
        return events
    }
}
