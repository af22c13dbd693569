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
            Result { () throws(RoomsError) in try CallEnvelope(raw.bindMemory(to: UInt8.self)) }
        }
        let call: CallEnvelope
        switch parsed {
        case .success(let envelope): call = envelope
        case .failure(let error): return .reply(error.framed())
        }
        let outcome = handle(call, connection: connection)
        // While the disk refuses writes, each change is committed on its own, so that one refused write does
        // not take down the other calls of its turn.
        if storageFailure != nil && holdsUncommittedChanges && !turn.end() {
            return call.oneway ? .none : .reply(storageUnavailable.framed())
        }
        return outcome
    }

    private func handle(_ call: CallEnvelope, connection: ControlConnection) -> Outcome {
        do {
            let reply = try dispatch(call, connection: connection)
            return call.oneway ? .none : .reply(reply)
        } catch let error as RoomsError {
            // A refused token ends the connection: one connection gets one try.
            if case .authenticationFailed = error { return .replyAndClose(error.framed()) }
            return call.oneway ? .none : .reply(error.framed())
        } catch let error as MUCError {
            return call.oneway ? .none : .reply(RoomsError.room(error).framed())
        } catch {
            logger.error("call failed unexpectedly: \(error)", metadata: ["method": "\(call.method)"])
            return call.oneway ? .none : .reply(RoomsError.internalError.framed())
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
                        "method": "\(call.method)", "peer": "\(connection.who)",
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
            throw RoomsError.methodNotFound(call.method)
        default:
            throw RoomsError.interfaceNotFound(interface)
        }
    }

    private func dispatchService(_ member: String, call: CallEnvelope) throws -> [UInt8] {
        switch member {
        case "GetInfo":
            return JSONWriter.varlinkReply(
                VarlinkService.Info(
                    vendor: "muc-kick", product: "roomd", version: Self.version,
                    url: "https://github.com/muc-kick/muc-kick",
                    interfaces: [VarlinkService.interface, Rooms.interface]
                ))
        case "GetInterfaceDescription":
            let interface = try VarlinkService.InterfaceParameters(reading: try ParameterReader(call.parameters))
                .interface
            let description: String
            switch interface {
            case VarlinkService.interface: description = VarlinkService.description
            case Rooms.interface: description = Rooms.interfaceDescription
            default: throw RoomsError.interfaceNotFound(interface)
            }
            return JSONWriter.varlinkReply(VarlinkService.InterfaceDescription(description: description))
        default:
            throw RoomsError.methodNotFound(call.method)
        }
    }

    /// Each call's parameters are read by the contract's own type (the code clients write them with), then
    /// the room it changes is marked for undo, then the registry decides.
    private func dispatchRooms(_ method: Rooms.Method, call: CallEnvelope, connection: ControlConnection) throws
        -> [UInt8]
    {
        let caller = connection.auditCaller
        let parameters = try ParameterReader(call.parameters)
        switch method {
        case .listServices:
            return JSONWriter.varlinkReply(Rooms.ListServicesReply(services: registry.services.sorted()))

        case .listRooms:
            let call = try Rooms.ListRoomsParameters(reading: parameters)
            let rooms = try registry.rooms(ofService: call.service)
            return JSONWriter.varlinkReply(Rooms.ListRoomsReply(rooms: rooms.map(Rooms.RoomSummary.init)))

        case .getRoom:
            let call = try Rooms.GetRoomParameters(reading: parameters)
            return JSONWriter.varlinkReply(Rooms.GetRoomReply(room: Rooms.Room(try registry.room(call.room))))

        case .createRoom:
            let call = try Rooms.CreateRoomParameters(reading: parameters)
            let address = changing(call.room)
            let configuration = RoomConfiguration(name: call.name, persistent: call.persistent ?? true)
            try apply(try registry.createRoom(address, configuration: configuration), caller: caller)
            return JSONWriter.varlinkReply(Rooms.CreateRoomReply(room: Rooms.RoomSummary(try registry.room(address))))

        case .configureRoom:
            let call = try Rooms.ConfigureRoomParameters(reading: parameters)
            guard !call.changesNothing else {
                let room = try registry.room(call.room)
                return JSONWriter.varlinkReply(Rooms.ConfigureRoomReply(configuration: .init(room.configuration)))
            }
            let address = changing(call.room)
            let configuration = call.applied(to: try registry.room(address).configuration)
            try apply(try registry.configure(address, configuration), caller: caller)
            return JSONWriter.varlinkReply(Rooms.ConfigureRoomReply(configuration: .init(configuration)))

        case .destroyRoom:
            let call = try Rooms.DestroyRoomParameters(reading: parameters)
            let events = try registry.destroyRoom(changing(call.room), reason: call.reason)
            try apply(events, caller: caller)
            var removed: [Rooms.Removed] = []
            for case .destroyed(_, let occupants, _) in events { removed += occupants.map(Rooms.Removed.init) }
            return JSONWriter.varlinkReply(Rooms.RemovedReply(removed: removed))

        case .join:
            let call = try Rooms.JoinParameters(reading: parameters)
            let nick = try Self.prepared(call.nick)
            let events = try registry.join(changing(call.room), nick: nick, session: call.jid, role: call.role)
            try apply(events, caller: caller)
            guard case .joined(_, let occupant, _)? = events.first else { throw RoomsError.internalError }
            return JSONWriter.varlinkReply(Rooms.JoinReply(occupant: Rooms.Occupant(occupant)))

        case .leave:
            let call = try Rooms.LeaveParameters(reading: parameters)
            let nick = try Self.prepared(call.nick)
            try apply(try registry.leave(changing(call.room), nick: nick, session: call.jid), caller: caller)
            return JSONWriter.varlinkReply(Rooms.EmptyReply())

        case .kick:
            let call = try Rooms.KickParameters(reading: parameters)
            if let deadline = call.deadline, WallClock.milliseconds() > deadline {
                // The caller has given up waiting (its timeout passed while the call sat in the queue, e.g.
                // roomd was stopped): kicking now would contradict the timeout it already reported.
                throw RoomsError.deadlineExceeded(deadline: deadline)
            }
            let target = try prepared(call.target, in: call.room)
            let events = try registry.kick(
                changing(call.room), target: target, reason: call.reason,
                by: .system(name: call.actor, protectPrivileged: protectPrivilegedAlways || call.protect))
            try apply(events, caller: caller)
            var kicked: [Rooms.Removed] = []
            for case .kicked(let removed, _, _) in events {
                kicked.append(Rooms.Removed(removed))
                logger.debug(
                    "kicked",
                    metadata: [
                        "room": "\(removed.room)", "nick": "\(removed.nick)", "caller": "\(connection.who)",
                        "sessions": "\(removed.sessions.count)",
                    ])
            }
            return JSONWriter.varlinkReply(Rooms.KickReply(kicked: kicked))

        case .setAffiliation:
            let call = try Rooms.SetAffiliationParameters(reading: parameters)
            let events = try registry.setAffiliation(
                changing(call.room), jid: call.jid, affiliation: call.affiliation, reason: call.reason,
                actor: call.actor)
            try apply(events, caller: caller)
            var removed: [Rooms.Removed] = []
            for event in events {
                switch event {
                case .banned(let occupant, _, _), .removed(let occupant, _, _, _):
                    removed.append(Rooms.Removed(occupant))
                default: break
                }
            }
            return JSONWriter.varlinkReply(Rooms.RemovedReply(removed: removed))

        case .getAudit:
            let call = try Rooms.GetAuditParameters(reading: parameters)
            let entries = try store.auditRecords(
                room: call.room?.description, limit: call.limit ?? Rooms.GetAuditParameters.defaultLimit)
            return JSONWriter.varlinkReply(Rooms.GetAuditReply(records: entries.map(Rooms.AuditRecord.init)))

        case .watch:
            guard call.more else { throw RoomsError.expectedMore }
            let room = try Rooms.WatchParameters(reading: parameters).room
            if let room { try registry.checkService(room) }
            connection.watching = ControlConnection.Watching(room: room)
            watchers.add(connection)
            return JSONWriter.varlinkReply(
                continues: true, Rooms.WatchReply(event: Rooms.Event(kind: .watching, room: room)))

        case .authenticate:
            let token = try Rooms.AuthenticateParameters(reading: parameters).token
            let caller = try authenticate(token, connection: connection)
            return JSONWriter.varlinkReply(Rooms.AuthenticateReply(caller: caller.description, level: caller.level))
        }
    }
}
