/// Who a kick is aimed at.
public enum KickTarget: Sendable, Equatable {
    case nick(Nickname)
    /// A bare JID aims at every occupant of that user, a full JID at the occupant holding that session.
    case jid(JID)
}
