/// One nickname in a room and every real-JID session behind it (XEP-0045 §7.2.2: a user may join the
/// same room with the same nickname from several resources).
public struct Occupant: Sendable, Equatable {
    public let nick: Nickname
    /// Full (or bare, for clients without resources) real JIDs, all sharing one bare JID.
    public internal(set) var sessions: [JID]
    public internal(set) var role: Role
    public internal(set) var affiliation: Affiliation

    public var bareJID: JID { sessions[0].bare }

    public init(nick: Nickname, sessions: [JID], role: Role, affiliation: Affiliation) {
        precondition(!sessions.isEmpty, "an occupant has at least one session")
        self.nick = nick
        self.sessions = sessions
        self.role = role
        self.affiliation = affiliation
    }

    /// Whether `jid` names this occupant: a bare JID matches every session of the user, a full JID
    /// matches the session it names.
    public func matches(_ jid: JID) -> Bool {
        jid.isBare ? bareJID == jid : sessions.contains(jid)
    }
}
