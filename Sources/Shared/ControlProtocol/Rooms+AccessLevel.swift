extension Rooms {
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
}
