/// One item of an XEP-0045 change list (§8.2 kicks, §9–10 affiliation changes), parsed.
public enum AdminChange: Sendable, Equatable {
    /// Role none: the occupant of that nickname leaves the room.
    case kick(Nickname, reason: String?)
    /// A bare JID's new affiliation; outcast is a ban.
    case setAffiliation(JID, Affiliation, reason: String?)
}
