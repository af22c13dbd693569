extension Rooms {
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
