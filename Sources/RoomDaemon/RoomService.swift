#if canImport(Glibc)
    import Glibc
#endif
import ControlProtocol
import StrictJSON
import MUCComponent
import XMLStream
import Logging
import MUCCore
import NIOCore

/// The single owner of the rooms: dispatches varlink calls to the room core, records what must last in the
/// store, and streams events to watchers. Lives on one event loop; every method runs there, so the state
/// needs no lock.
final class RoomService {
    let eventLoop: any EventLoop
    private(set) var registry: RoomRegistry
    private let store: RoomStore
    let policy: AccessPolicy
    private let protectPrivilegedAlways: Bool
    private let logger: Logger
    private let allocator = ByteBufferAllocator()
    private var watchers: [ObjectIdentifier: ControlConnection] = [:]
    private var watchersToFlush: [ObjectIdentifier: ControlConnection] = [:]
    /// XMPP component streams, one per MUC domain attached to an XMPP server.
    private(set) var components: [ComponentConnection] = []
    private var componentsToFlush: [ObjectIdentifier: ComponentConnection] = [:]

    /// What each room touched by the current batch was before it, nil for a room the batch created: the
    /// undo log of a commit that fails. Kept per room rather than as a copy of the whole registry, which
    /// would cost a copy of every room per batch.
    private var undo: [RoomAddress: Room?] = [:]
    /// The same for what each component service keeps of those rooms (its XMPP sessions, their presence
    /// details, the subject), which rendering and stanzas change beside the registry.
    private var componentUndo: [(room: RoomAddress, component: ComponentConnection, state: MUCComponentService.RoomState)] = []
    /// Whether the current batch changed (or may have changed) the rooms.
    private var batchChanged = false
    /// Replies and outputs of the current batch are held against this until it commits.
    private(set) var batch = CommitBatch()
    /// Watcher events and component stanzas of the current batch, sent only once it is committed: nobody
    /// hears of a change the disk refused.
    private var pendingEvents: [(watcher: ControlConnection, message: ByteBuffer)] = []
    private var pendingStanzas: [(component: ComponentConnection, stanzas: [XMLElement])] = []
    /// Stanzas queued before the batch's first change; they go out even if its commit fails.
    private var stanzasBeforeChange = 0
    /// Set while the batch holds changes that stand whether or not the disk takes them.
    private var batchStands = false
    /// Why the state database refused the last write, nil while it takes them.
    private(set) var storageFailure: String?
    private var auditRetention = AuditRetention(maxAgeDays: nil, maxRows: nil)

    static let version = "0.1.0"
    static let maxAuditLimit = 10_000

    init(
        eventLoop: any EventLoop, registry: RoomRegistry, store: RoomStore, policy: AccessPolicy,
        protectPrivilegedAlways: Bool, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.registry = registry
        self.store = store
        self.policy = policy
        self.protectPrivilegedAlways = protectPrivilegedAlways
        self.logger = logger
    }

    // MARK: Connections

    func connectionOpened(_ connection: ControlConnection) {
        logger.debug("connection opened", metadata: ["peer": "\(connection.peer)", "level": "\(connection.level)"])
    }

    func connectionClosed(_ connection: ControlConnection) {
        watchers[ObjectIdentifier(connection)] = nil
        watchersToFlush[ObjectIdentifier(connection)] = nil
    }

    /// Connections whose replies wait for the commit at the end of this event-loop turn.
    private var awaitingCommit: [(handler: ControlConnectionHandler, context: ChannelHandlerContext)] = []

    /// Sends a connection's replies once this turn's writes are committed. Every connection read in one turn
    /// of the event loop shares that commit: under concurrent clients one `epoll_wait` hands roomd several
    /// calls, and a commit per call was most of the store's cost. NIO runs the task right after the turn's
    /// I/O events, without another wake-up.
    func sendAfterCommit(_ handler: ControlConnectionHandler, context: ChannelHandlerContext) {
        if awaitingCommit.isEmpty {
            eventLoop.assumeIsolated().execute { self.commitTurn() }
        }
        awaitingCommit.append((handler, context))
    }

