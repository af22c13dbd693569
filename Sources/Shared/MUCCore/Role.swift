/// An occupant's role in a room (XEP-0045 §5.1): temporary, lasts while the occupant is present.
public enum Role: String, Sendable, CaseIterable, Codable {
    case moderator, participant, visitor, none

    /// The role an occupant gets on entering, from its affiliation (XEP-0045 §5.1.2 defaults).
    public static func `default`(for affiliation: Affiliation) -> Role {
        switch affiliation {
        case .owner, .admin: return .moderator
        case .member, .none: return .participant
        case .outcast: return .none
        }
    }
}

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
