/// Whose private messages a room passes on (`muc#roomconfig_allowpm`, the values Prosody offers).
public enum PrivateMessages: String, Sendable, CaseIterable {
    case anyone, participants, moderators, none

    /// Whether an occupant of `role` may send a private message.
    public func allows(_ role: Role) -> Bool {
        switch self {
        case .anyone: return role != .none
        case .participants: return role == .participant || role == .moderator
        case .moderators: return role == .moderator
        case .none: return false
        }
    }
}
