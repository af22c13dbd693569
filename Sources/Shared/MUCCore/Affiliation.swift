/// A long-lived relation between a bare real JID and a room (XEP-0045 §5.2).
public enum Affiliation: String, Sendable, CaseIterable, Codable, Comparable {
    case owner, admin, member, none, outcast

    /// Owners and admins are the affiliations a protected kick refuses to touch.
    public var isPrivileged: Bool { self == .owner || self == .admin }

    private var rank: Int {
        switch self {
        case .owner: return 4
        case .admin: return 3
        case .member: return 2
        case .none: return 1
        case .outcast: return 0
        }
    }

    public static func < (lhs: Affiliation, rhs: Affiliation) -> Bool { lhs.rank < rhs.rank }
}
