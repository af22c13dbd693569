/// One item of an XEP-0045 change list (§8.2 kicks, §8.3–8.4 and §9.6–9.7 roles, §9–10 affiliations), parsed.
public enum AdminChange: Sendable, Equatable {
    /// Role none: the occupant of that nickname leaves the room.
    case kick(Nickname, reason: String?)
    /// Another role for the occupant of that nickname (§8.3–8.4 voice, §9.6–9.7 moderator): never none.
    case setRole(Nickname, Role, reason: String?)
    /// A bare JID's new affiliation; outcast is a ban.
    case setAffiliation(JID, Affiliation, reason: String?)
}
