@_exported import StrictJSON

/// The `org.muckick.Rooms` interface: its name, methods, access levels and (in extensions) message types.
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
        /// The level `description` names.
        public init?(name: String) {
            switch name {
            case "none": self = .none
            case "kick": self = .kick
            case "admin": self = .admin
            default: return nil
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
        case configureRoom = "ConfigureRoom"
        case join = "Join"
        case leave = "Leave"
        case kick = "Kick"
        case setAffiliation = "SetAffiliation"
        case getAudit = "GetAudit"
        case watch = "Watch"

        public var requiredLevel: AccessLevel {
            switch self {
            case .listServices, .listRooms, .getRoom, .kick, .getAudit, .watch: return .kick
            case .createRoom, .destroyRoom, .configureRoom, .join, .leave, .setAffiliation: return .admin
            }
        }

        public var qualifiedName: String { Rooms.qualified(rawValue) }
    }
}