    private func commitTurn() {
        endOfBatch()
        let waiting = awaitingCommit
        awaitingCommit.removeAll(keepingCapacity: true)
        for (handler, context) in waiting { handler.sendReplies(context: context) }
    }

    /// Makes the batch durable, then lets the replies and the events it caused go out. When the disk refuses
    /// the commit, the batch is undone instead (`abandonBatch`) and false is returned; roomd stays up, and the
    /// next batch tries the disk again.
    @discardableResult
    func endOfBatch() -> Bool {
        do {
            if try store.commit() { storageWorks() }
        } catch {
            abandonBatch(error)
            return false
        }
        finishBatch()
        return true
    }

    /// Undoes the current batch after the disk refused one of its writes or its commit: the store's
    /// transaction, the rooms it changed, and what it would have told watchers and XMPP occupants. Replies
    /// already given in it are refused by their connections (`CommitBatch.failed`).
    private func abandonBatch(_ error: any Error) {
        store.rollback()
        storageFails(error)
        if !batchStands {
            for (address, before) in undo {
                if let before {
                    registry.restore(before)
                } else {
                    // Created in this batch: destroying it is the registry's only way to remove a room; its
                    // events are dropped, as nobody was told of the room.
                    _ = try? registry.destroyRoom(address, reason: nil)
                }
            }
            for (room, component, state) in componentUndo { component.mucService.restore(state, of: room) }
            pendingEvents.removeAll(keepingCapacity: true)
            if !batchChanged { stanzasBeforeChange = pendingStanzas.count }
            pendingStanzas.removeSubrange(stanzasBeforeChange...)
            if batchChanged { batch.failed = true }
        }
        finishBatch()
    }

    /// Sends what the batch holds and starts the next one.
    private func finishBatch() {
        for (watcher, message) in pendingEvents where watchers[ObjectIdentifier(watcher)] != nil {
            watcher.channel.write(message, promise: nil)
            watchersToFlush[ObjectIdentifier(watcher)] = watcher
        }
        pendingEvents.removeAll(keepingCapacity: true)
        for (component, stanzas) in pendingStanzas where component.write(stanzas) {
            componentsToFlush[ObjectIdentifier(component)] = component
        }
        pendingStanzas.removeAll(keepingCapacity: true)
        stanzasBeforeChange = 0
        for connection in watchersToFlush.values { connection.channel.flush() }
        watchersToFlush.removeAll(keepingCapacity: true)
        for component in componentsToFlush.values { component.flush() }
        componentsToFlush.removeAll(keepingCapacity: true)
        if batchChanged {
            undo.removeAll(keepingCapacity: true)
            componentUndo.removeAll(keepingCapacity: true)
            batchChanged = false
            batch = CommitBatch()
        }
        batchStands = false
    }

    /// Called before a transition of `room` (nil: of no room known in advance) so that it can be undone.
    private func willChange(_ room: RoomAddress?) {
        if !batchChanged {
            batchChanged = true
            stanzasBeforeChange = pendingStanzas.count
        }
        guard let room, undo.index(forKey: room) == nil else { return }
        undo[room] = .some(registry.rooms[room])
        for component in components where component.mucService.domain == room.service {
            componentUndo.append((room, component, component.mucService.state(of: room)))
        }
    }

    /// The room a call is about to change, once it can be undone.
    private func changing(_ room: RoomAddress) -> RoomAddress {
        willChange(room)
        return room
    }

    /// Whether replies given now rest on changes not committed yet.
    var holdsUncommittedChanges: Bool { batchChanged }

    /// Logged on the change of state only: a full disk would otherwise log once per refused call.
    private func storageFails(_ error: any Error) {
        if storageFailure == nil {
            logger.error(
                "the state database refuses writes; calls that change state are refused (StorageUnavailable)",
                metadata: ["error": "\(error)"])
        }
        storageFailure = "\(error)"
    }

