/// An occupant's role in a room (XEP-0045 §5.1): temporary, lasts while the occupant is present.
public enum Role: String, Sendable, CaseIterable, Codable {
    case moderator, participant, visitor, none

    /// Roles in XEP-0045 §5.1's order of privileges, none the lowest.
    var privilege: Int {
        switch self {
        case .none: return 0
        case .visitor: return 1
        case .participant: return 2
        case .moderator: return 3
        }
    }

    /// The role an occupant gets on entering, from its affiliation (XEP-0045 §5.1.2 defaults).
    public static func `default`(for affiliation: Affiliation) -> Role {
        switch affiliation {
        case .owner, .admin: return .moderator
        case .member, .none: return .participant
        case .outcast: return .none
        }
    }
}
