import ControlProtocol
import MUCCore
import NIOCore
import StrictJSON

/// The control socket's side of the rooms: a varlink call in, a transition of the registry, a reply out.
extension RoomService {
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
        if storageFailure != nil && holdsUncommittedChanges && !endOfBatch() {
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
                address, target: target, reason: reason,
                by: .system(name: actor, protectPrivileged: protectPrivilegedAlways || protect))
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
