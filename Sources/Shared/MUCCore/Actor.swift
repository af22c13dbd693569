/// Who asks for a kick, a ban or an affiliation change: the input of the one rule of who may change whom
/// (`Actor+Permissions.swift`).
public enum Actor: Sendable, Equatable {
    /// roomd itself, for the control socket (an operator, the HTTP API). It may change anyone, except that
    /// with `protectPrivileged` (the call's `protect`, roomd's `--protect-privileged`) it kicks no owner or
    /// admin. `name` is what occupants are shown as the actor.
    case system(name: String?, protectPrivileged: Bool)
    /// A user acting through XMPP, with its standing in the room when it asked: its occupant's nickname and
    /// role (none when it is not in the room) and its affiliation. A request keeps that standing to its end,
    /// even if one of its own changes alters it.
    case occupant(nick: Nickname?, role: Role, affiliation: Affiliation)

    /// What occupants are shown as the actor of a change (XEP-0045 §8.2 `<actor nick=.../>`).
    public var name: String? {
        switch self {
        case .system(let name, _): return name
        case .occupant(let nick, _, _): return nick?.description
        }
    }
}
