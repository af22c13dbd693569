/// The `org.muckick.Rooms` interface: its name, methods, access levels and message types.
public enum Rooms {
    public static let interface = "org.muckick.Rooms"

    public static func qualified(_ member: String) -> String { interface + "." + member }

    /// What a caller may do; levels are ordered (admin may do everything kick may).
    public enum AccessLevel: Int, Comparable, Sendable, CustomStringConvertible {
        case none = 0, kick, admin
        public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String {
            switch self {
            case .none: return "none"
            case .kick: return "kick"
            case .admin: return "admin"
            }
        }
    }

    /// Every method of the interface with the level it needs: dispatch, help and permission checks all
    /// read this one table.
    public enum Method: String, CaseIterable, Sendable {
        case listServices = "ListServices"
        case listRooms = "ListRooms"
        case getRoom = "GetRoom"
        case createRoom = "CreateRoom"
        case destroyRoom = "DestroyRoom"
        case join = "Join"
        case leave = "Leave"
        case kick = "Kick"
        case setAffiliation = "SetAffiliation"
        case getAudit = "GetAudit"
        case watch = "Watch"

        public var requiredLevel: AccessLevel {
            switch self {
            case .listServices, .listRooms, .getRoom, .kick, .getAudit, .watch: return .kick
            case .createRoom, .destroyRoom, .join, .leave, .setAffiliation: return .admin
            }
        }

        public var qualifiedName: String { Rooms.qualified(rawValue) }
    }

    // MARK: Types

    public struct RoomSummary: Codable, Sendable, Equatable {
        public var room: String
        public var name: String?
        public var persistent: Bool
        public var occupants: Int
        public init(room: String, name: String?, persistent: Bool, occupants: Int) {
            self.room = room
            self.name = name
            self.persistent = persistent
            self.occupants = occupants
        }
    }

    public struct Occupant: Codable, Sendable, Equatable {
        public var nick: String
        public var jids: [String]
        public var role: String
        public var affiliation: String
        public init(nick: String, jids: [String], role: String, affiliation: String) {
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
        }
    }

    public struct Affiliation: Codable, Sendable, Equatable {
        public var jid: String
        public var affiliation: String
        public var reason: String?
        public init(jid: String, affiliation: String, reason: String?) {
            self.jid = jid
            self.affiliation = affiliation
            self.reason = reason
        }
    }

    public struct Room: Codable, Sendable, Equatable {
        public var room: String
        public var name: String?
        public var persistent: Bool
        public var occupants: [Occupant]
        public var affiliations: [Affiliation]
        public init(room: String, name: String?, persistent: Bool, occupants: [Occupant], affiliations: [Affiliation]) {
            self.room = room
            self.name = name
            self.persistent = persistent
            self.occupants = occupants
            self.affiliations = affiliations
        }
    }

    public struct Removed: Codable, Sendable, Equatable {
        public var room: String
        public var nick: String
        public var jids: [String]
        public var role: String
        public var affiliation: String
        public init(room: String, nick: String, jids: [String], role: String, affiliation: String) {
            self.room = room
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
        }
    }

    public struct Event: Codable, Sendable, Equatable {
        public var kind: String
        public var room: String?
        public var nick: String?
        public var jids: [String]?
        public var role: String?
        public var affiliation: String?
        public var reason: String?
        public var actor: String?
        public init(
            kind: String, room: String? = nil, nick: String? = nil, jids: [String]? = nil, role: String? = nil,
            affiliation: String? = nil, reason: String? = nil, actor: String? = nil
        ) {
            self.kind = kind
            self.room = room
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
            self.reason = reason
            self.actor = actor
        }
    }

    public struct AuditRecord: Codable, Sendable, Equatable {
        public var id: Int64
        public var time: String
        public var action: String
        public var room: String
        public var nick: String
        public var jids: [String]
        public var reason: String?
        public var actor: String?
        public var uid: Int64
        public init(
            id: Int64, time: String, action: String, room: String, nick: String, jids: [String], reason: String?,
            actor: String?, uid: Int64
        ) {
            self.id = id
            self.time = time
            self.action = action
            self.room = room
            self.nick = nick
            self.jids = jids
            self.reason = reason
            self.actor = actor
            self.uid = uid
        }
    }