    private func storageWorks() {
        guard storageFailure != nil else { return }
        storageFailure = nil
        logger.notice("the state database takes writes again")
    }

    /// The refusal of a call whose change could not be made durable.
    var storageUnavailable: VarlinkErrorReply {
        RoomsError.storageUnavailable(reason: storageFailure ?? "the state database refused the write")
    }

    // MARK: Audit retention

    func startPruningAudit(_ retention: AuditRetention) {
        auditRetention = retention
        guard retention.isEnabled else { return }
        // Soon after the start, so that lowered limits apply at once.
        eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { self.pruneAudit() }
    }

    /// One bounded step; the next follows on a later turn at once while there is more to delete, so a
    /// backlog drains without any turn deleting more than `batch` rows.
    func pruneAudit() {
        let retention = auditRetention
        let cutoff = retention.maxAge.map { WallClock.milliseconds() - $0 }
        var deleted = 0
        do {
            deleted = try store.pruneAudit(maxRows: retention.maxRows, olderThan: cutoff, batch: retention.batch)
        } catch {
            abandonBatch(error)
        }
        let more = endOfBatch() && deleted == retention.batch
        if more {
            eventLoop.assumeIsolated().execute { self.pruneAudit() }
        } else {
            eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(retention.interval)) { self.pruneAudit() }
        }
    }

    // MARK: XMPP

    func addComponent(_ configuration: ComponentConfiguration) {
        let component = ComponentConnection(configuration: configuration, roomService: self, logger: logger)
        components.append(component)
        component.start()
    }

    func stopComponents() {
        for component in components { component.stop() }
    }

    /// A stanza from an XMPP server: the component's MUC logic decides, the same transitions as the control
    /// socket's happen, and every occupant on every transport hears of them.
    func handleStanza(_ stanza: XMLElement, from component: ComponentConnection) {
        // Every change a stanza makes is to the room it is addressed to.
        willChange(
            stanza["to"].flatMap { try? JID(parsing: $0) }.flatMap { try? RoomAddress(parsing: $0.bare.description) })
        let outcome = component.mucService.handle(stanza, registry: &registry)
        send(outcome.before, via: component)
        do {
            try apply(outcome.events, uid: getuid())
        } catch let error as VarlinkErrorReply where error.error == RoomsError.storageUnavailable {
            return  // undone, and logged once by `storageFails`
        } catch {
            logger.error("cannot apply a stanza's events: \(error)")
        }
        send(outcome.after, via: component)
        if storageFailure != nil { endOfBatch() }
    }

    /// A component stream ended, whatever the cause: the sessions that joined through it can no longer be
    /// reached nor leave by themselves, so each leaves its room the way a leave from the control socket would
    /// (committed, shown to watchers, and a temporary room left empty ends).
    func componentStreamLost(_ component: ComponentConnection) {
        let sessions = component.mucService.takeXMPPSessions()
        guard !sessions.isEmpty else { return }
        // These leaves are facts, not requests: the sessions are gone whatever the disk says. What they write
        // (only the removal of temporary rooms left empty, which a restart drops anyway) may fail without
        // undoing them, so they go in a batch of their own.
        endOfBatch()
        batchStands = true
        var events: [RoomEvent] = []
        for (room, session) in sessions {
            guard let nick = registry.rooms[room]?.occupant(withSession: session)?.nick else { continue }
            do {
                events += try registry.leave(room, nick: nick, session: session)
            } catch {
                logger.error("cannot remove \(session) from \(room): \(error)")
            }
        }
        do {
            try apply(events, uid: getuid())
        } catch {
            logger.error("cannot apply the leaves of a lost component stream: \(error)")
        }
        endOfBatch()
        logger.notice(
            "component stream lost: its XMPP occupants left their rooms",
            metadata: ["component": "\(component.configuration.domain)", "sessions": "\(sessions.count)"])
    }

    /// Holds stanzas for a component stream until `endOfBatch` has committed what they tell of.
    func send(_ stanzas: [XMLElement], via component: ComponentConnection) {
        guard !stanzas.isEmpty else { return }
        pendingStanzas.append((component, stanzas))
    }

    // MARK: Calls

    /// Replies are NUL-terminated messages as bytes; the connection appends them to the one buffer it
    /// writes per read, so a reply is copied once.
    enum Outcome {
        case reply([UInt8])
        case none
        /// Reply, then close: the stream can no longer be trusted.
        case replyAndClose([UInt8])
    }

    func handle(frame message: ByteBuffer, connection: ControlConnection) -> Outcome {
        if connection.watching != nil {
            // A watching connection has an unfinished `more` call; varlink answers calls in order, so a
            // second call could never be answered.
            return .replyAndClose(
                RoomsError.invalidMessage("a call was sent on a connection that is watching").framed())
        }
        let parsed = message.withUnsafeReadableBytes { raw in
            Result { () throws(VarlinkErrorReply) in try CallEnvelope(raw.bindMemory(to: UInt8.self)) }
        }
        let call: CallEnvelope
        switch parsed {
        case .success(let envelope): call = envelope
        case .failure(let error): return .reply(error.framed())
        }
        let outcome = handle(call, connection: connection)
        // While the disk refuses writes, each change is committed on its own, so that one refused write does
        // not take down the other calls of its turn.
        if storageFailure != nil && batchChanged && !endOfBatch() {
            return call.oneway ? .none : .reply(storageUnavailable.framed())
        }
        return outcome
    }

    private func handle(_ call: CallEnvelope, connection: ControlConnection) -> Outcome {
        do {
            let reply = try dispatch(call, connection: connection)
            return call.oneway ? .none : .reply(reply)
        } catch let error as VarlinkErrorReply {
            return call.oneway ? .none : .reply(error.framed())
        } catch let error as MUCError {
            return call.oneway ? .none : .reply(RoomsError.reply(for: error).framed())
        } catch {
            logger.error("call failed unexpectedly: \(error)", metadata: ["method": "\(call.method)"])
            return call.oneway
                ? .none : .reply(VarlinkServiceError.internalError().framed())
        }
    }

    /// `org.muckick.Rooms.Kick` -> `.kick`, in one hash lookup: splitting the name and matching the parts
    /// as strings cost several percent of a pipelined call.
    private static let roomsMethods: [String: Rooms.Method] = Dictionary(
        uniqueKeysWithValues: Rooms.Method.allCases.map { ($0.qualifiedName, $0) })

    private func dispatch(_ call: CallEnvelope, connection: ControlConnection) throws -> [UInt8] {
        if let method = Self.roomsMethods[call.method] {
            guard connection.level >= method.requiredLevel else {
                logger.warning(
                    "permission denied",
                    metadata: [
                        "method": "\(call.method)", "peer": "\(connection.peer)",
                        "level": "\(connection.level)", "required": "\(method.requiredLevel)",
                    ])
                throw RoomsError.permissionDenied(method: call.method, required: method.requiredLevel)
            }
            return try dispatchRooms(method, call: call, connection: connection)
        }
        guard let (interface, member) = call.interfaceAndMember else {
            throw RoomsError.invalidMessage("method '\(call.method)' is not interface.Method")
        }
        switch interface {
        case VarlinkService.interface:
            return try dispatchService(member, call: call)
        case Rooms.interface:
            throw VarlinkServiceError.methodNotFound(call.method)
        default:
            throw VarlinkServiceError.interfaceNotFound(interface)
        }
    }

    private func dispatchService(_ member: String, call: CallEnvelope) throws -> [UInt8] {
        switch member {
        case "GetInfo":
            return JSONWriter.varlinkReply { writer in
                writer.field("vendor", "muc-kick")
                writer.field("product", "roomd")
                writer.field("version", Self.version)
                writer.field("url", "https://github.com/muc-kick/muc-kick")
                writer.field("interfaces", [VarlinkService.interface, Rooms.interface])
            }
        case "GetInterfaceDescription":
            let interface = try CallParameters(call.parameters).string("interface")
            let description: String
            switch interface {
            case VarlinkService.interface: description = VarlinkService.description
            case Rooms.interface: description = Rooms.interfaceDescription
            default: throw VarlinkServiceError.interfaceNotFound(interface)
            }
            return JSONWriter.varlinkReply { $0.field("description", description) }
        default:
            throw VarlinkServiceError.methodNotFound(call.method)
        }
    }

    private func dispatchRooms(_ method: Rooms.Method, call: CallEnvelope, connection: ControlConnection) throws
        -> [UInt8]
    {
        let uid = connection.peer.uid
        let parameters = try CallParameters(call.parameters)
        switch method {
        case .listServices:
            return JSONWriter.varlinkReply { $0.field("services", registry.services.sorted()) }

        case .listRooms:
            let rooms = try registry.rooms(ofService: try parameters.optionalString("service"))
            return JSONWriter.varlinkReply { writer in
                writer.key("rooms")
                writer.array(rooms.map(Self.summary))
            }

        case .getRoom:
            let room = try registry.room(try Self.room(try parameters.string("room")))
            return JSONWriter.varlinkReply { $0.field("room", Self.details(room)) }

        case .createRoom:
            let address = changing(try Self.room(try parameters.string("room")))
            let configuration = RoomConfiguration(
                name: try parameters.optionalText("name", as: .name), persistent: try parameters.optionalBool("persistent") ?? true)
            try apply(try registry.createRoom(address, configuration: configuration), uid: uid)
            let summary = Self.summary(try registry.room(address))
            return JSONWriter.varlinkReply { $0.field("room", summary) }

        case .destroyRoom:
            let address = changing(try Self.room(try parameters.string("room")))
            let events = try registry.destroyRoom(address, reason: try parameters.optionalText("reason", as: .reason))
            try apply(events, uid: uid)
            var removed: [Rooms.Removed] = []
            for case .destroyed(_, let occupants, _) in events { removed += occupants.map(Self.removed) }
            return JSONWriter.varlinkReply { writer in
                writer.key("removed")
                writer.array(removed)
            }

        case .join:
            let address = changing(try Self.room(try parameters.string("room")))
            let nick = try Self.nick(try parameters.string("nick"))
            let jid = try Self.jid(try parameters.string("jid"), field: "jid")
            var role: Role?
            if let text = try parameters.optionalString("role") {
                guard let parsed = Role(rawValue: text), parsed != .none else {
                    throw VarlinkServiceError.invalidParameter("role")
                }
                role = parsed
            }
            let events = try registry.join(address, nick: nick, session: jid, role: role)
            try apply(events, uid: uid)
            guard case .joined(_, let occupant, _)? = events.first else {
                throw VarlinkServiceError.internalError()
            }
            return JSONWriter.varlinkReply { $0.field("occupant", Self.occupant(occupant)) }

        case .leave:
            let address = changing(try Self.room(try parameters.string("room")))
            let nick = try Self.nick(try parameters.string("nick"))
            let jid = try parameters.optionalString("jid").map { text throws in try Self.jid(text, field: "jid") }
            try apply(try registry.leave(address, nick: nick, session: jid), uid: uid)
            return JSONWriter.varlinkReply { _ in }

        case .kick:
            let address = changing(try Self.room(try parameters.string("room")))
            let target: KickTarget
            switch (try parameters.optionalString("nick"), try parameters.optionalString("jid")) {
            case (let nick?, nil): target = .nick(try Self.nick(nick))
            case (nil, let jid?): target = .jid(try Self.jid(jid, field: "jid"))
            case (nil, nil), (.some, .some): throw VarlinkServiceError.invalidParameter("nick")
            }
            let reason = try parameters.optionalText("reason", as: .reason)
            let actor = try parameters.optionalText("actor", as: .actor)
            let protect = try parameters.optionalBool("protect") ?? false
            if let deadline = try parameters.optionalInt("deadline"), WallClock.milliseconds() > deadline {
                // The caller has given up waiting (its timeout passed while the call sat in the queue, e.g.
                // roomd was stopped): kicking now would contradict the timeout it already reported.
                throw RoomsError.deadlineExceeded(deadline: deadline)
            }
            let events = try registry.kick(
                address, target: target, reason: reason, actor: actor,
                protectPrivileged: protectPrivilegedAlways || protect)
            try apply(events, uid: uid)
            var kicked: [Rooms.Removed] = []
            for case .kicked(let removed, _, _) in events {
                kicked.append(Self.removed(removed))
                logger.debug(
                    "kicked",
                    metadata: [
                        "room": "\(removed.room)", "nick": "\(removed.nick)", "uid": "\(uid)",
                        "sessions": "\(removed.sessions.count)",
                    ])
            }
            return JSONWriter.varlinkReply { writer in
                writer.key("kicked")
                writer.array(kicked)
            }

        case .setAffiliation:
            let address = changing(try Self.room(try parameters.string("room")))
            let jid = try Self.jid(try parameters.string("jid"), field: "jid")
            guard let affiliation = Affiliation(rawValue: try parameters.string("affiliation")) else {
                throw VarlinkServiceError.invalidParameter("affiliation")
            }
            let events = try registry.setAffiliation(
                address, jid: jid, affiliation: affiliation, reason: try parameters.optionalText("reason", as: .reason),
                actor: try parameters.optionalText("actor", as: .actor))
            try apply(events, uid: uid)
            var removed: [Rooms.Removed] = []
            for case .banned(let occupant, _, _) in events { removed.append(Self.removed(occupant)) }
            return JSONWriter.varlinkReply { writer in
                writer.key("removed")
                writer.array(removed)
            }

        case .getAudit:
            let room = try parameters.optionalString("room").map { text throws in try Self.room(text) }
            let limit = try parameters.optionalInt("limit") ?? 100
            guard (1...Self.maxAuditLimit).contains(limit) else { throw VarlinkServiceError.invalidParameter("limit") }
            let records = try store.auditRecords(room: room?.description, limit: limit)
            return JSONWriter.varlinkReply { writer in
                writer.key("records")
                writer.array(records)
            }

        case .watch:
            guard call.more else { throw VarlinkServiceError.expectedMore() }
            let room = try parameters.optionalString("room").map { text throws in try Self.room(text) }
            if let room { try registry.checkService(room) }
            connection.watching = ControlConnection.Watching(room: room)
            watchers[ObjectIdentifier(connection)] = connection
            let event = Rooms.Event(kind: "watching", room: room?.description)
            return JSONWriter.varlinkReply(continues: true) { $0.field("event", event) }
        }
    }

    /// Records the events' durable effects and sends them to watchers.
    private func apply(_ events: [RoomEvent], uid: UInt32) throws {
        guard !events.isEmpty else { return }
        let now = WallClock.milliseconds()
        do {
            for event in events { try store.record(event, uid: uid, now: now) }
        } catch {
            // SQLite may have rolled back the whole transaction: the batch so far is lost with it.
            abandonBatch(error)
            throw storageUnavailable
        }
        for component in components {
            send(component.mucService.render(events, registry: registry), via: component)
        }
        guard !watchers.isEmpty else { return }
        for event in events {
            // Encoded once, when a watcher wants it, and the same buffer written to every such watcher.
            var message: ByteBuffer?
            for (id, watcher) in watchers {
                guard let watching = watcher.watching, watching.room == nil || watching.room == event.room else {
                    continue
                }
                guard watcher.channel.isWritable else {
                    // A watcher that does not read would make roomd buffer without bound.
                    logger.warning("closing a watcher that does not keep up", metadata: ["peer": "\(watcher.peer)"])
                    watchers[id] = nil
                    watcher.channel.close(promise: nil)
                    continue
                }
                if message == nil {
                    let wire = Self.event(event)
                    message = allocator.buffer(
                        bytes: JSONWriter.varlinkReply(continues: true) { $0.field("event", wire) })
                }
                pendingEvents.append((watcher, message!))
            }
        }
    }

    // MARK: Parsing

    static func room(_ text: String) throws -> RoomAddress {
        do { return try RoomAddress(parsing: text) } catch {
            throw RoomsError.invalidAddress(field: "room", value: text, error: error)
        }
    }

    static func nick(_ text: String) throws -> Nickname {
        do { return try Nickname(parsing: text) } catch {
            throw RoomsError.invalidAddress(field: "nick", value: text, error: error)
        }
    }

    static func jid(_ text: String, field: String) throws -> JID {
        do { return try JID(parsing: text) } catch {
            throw RoomsError.invalidAddress(field: field, value: text, error: error)
        }
    }

    // MARK: Wire types

    static func summary(_ room: Room) -> Rooms.RoomSummary {
        Rooms.RoomSummary(
            room: room.address.description, name: room.configuration.name, persistent: room.configuration.persistent,
            occupants: room.occupants.count)
    }

    static func occupant(_ occupant: Occupant) -> Rooms.Occupant {
        Rooms.Occupant(
            nick: occupant.nick.description, jids: occupant.sessions.map(\.description), role: occupant.role.rawValue,
            affiliation: occupant.affiliation.rawValue)
    }

    static func details(_ room: Room) -> Rooms.Room {
        Rooms.Room(
            room: room.address.description, name: room.configuration.name, persistent: room.configuration.persistent,
            occupants: room.sortedOccupants.map(occupant),
            affiliations: room.affiliations.sorted { $0.key < $1.key }.map {
                Rooms.Affiliation(jid: $0.key.description, affiliation: $0.value.affiliation.rawValue, reason: $0.value.reason)
            })
    }

    static func removed(_ removed: RemovedOccupant) -> Rooms.Removed {
        Rooms.Removed(
            room: removed.room.description, nick: removed.nick.description,
            jids: removed.sessions.map(\.description), role: removed.role.rawValue,
            affiliation: removed.affiliation.rawValue)
    }

    static func event(_ event: RoomEvent) -> Rooms.Event {
        switch event {
        case .created(let room, _):
            return Rooms.Event(kind: "created", room: room.description)
        case .destroyed(let room, _, let reason):
            return Rooms.Event(kind: "destroyed", room: room.description, reason: reason)
        case .joined(let room, let occupant, let session):
            return Rooms.Event(
                kind: "joined", room: room.description, nick: occupant.nick.description, jids: [session.description],
                role: occupant.role.rawValue, affiliation: occupant.affiliation.rawValue)
        case .left(let room, let nick, let session, _):
            return Rooms.Event(kind: "left", room: room.description, nick: nick.description, jids: [session.description])
        case .kicked(let removed, let reason, let actor), .banned(let removed, let reason, let actor):
            let kind: String
            if case .kicked = event { kind = "kicked" } else { kind = "banned" }
            return Rooms.Event(
                kind: kind, room: removed.room.description, nick: removed.nick.description,
                jids: removed.sessions.map(\.description), role: removed.role.rawValue,
                affiliation: removed.affiliation.rawValue, reason: reason, actor: actor)
        case .nickChanged(let room, let old, let occupant):
            // `nick` is the new nickname; the old one is given in `reason` as "was OLD".
            return Rooms.Event(
                kind: "nick", room: room.description, nick: occupant.nick.description,
                jids: occupant.sessions.map(\.description), role: occupant.role.rawValue,
                affiliation: occupant.affiliation.rawValue, reason: "was \(old)")
        case .affiliationChanged(let room, let jid, let entry, let actor):
            return Rooms.Event(
                kind: "affiliation", room: room.description, jids: [jid.description],
                affiliation: entry.affiliation.rawValue, reason: entry.reason, actor: actor)
        }
    }
}
