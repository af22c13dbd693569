/// Who the configuration lets in, and the owner's changes to it.
extension Room {
    /// Whether `session` may enter under the room's configuration (XEP-0045 §7.2): owners pass a lock, a
    /// members-only list and a full room; admins all but the lock; a session already in the room (another
    /// join from the same occupant, or a nickname change) is not checked again.
    public func admit(_ session: JID, nick: Nickname, password: String?) throws(JoinRefusal) {
        if occupant(withSession: session) != nil { return }
        let affiliation = affiliation(of: session)
        if locked, affiliation != .owner { throw .locked }
        let privileged = affiliation.isPrivileged
        if configuration.membersOnly, affiliation != .member, !privileged { throw .membersOnly }
        if let required = configuration.password, !privileged, password != required { throw .passwordRequired }
        // A new session of an occupant already present adds no occupant.
        if let maxUsers = configuration.maxUsers, !privileged, occupants[nick]?.bareJID != session.bare,
            occupants.count >= maxUsers
        {
            throw .full
        }
    }

    /// Takes a new configuration and unlocks the room.
    mutating func configure(_ new: RoomConfiguration) -> [RoomEvent] {
        let old = configuration
        let wasLocked = locked
        configuration = new
        locked = false
        return [.configured(address, new, previous: old, unlocked: wasLocked)]
    }
}
