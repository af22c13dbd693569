/// Who the configuration lets in, and the owner's changes to it.
extension Room {
    /// Whether `session` may enter under the room's configuration and the service's `policy` (XEP-0045
    /// §7.2): owners pass a lock; owners and admins a members-only list, a password, and a full room up to
    /// `ServicePolicy.privilegedOverflow` more occupants (§7.2.10); a session already in the room (another
    /// join from the same occupant, or a nickname change) is not checked again. A full room is one at the
    /// lower of its own `maxUsers` and the service's `maxOccupants`.
    public func admit(
        _ session: JID, nick: Nickname, password: String?, policy: ServicePolicy = ServicePolicy()
    ) throws(JoinRefusal) {
        if occupant(withSession: session) != nil { return }
        let affiliation = affiliation(of: session)
        if locked, affiliation != .owner { throw .locked }
        let privileged = affiliation.isPrivileged
        if configuration.membersOnly, affiliation != .member, !privileged { throw .membersOnly }
        if let required = configuration.password, !privileged, password != required { throw .passwordRequired }
        // A new session of an occupant already present adds no occupant.
        if let limit = policy.occupantLimit(configuration.maxUsers), occupants[nick]?.bareJID != session.bare {
            let allowed = privileged ? limit + ServicePolicy.privilegedOverflow : limit
            if occupants.count >= allowed { throw .full }
        }
    }

    /// Takes a new configuration and unlocks the room. A room made members-only first removes those it no
    /// longer admits (§10.2, 322): their presences come before the notice of the change, as in Prosody,
    /// where the form's fields are applied (and their removals sent) before the notice.
    mutating func configure(_ new: RoomConfiguration) -> [RoomEvent] {
        let old = configuration
        let wasLocked = locked
        configuration = new
        locked = false
        let removals = new.membersOnly && !old.membersOnly ? removeNonMembers() : []
        return removals + [.configured(address, new, previous: old, unlocked: wasLocked)]
    }
}
