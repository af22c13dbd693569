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
