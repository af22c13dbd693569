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
        case authenticate = "Authenticate"

        public var requiredLevel: AccessLevel {
            switch self {
            case .listServices, .listRooms, .getRoom, .kick, .getAudit, .watch: return .kick
            case .createRoom, .destroyRoom, .configureRoom, .join, .leave, .setAffiliation: return .admin
            // Anyone connected may try: it is how a TLS caller without a certificate gets a level.
            case .authenticate: return .none
            }
        }

        public var qualifiedName: String { Rooms.qualified(rawValue) }
    }
}
