/// Why the room itself removed an occupant whose affiliation no longer lets it stay, as XEP-0045's status
/// codes name it: nobody kicked or banned it, a change of the room's rules or of its affiliation did.
public enum Removal: String, Sendable, Equatable, CaseIterable {
    /// 321 (§9.4): its affiliation changed to one the members-only room does not admit.
    case affiliationChanged
    /// 322 (§10.2): the room became members-only and the occupant is not a member.
    case membersOnly

    /// The status code (§12) the occupant and the others are shown.
    public var statusCode: String {
        switch self {
        case .affiliationChanged: return "321"
        case .membersOnly: return "322"
        }
    }
}
