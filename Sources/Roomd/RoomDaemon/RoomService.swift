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
    var registry: RoomRegistry
    let store: RoomStore
    let policy: AccessPolicy
    let protectPrivilegedAlways: Bool
    let logger: Logger
    private let allocator = ByteBufferAllocator()
    var watchers: [ObjectIdentifier: ControlConnection] = [:]
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
    func changing(_ room: RoomAddress) -> RoomAddress {
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
    var storageUnavailable: RoomsError {
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
        } catch RoomsError.storageUnavailable {
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

    func apply(_ events: [RoomEvent], uid: UInt32) throws {
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
}
