import MUCCore
import StrictJSON

// The parameters and reply of every method. roomd reads a call's parameters with `init(reading:)` and
// writes the reply with `writeMembers(to:)`; clients do the opposite with the same code. Each reader checks
// its fields in the order roomd always has, so the first bad field is the one named in the error.

extension Rooms {
    public struct ListServicesParameters: RoomsCall, Equatable {
        public typealias Reply = ListServicesReply
        public static var method: Method { .listServices }
        public init() {}
        public init(reading parameters: ParameterReader) throws(RoomsError) {}
        public func writeMembers(to writer: inout JSONWriter) {}
    }

    public struct ListServicesReply: VarlinkParameters, Equatable {
        public var services: [String]
        public init(services: [String]) { self.services = services }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            services = try parameters.strings("services")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("services", services) }
    }

    public struct ListRoomsParameters: RoomsCall, Equatable {
        public typealias Reply = ListRoomsReply
        public static var method: Method { .listRooms }
        /// A domain, compared as roomd's registry does; not parsed as an address.
        public var service: String?
        public init(service: String? = nil) { self.service = service }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            service = try parameters.optionalString("service")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("service", service) }
    }

    public struct ListRoomsReply: VarlinkParameters, Equatable {
        public var rooms: [RoomSummary]
        public init(rooms: [RoomSummary]) { self.rooms = rooms }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            rooms = try parameters.objects("rooms") { reader throws(RoomsError) in try RoomSummary(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("rooms", rooms) }
    }

    public struct GetRoomParameters: RoomsCall, Equatable {
        public typealias Reply = GetRoomReply
        public static var method: Method { .getRoom }
        public var room: RoomAddress
        public init(room: RoomAddress) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) { room = try parameters.room("room") }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room.description) }
    }

    public struct GetRoomReply: VarlinkParameters, Equatable {
        public var room: Room
        public init(room: Room) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try Room(reading: try parameters.object("room"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room) }
    }

    public struct CreateRoomParameters: RoomsCall, Equatable {
        public typealias Reply = CreateRoomReply
        public static var method: Method { .createRoom }
        public var room: RoomAddress
        public var name: String?
        /// Absent: persistent.
        public var persistent: Bool?
        public init(room: RoomAddress, name: String? = nil, persistent: Bool? = nil) {
            self.room = room
            self.name = name
            self.persistent = persistent
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            name = try parameters.optionalText("name", as: .name)
            persistent = try parameters.optionalBool("persistent")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("name", name)
            if let persistent { writer.field("persistent", persistent) }
        }
    }

    public struct CreateRoomReply: VarlinkParameters, Equatable {
        public var room: RoomSummary
        public init(room: RoomSummary) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try RoomSummary(reading: try parameters.object("room"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room) }
    }

    public struct DestroyRoomParameters: RoomsCall, Equatable {
        public typealias Reply = RemovedReply
        public static var method: Method { .destroyRoom }
        public var room: RoomAddress
        public var reason: String?
        public init(room: RoomAddress, reason: String? = nil) {
            self.room = room
            self.reason = reason
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            reason = try parameters.optionalText("reason", as: .reason)
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("reason", reason)
        }
    }

    /// The reply of `DestroyRoom` and `SetAffiliation`: the occupants taken out.
    public struct RemovedReply: VarlinkParameters, Equatable {
        public var removed: [Removed]
        public init(removed: [Removed]) { self.removed = removed }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            removed = try parameters.objects("removed") { reader throws(RoomsError) in try Removed(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("removed", removed) }
    }

    public struct JoinParameters: RoomsCall, Equatable {
        public typealias Reply = JoinReply
        public static var method: Method { .join }
        public var room: RoomAddress
        public var nick: Nickname
        public var jid: JID
        /// Absent: from the affiliation. Never `.none`.
        public var role: Role?
        public init(room: RoomAddress, nick: Nickname, jid: JID, role: Role? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
            self.role = role
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            nick = try parameters.nick("nick")
            jid = try parameters.jid("jid")
            if let text = try parameters.optionalString("role") {
                guard let parsed = Role(rawValue: text), parsed != .none else { throw .invalidParameter("role") }
                role = parsed
            }
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("nick", nick.description)
            writer.field("jid", jid.description)
            writer.field("role", role?.rawValue)
        }
    }

    public struct JoinReply: VarlinkParameters, Equatable {
        public var occupant: Occupant
        public init(occupant: Occupant) { self.occupant = occupant }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            occupant = try Occupant(reading: try parameters.object("occupant"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("occupant", occupant) }
    }

    public struct LeaveParameters: RoomsCall, Equatable {
        public typealias Reply = EmptyReply
        public static var method: Method { .leave }
        public var room: RoomAddress
        public var nick: Nickname
        /// Only this session; absent: all of the occupant's.
        public var jid: JID?
        public init(room: RoomAddress, nick: Nickname, jid: JID? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            nick = try parameters.nick("nick")
            jid = try parameters.optionalJID("jid")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("nick", nick.description)
            writer.field("jid", jid?.description)
        }
    }

    /// `{}`: the reply of a method that returns nothing.
    public struct EmptyReply: VarlinkParameters, Equatable {
        public init() {}
        public init(reading parameters: ParameterReader) throws(RoomsError) {}
        public func writeMembers(to writer: inout JSONWriter) {}
    }

    public struct KickParameters: RoomsCall, Equatable {
        public typealias Reply = KickReply
        public static var method: Method { .kick }
        public var room: RoomAddress
        /// Exactly one of `nick` and `jid` on the wire.
        public var target: KickTarget
        public var reason: String?
        public var actor: String?
        /// Refuse the whole kick if an owner or admin is among the targets. Written only when set.
        public var protect: Bool
        /// Wall-clock milliseconds (`WallClock`) after which roomd refuses the call: its caller gave up.
        public var deadline: Int64?
        public init(
            room: RoomAddress, target: KickTarget, reason: String? = nil, actor: String? = nil, protect: Bool = false,
            deadline: Int64? = nil
        ) {
            self.room = room
            self.target = target
            self.reason = reason
            self.actor = actor
            self.protect = protect
            self.deadline = deadline
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            switch (try parameters.optionalString("nick"), try parameters.optionalString("jid")) {
            case (let nick?, nil): target = .nick(try ParameterReader.nick(nick, field: "nick"))
            case (nil, let jid?): target = .jid(try ParameterReader.jid(jid, field: "jid"))
            case (nil, nil), (.some, .some): throw .invalidParameter("nick")
            }
            reason = try parameters.optionalText("reason", as: .reason)
            actor = try parameters.optionalText("actor", as: .actor)
            protect = try parameters.optionalBool("protect") ?? false
            deadline = try parameters.optionalInt("deadline")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            switch target {
            case .nick(let nick): writer.field("nick", nick.description)
            case .jid(let jid): writer.field("jid", jid.description)
            }
            writer.field("reason", reason)
            writer.field("actor", actor)
            if protect { writer.field("protect", true) }
            if let deadline { writer.field("deadline", deadline) }
        }
    }

    public struct KickReply: VarlinkParameters, Equatable {
        public var kicked: [Removed]
        public init(kicked: [Removed]) { self.kicked = kicked }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            kicked = try parameters.objects("kicked") { reader throws(RoomsError) in try Removed(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("kicked", kicked) }
    }

    public struct SetAffiliationParameters: RoomsCall, Equatable {
        public typealias Reply = RemovedReply
        public static var method: Method { .setAffiliation }
        public var room: RoomAddress
        public var jid: JID
        public var affiliation: MUCCore.Affiliation
        public var reason: String?
        public var actor: String?
        public init(
            room: RoomAddress, jid: JID, affiliation: MUCCore.Affiliation, reason: String? = nil, actor: String? = nil
        ) {
            self.room = room
            self.jid = jid
            self.affiliation = affiliation
            self.reason = reason
            self.actor = actor
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            jid = try parameters.jid("jid")
            affiliation = try parameters.affiliation("affiliation")
            reason = try parameters.optionalText("reason", as: .reason)
            actor = try parameters.optionalText("actor", as: .actor)
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("jid", jid.description)
            writer.field("affiliation", affiliation.rawValue)
            writer.field("reason", reason)
            writer.field("actor", actor)
        }
    }

    public struct GetAuditParameters: RoomsCall, Equatable {
        public typealias Reply = GetAuditReply
        public static var method: Method { .getAudit }
        public static let defaultLimit = 100
        public static let maxLimit = 10_000
        public var room: RoomAddress?
        /// 1 to `maxLimit`; absent: `defaultLimit`.
        public var limit: Int?
        public init(room: RoomAddress? = nil, limit: Int? = nil) {
            self.room = room
            self.limit = limit
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.optionalRoom("room")
            if let limit = try parameters.optionalInt("limit") {
                guard (1...Int64(Self.maxLimit)).contains(limit) else { throw .invalidParameter("limit") }
                self.limit = Int(limit)
            }
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room?.description)
            if let limit { writer.field("limit", Int64(limit)) }
        }
    }

    public struct GetAuditReply: VarlinkParameters, Equatable {
        public var records: [AuditRecord]
        public init(records: [AuditRecord]) { self.records = records }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            records = try parameters.objects("records") { reader throws(RoomsError) in
                try AuditRecord(reading: reader)
            }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("records", records) }
    }

    /// Called with `"more": true`; each reply carries one event.
    public struct WatchParameters: RoomsCall, Equatable {
        public typealias Reply = WatchReply
        public static var method: Method { .watch }
        public var room: RoomAddress?
        public init(room: RoomAddress? = nil) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.optionalRoom("room")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room?.description) }
    }

    public struct WatchReply: VarlinkParameters, Equatable {
        public var event: Event
        public init(event: Event) { self.event = event }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            event = try Event(reading: try parameters.object("event"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("event", event) }
    }
}
