#if canImport(Glibc)
    import Glibc
#endif
import ControlProtocol
import Logging
import MUCComponent
import MUCCore
import NIOCore
import XMLStream

/// The dispatcher of everything that asks for a change of the rooms: varlink calls from control connections
/// (`RoomService+Calls.swift`) and stanzas from component streams. What a change produces goes into the
/// current `Turn`, which commits it and sends it; watchers and component streams are kept by
/// `WatcherFanOut` and `ComponentHub`. Lives on one event loop; every method runs there, so the state needs
/// no lock.
final class RoomService {
    let eventLoop: any EventLoop
    let turn: Turn
    let watchers: WatcherFanOut
    let components = ComponentHub()
    let policy: AccessPolicy
    let protectPrivilegedAlways: Bool
    let logger: Logger
    private var auditRetention = AuditRetention(maxAgeDays: nil, maxRows: nil)
    /// XEP-0045 §10.1.1: how long a room a join created stays locked (`+LockTimeout`).
    var lockTimeout: TimeAmount = .seconds(300)
    /// The timer of each room a join created locked, until it runs or the room is configured or destroyed.
    var lockTimers: [RoomAddress: Scheduled<Void>] = [:]
    /// Who may call over TLS (`--tls-callers`), replaced on reload (`+Authenticate`).
    var tlsCallers = ControlCallers()
    /// Open TLS connections, whose callers a reload looks up again.
    var remoteConnections: [ObjectIdentifier: ControlConnection] = [:]

    static let version = "0.1.0"

    init(
        eventLoop: any EventLoop, registry: RoomRegistry, store: RoomStore, policy: AccessPolicy,
        protectPrivilegedAlways: Bool, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.watchers = WatcherFanOut(logger: logger)
        self.turn = Turn(registry: registry, store: store, watchers: watchers, eventLoop: eventLoop, logger: logger)
        self.policy = policy
        self.protectPrivilegedAlways = protectPrivilegedAlways
        self.logger = logger
    }

    /// The rooms, owned by the turn that can undo their changes.
    var registry: RoomRegistry {
        _read { yield turn.registry }
        _modify { yield &turn.registry }
    }

    var store: RoomStore { turn.store }
    var storageFailure: String? { turn.storageFailure }
    var holdsUncommittedChanges: Bool { turn.holdsUncommittedChanges }
    var storageUnavailable: RoomsError { turn.storageUnavailable }

    // MARK: Connections

    func connectionOpened(_ connection: ControlConnection) {
        logger.debug("connection opened", metadata: ["peer": "\(connection.who)", "level": "\(connection.level)"])
        if connection.peer.isRemote { remoteConnections[ObjectIdentifier(connection)] = connection }
    }

    func connectionClosed(_ connection: ControlConnection) {
        watchers.remove(connection)
        remoteConnections[ObjectIdentifier(connection)] = nil
    }

    // MARK: Changes

    /// The room a call is about to change, once it can be undone.
    func changing(_ room: RoomAddress) -> RoomAddress {
        turn.willChange(room, components: components)
        return room
    }

    /// Records the events' durable effects in the turn, and queues what watchers and XMPP occupants must hear
    /// of them. Throws `StorageUnavailable` when the disk refused the write (the turn was undone).
    func apply(_ events: [RoomEvent], uid: UInt32) throws {
        try apply(events, caller: AuditCaller(uid: Int64(uid)))
    }

    /// The same, for a call whose caller the audit log records.
    func apply(_ events: [RoomEvent], caller: AuditCaller) throws {
        guard !events.isEmpty else { return }
        let now = WallClock.milliseconds()
        let recorded: Void? = turn.write { (store) throws(SQLiteError) in
            for event in events {
                try store.record(event, uid: caller.uid, caller: caller.name, now: now)
                // Who created a room counts toward their limit of rooms across restarts.
                if case .created(let room, _) = event, let creator = self.registry.rooms[room]?.creator {
                    try store.recordCreator(creator, of: room)
                }
            }
        }
        guard recorded != nil else { throw storageUnavailable }
        scheduleLockExpiry(after: events)
        components.render(events, registry: registry, into: turn)
        watchers.publish(events, into: turn)
    }

