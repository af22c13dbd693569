/// Why a room's configuration keeps a user out (XEP-0045 §7.2.5–7.2.10, §10.1.1). Joins through the
/// control socket are the operator's and are not held to these.
public enum JoinRefusal: Error, Sendable, Equatable {
    /// The room is locked until its owner configures it.
    case locked
    /// Members-only and the user is not a member.
    case membersOnly
    /// A password is set and the join did not carry it.
    case passwordRequired
    /// The room holds `maxUsers` occupants already.
    case full
}
