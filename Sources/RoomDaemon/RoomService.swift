#if canImport(Glibc)
    import Glibc
#endif
import ControlProtocol
import FoundationEssentials
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
    private let decoder = JSONDecoder()
    private let encoder = JSONEncoder.varlink()
    private var watchers: [ObjectIdentifier: ControlConnection] = [:]
    private var watchersToFlush: [ObjectIdentifier: ControlConnection] = [:]

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

    /// Called when a connection has handled every call of one read: makes the batch durable, then lets the
    /// replies and the events it caused go out.
    func endOfBatch() {
        do {
            try store.commit()
        } catch {
            // Memory now holds changes the disk refused. Replies have not been sent, so nothing unsaved was
            // acknowledged; stopping lets the supervisor restart roomd from what the disk holds.
            logger.critical("cannot commit to the state database, stopping: \(error)")
            exit(74)  // EX_IOERR
        }
        for connection in watchersToFlush.values { connection.channel.flush() }
        watchersToFlush.removeAll(keepingCapacity: true)
    }

    // MARK: Calls

    enum Outcome {
        case reply(ByteBuffer)
        case none
        /// Reply, then close: the stream can no longer be trusted.
        case replyAndClose(ByteBuffer)
    }

    func handle(frame: ByteBuffer, connection: ControlConnection) -> Outcome {
        let bytes = frame.readableBytesView
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .reply(encodeError(RoomsError.invalidMessage("the message is not valid UTF-8")))
        }
        if connection.watching != nil {
            // A watching connection has an unfinished `more` call; varlink answers calls in order, so a
            // second call could never be answered.
            return .replyAndClose(
                encodeError(RoomsError.invalidMessage("a call was sent on a connection that is watching")))
        }
        let data = Data(bytes)
        let header: VarlinkCallHeader
        do {
            header = try decoder.decode(VarlinkCallHeader.self, from: data)
        } catch {
            return .reply(encodeError(RoomsError.invalidMessage(Self.describeEnvelopeError(error))))
        }
        let oneway = header.oneway ?? false
        do {
            let reply = try dispatch(header, data: data, connection: connection)
            return oneway ? .none : .reply(reply)
        } catch let error as VarlinkErrorReply {
            return oneway ? .none : .reply(encodeError(error))
        } catch let error as MUCError {
            return oneway ? .none : .reply(encodeError(RoomsError.reply(for: error)))
        } catch {
            logger.error("call failed unexpectedly: \(error)", metadata: ["method": "\(header.method)"])
            return oneway
                ? .none : .reply(encodeError(VarlinkErrorReply(error: "org.varlink.service.InternalError", [:])))
        }
    }

    private func dispatch(_ header: VarlinkCallHeader, data: Data, connection: ControlConnection) throws -> ByteBuffer {
        guard let (interface, member) = header.interfaceAndMember else {
            throw RoomsError.invalidMessage("method '\(header.method)' is not interface.Method")
        }
        switch interface {
        case VarlinkService.interface:
            return try dispatchService(member, method: header.method, data: data)
        case Rooms.interface:
            guard let method = Rooms.Method(rawValue: member) else {
                throw VarlinkServiceError.methodNotFound(header.method)
            }
            guard connection.level >= method.requiredLevel else {
                logger.warning(
                    "permission denied",
                    metadata: [
                        "method": "\(header.method)", "peer": "\(connection.peer)",
                        "level": "\(connection.level)", "required": "\(method.requiredLevel)",
                    ])
                throw RoomsError.permissionDenied(method: header.method, required: method.requiredLevel)
            }
            return try dispatchRooms(method, header: header, data: data, connection: connection)
        default:
            throw VarlinkServiceError.interfaceNotFound(interface)
        }
    }

    private func dispatchService(_ member: String, method: String, data: Data) throws -> ByteBuffer {
        switch member {
        case "GetInfo":
            return try encode(
                VarlinkService.Info(
                    vendor: "muc-kick", product: "roomd", version: Self.version,
                    url: "https://github.com/muc-kick/muc-kick",
                    interfaces: [VarlinkService.interface, Rooms.interface]))
        case "GetInterfaceDescription":
            let parameters = try decodeParameters(VarlinkService.InterfaceParameters.self, data)
            switch parameters.interface {
            case VarlinkService.interface:
                return try encode(VarlinkService.InterfaceDescription(description: VarlinkService.description))
            case Rooms.interface:
                return try encode(VarlinkService.InterfaceDescription(description: Rooms.interfaceDescription))
            default:
                throw VarlinkServiceError.interfaceNotFound(parameters.interface)
            }
        default:
            throw VarlinkServiceError.methodNotFound(method)
        }
    }

    private func dispatchRooms(
        _ method: Rooms.Method, header: VarlinkCallHeader, data: Data, connection: ControlConnection
    ) throws -> ByteBuffer {
        let uid = connection.peer.uid
        switch method {
        case .listServices:
            return try encode(Rooms.ListServicesReply(services: registry.services.sorted()))

        case .listRooms:
            let parameters = try decodeParameters(Rooms.ListRoomsParameters.self, data)
            let rooms = try registry.rooms(ofService: parameters.service)
            return try encode(Rooms.ListRoomsReply(rooms: rooms.map(Self.summary)))

        case .getRoom:
            let parameters = try decodeParameters(Rooms.RoomParameters.self, data)
            let room = try registry.room(try Self.room(parameters.room))
            return try encode(Rooms.GetRoomReply(room: Self.details(room)))

        case .createRoom:
            let parameters = try decodeParameters(Rooms.CreateRoomParameters.self, data)
            let address = try Self.room(parameters.room)
            let configuration = RoomConfiguration(name: parameters.name, persistent: parameters.persistent ?? true)
            try apply(try registry.createRoom(address, configuration: configuration), uid: uid)
            return try encode(Rooms.CreateRoomReply(room: Self.summary(try registry.room(address))))

        case .destroyRoom:
            let parameters = try decodeParameters(Rooms.DestroyRoomParameters.self, data)
            let events = try registry.destroyRoom(try Self.room(parameters.room), reason: parameters.reason)
            try apply(events, uid: uid)
            var removed: [Rooms.Removed] = []
            for case .destroyed(_, let occupants, _) in events { removed += occupants.map(Self.removed) }
            return try encode(Rooms.RemovedReply(removed: removed))

        case .join:
            let parameters = try decodeParameters(Rooms.JoinParameters.self, data)
            let address = try Self.room(parameters.room)
            let nick = try Self.nick(parameters.nick)
            let jid = try Self.jid(parameters.jid, field: "jid")
            var role: Role?
            if let text = parameters.role {
                guard let parsed = Role(rawValue: text), parsed != .none else {
                    throw VarlinkServiceError.invalidParameter("role")
                }
                role = parsed
            }
            let events = try registry.join(address, nick: nick, session: jid, role: role)
            try apply(events, uid: uid)
            guard case .joined(_, let occupant, _)? = events.first else {
                throw VarlinkErrorReply(error: "org.varlink.service.InternalError", [:])
            }
            return try encode(Rooms.JoinReply(occupant: Self.occupant(occupant)))

        case .leave:
            let parameters = try decodeParameters(Rooms.LeaveParameters.self, data)
            let address = try Self.room(parameters.room)
            let nick = try Self.nick(parameters.nick)
            let jid = try parameters.jid.map { text throws in try Self.jid(text, field: "jid") }
            try apply(try registry.leave(address, nick: nick, session: jid), uid: uid)
            return try encode(NoParameters())

        case .kick:
            let parameters = try decodeParameters(Rooms.KickParameters.self, data)
            let address = try Self.room(parameters.room)
            let target: KickTarget
            switch (parameters.nick, parameters.jid) {
            case (let nick?, nil): target = .nick(try Self.nick(nick))
            case (nil, let jid?): target = .jid(try Self.jid(jid, field: "jid"))
            case (nil, nil), (.some, .some): throw VarlinkServiceError.invalidParameter("nick")
            }
            let events = try registry.kick(
                address, target: target, reason: parameters.reason, actor: parameters.actor,
                protectPrivileged: protectPrivilegedAlways || (parameters.protect ?? false))
            try apply(events, uid: uid)
            var kicked: [Rooms.Removed] = []
            for case .kicked(let removed, _, _) in events {
                kicked.append(Self.removed(removed))
                logger.info(
                    "kicked",
                    metadata: [
                        "room": "\(removed.room)", "nick": "\(removed.nick)", "uid": "\(uid)",
                        "sessions": "\(removed.sessions.count)",
                    ])
            }
            return try encode(Rooms.KickReply(kicked: kicked))

        case .setAffiliation:
            let parameters = try decodeParameters(Rooms.SetAffiliationParameters.self, data)
            let address = try Self.room(parameters.room)
            let jid = try Self.jid(parameters.jid, field: "jid")
            guard let affiliation = Affiliation(rawValue: parameters.affiliation) else {
                throw VarlinkServiceError.invalidParameter("affiliation")
            }
            let events = try registry.setAffiliation(
                address, jid: jid, affiliation: affiliation, reason: parameters.reason, actor: parameters.actor)
            try apply(events, uid: uid)
            var removed: [Rooms.Removed] = []
            for case .banned(let occupant, _, _) in events { removed.append(Self.removed(occupant)) }
            return try encode(Rooms.RemovedReply(removed: removed))

        case .getAudit:
            let parameters = try decodeParameters(Rooms.GetAuditParameters.self, data)
            let room = try parameters.room.map { text throws in try Self.room(text) }
            let limit = parameters.limit ?? 100
            guard (1...Self.maxAuditLimit).contains(limit) else { throw VarlinkServiceError.invalidParameter("limit") }
            let records = try store.auditRecords(room: room?.description, limit: limit).map {
                Rooms.AuditRecord(
                    id: $0.id, time: AuditTime.iso8601(milliseconds: $0.time), action: $0.action, room: $0.room,
                    nick: $0.nick, jids: $0.jids, reason: $0.reason, actor: $0.actor, uid: $0.uid)
            }
            return try encode(Rooms.GetAuditReply(records: records))

        case .watch:
            guard header.more == true else { throw VarlinkServiceError.expectedMore() }
            let parameters = try decodeParameters(Rooms.WatchParameters.self, data)
            let room = try parameters.room.map { text throws in try Self.room(text) }
            if let room { try registry.checkService(room) }
            connection.watching = ControlConnection.Watching(room: room)
            watchers[ObjectIdentifier(connection)] = connection
            return try encode(
                Rooms.WatchReply(event: Rooms.Event(kind: "watching", room: room?.description)), continues: true)
        }
    }

    /// Records the events' durable effects and sends them to watchers.
    private func apply(_ events: [RoomEvent], uid: UInt32) throws {
        guard !events.isEmpty else { return }
        let now = RoomStore.nowMilliseconds()
        do {
            for event in events { try store.record(event, uid: uid, now: now) }
        } catch {
            logger.critical("cannot write to the state database, stopping: \(error)")
            exit(74)  // EX_IOERR; see endOfBatch
        }
        guard !watchers.isEmpty else { return }
        for event in events {
            let message = Self.event(event)
            for (id, watcher) in watchers where watcher.watching?.room == nil || watcher.watching?.room == event.room {
                guard watcher.channel.isWritable else {
                    // A watcher that does not read would make roomd buffer without bound.
                    logger.warning("closing a watcher that does not keep up", metadata: ["peer": "\(watcher.peer)"])
                    watchers[id] = nil
                    watcher.channel.close(promise: nil)
                    continue
                }
                watcher.channel.write(try encode(Rooms.WatchReply(event: message), continues: true), promise: nil)
                watchersToFlush[id] = watcher
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

    private func decodeParameters<P: Decodable>(_ type: P.Type, _ data: Data) throws -> P {
        do {
            if let parameters = try decoder.decode(VarlinkParameters<P>.self, from: data).parameters {
                return parameters
            }
            return try decoder.decode(P.self, from: Data("{}".utf8))
        } catch let error as DecodingError {
            throw VarlinkServiceError.invalidParameter(Self.parameterName(error))
        }
    }

    /// The parameter a decoding error is about: the first key below `parameters`.
    static func parameterName(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default: path = []
        }
        let keys = path.map(\.stringValue).filter { $0 != "parameters" }
        // Decoding the `{}` stand-in has no "parameters" key in its path.
        return keys.first ?? "parameters"
    }

    static func describeEnvelopeError(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "the message is not a varlink call" }
        switch error {
        case .dataCorrupted: return "the message is not valid JSON"
        case .keyNotFound(let key, _): return "the message has no '\(key.stringValue)'"
        case .typeMismatch(_, let context):
            if context.codingPath.isEmpty { return "the message is not a JSON object" }
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is null"
        @unknown default: return "the message is not a varlink call"
        }
    }

    // MARK: Encoding

    private func encode<P: Codable & Sendable>(_ parameters: P, continues: Bool? = nil) throws -> ByteBuffer {
        frame(try encoder.encode(VarlinkReply(parameters: parameters, continues: continues)))
    }

    func encodeError(_ error: VarlinkErrorReply) -> ByteBuffer {
        // Encoding a plain struct of strings and numbers cannot fail.
        frame((try? encoder.encode(error)) ?? Data(#"{"error":"org.varlink.service.InternalError"}"#.utf8))
    }

    private func frame(_ data: Data) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: data.count + 1)
        buffer.writeBytes(data)
        buffer.writeInteger(VarlinkFraming.terminator)
        return buffer
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
        case .affiliationChanged(let room, let jid, let entry, let actor):
            return Rooms.Event(
                kind: "affiliation", room: room.description, jids: [jid.description],
                affiliation: entry.affiliation.rawValue, reason: entry.reason, actor: actor)
        }
    }
}