    // MARK: Audit retention

    func startPruningAudit(_ retention: AuditRetention) {
        auditRetention = retention
        guard retention.isEnabled else { return }
        // Soon after the start, so that lowered limits apply at once.
        eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { self.pruneAudit() }
    }

    /// One bounded step, committed on its own; the next follows on a later turn at once while there is more
    /// to delete, so a backlog drains without any turn deleting more than `batch` rows.
    func pruneAudit() {
        let retention = auditRetention
        let cutoff = retention.maxAge.map { WallClock.milliseconds() - $0 }
        let deleted = turn.write { (store) throws(SQLiteError) in
            try store.pruneAudit(maxRows: retention.maxRows, olderThan: cutoff, batch: retention.batch)
        }
        let more = turn.end() && deleted == retention.batch
        if more {
            eventLoop.assumeIsolated().execute { self.pruneAudit() }
        } else {
            eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(retention.interval)) { self.pruneAudit() }
        }
    }

    // MARK: XMPP

    /// A stream for `configuration`, to be run as a service in the daemon's group.
    func addComponent(_ configuration: ComponentConfiguration) -> ComponentConnection {
        components.add(configuration, eventLoop: eventLoop, delegate: self, logger: logger)
    }
}

extension RoomService: ComponentConnectionDelegate {
    /// A stanza from an XMPP server: the component's MUC logic decides, the same transitions as the control
    /// socket's happen, and every occupant on every transport hears of them.
    func component(_ link: ComponentConnection, received stanza: XMLElement) {
        // Every change a stanza makes is to the room it is addressed to.
        turn.willChange(
            stanza["to"].flatMap { try? JID(parsing: $0) }.flatMap { try? RoomAddress(parsing: $0.bare.description) },
            components: components)
        let outcome = link.mucService.handle(stanza, registry: &registry)
        let mark = turn.stanzaMark
        turn.send(outcome.before, via: link)
        do {
            try apply(outcome.events, uid: getuid())
        } catch RoomsError.storageUnavailable {
            return  // undone, and logged once by the turn
        } catch {
            logger.error("cannot apply a stanza's events: \(error)")
        }
        turn.send(outcome.after, via: link)
        turn.groupByRecipient(since: mark, on: link)
        // While the disk refuses writes, each change is committed on its own (as calls are).
        if storageFailure != nil { turn.end() }
    }

    func component(_ link: ComponentConnection, send stanzas: [XMLElement]) {
        turn.send(stanzas, via: link)
    }

    /// The sessions that joined through a lost stream can no longer be reached nor leave by themselves, so
    /// each leaves its room the way a leave from the control socket would (committed, shown to watchers, and
    /// a temporary room left empty ends).
    ///
    /// Each session is told (status 333) once a stream is back: its client believes it is still joined.
    func componentStreamLost(_ link: ComponentConnection) {
        let notices = link.mucService.removalNotices(.lostConnection, registry: registry)
        let sessions = link.mucService.takeXMPPSessions()
        guard !sessions.isEmpty else { return }
        // These leaves are facts, not requests: the sessions are gone whatever the disk says. What they write
        // (only the removal of temporary rooms left empty, which a restart drops anyway) may fail without
        // undoing them.
        turn.standing {
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
            // Held by the stream until the next one is authenticated.
            turn.send(notices, via: link)
        }
        logger.notice(
            "component stream lost: its XMPP occupants left their rooms",
            metadata: ["component": "\(link.configuration.domain)", "sessions": "\(sessions.count)"])
    }

    /// roomd stops: every XMPP occupant is told (status 332) rather than left believing it is joined, since
    /// occupants are not kept across a restart (docs/deploy.md).
    func componentStopping(_ link: ComponentConnection) -> [XMLElement] {
        link.mucService.removalNotices(.shutdown, registry: registry)
    }
}