    // MARK: Parameters and replies

    public struct ListServicesReply: Codable, Sendable {
        public var services: [String]
        public init(services: [String]) { self.services = services }
    }

    public struct ListRoomsParameters: Codable, Sendable {
        public var service: String?
        public init(service: String? = nil) { self.service = service }
    }
    public struct ListRoomsReply: Codable, Sendable {
        public var rooms: [RoomSummary]
        public init(rooms: [RoomSummary]) { self.rooms = rooms }
    }

    public struct RoomParameters: Codable, Sendable {
        public var room: String
        public init(room: String) { self.room = room }
    }
    public struct GetRoomReply: Codable, Sendable {
        public var room: Room
        public init(room: Room) { self.room = room }
    }

    public struct CreateRoomParameters: Codable, Sendable {
        public var room: String
        public var name: String?
        public var persistent: Bool?
        public init(room: String, name: String? = nil, persistent: Bool? = nil) {
            self.room = room
            self.name = name
            self.persistent = persistent
        }
    }
    public struct CreateRoomReply: Codable, Sendable {
        public var room: RoomSummary
        public init(room: RoomSummary) { self.room = room }
    }

    public struct DestroyRoomParameters: Codable, Sendable {
        public var room: String
        public var reason: String?
        public init(room: String, reason: String? = nil) {
            self.room = room
            self.reason = reason
        }
    }
    public struct RemovedReply: Codable, Sendable {
        public var removed: [Removed]
        public init(removed: [Removed]) { self.removed = removed }
    }

    public struct JoinParameters: Codable, Sendable {
        public var room: String
        public var nick: String
        public var jid: String
        public var role: String?
        public init(room: String, nick: String, jid: String, role: String? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
            self.role = role
        }
    }
    public struct JoinReply: Codable, Sendable {
        public var occupant: Occupant
        public init(occupant: Occupant) { self.occupant = occupant }
    }

    public struct LeaveParameters: Codable, Sendable {
        public var room: String
        public var nick: String
        public var jid: String?
        public init(room: String, nick: String, jid: String? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
        }
    }

    public struct KickParameters: Codable, Sendable {
        public var room: String
        public var nick: String?
        public var jid: String?
        public var reason: String?
        public var actor: String?
        public var protect: Bool?
        public var deadline: Int64?
        public init(
            room: String, nick: String? = nil, jid: String? = nil, reason: String? = nil, actor: String? = nil,
            protect: Bool? = nil, deadline: Int64? = nil
        ) {
            self.deadline = deadline
            self.room = room
            self.nick = nick
            self.jid = jid
            self.reason = reason
            self.actor = actor
            self.protect = protect
        }
    }
    public struct KickReply: Codable, Sendable {
        public var kicked: [Removed]
        public init(kicked: [Removed]) { self.kicked = kicked }
    }

    public struct SetAffiliationParameters: Codable, Sendable {
        public var room: String
        public var jid: String
        public var affiliation: String
        public var reason: String?
        public var actor: String?
        public init(room: String, jid: String, affiliation: String, reason: String? = nil, actor: String? = nil) {
            self.room = room
            self.jid = jid
            self.affiliation = affiliation
            self.reason = reason
            self.actor = actor
        }
    }

    public struct GetAuditParameters: Codable, Sendable {
        public var room: String?
        public var limit: Int?
        public init(room: String? = nil, limit: Int? = nil) {
            self.room = room
            self.limit = limit
        }
    }
    public struct GetAuditReply: Codable, Sendable {
        public var records: [AuditRecord]
        public init(records: [AuditRecord]) { self.records = records }
    }

    public struct WatchParameters: Codable, Sendable {
        public var room: String?
        public init(room: String? = nil) { self.room = room }
    }
    public struct WatchReply: Codable, Sendable {
        public var event: Event
        public init(event: Event) { self.event = event }
    }
}
