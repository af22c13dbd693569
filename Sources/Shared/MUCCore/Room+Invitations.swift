/// Mediated invitations (XEP-0045 §7.8.2): who may invite, and what an invitation grants. The XMPP side
/// (`MUCComponentService+Invite`) only reads and writes the stanzas.
extension Room {
    /// The role `affiliation` gives a user on entering: a members-only room lets no one without an
    /// affiliation in, and a moderated one lets them in as visitors (§5.1.2).
    public func entryRole(for affiliation: Affiliation) -> Role {
        if affiliation == .none, configuration.membersOnly { return .none }
        if affiliation == .none, configuration.moderated { return .visitor }
        return Role.default(for: affiliation)
    }

    /// Whether `session` may invite others, as Prosody 0.12 decides (muc.lib.lua, members_only.lib.lua): a
    /// user with voice (its occupant's role, else the role its affiliation would give it on entering) may
    /// invite to an open room, where an invitation grants nothing anyone could not take; in a members-only
    /// room, where it makes the invitee a member, admins and owners may, and members too when the owner
    /// allows it (`allowInvites`: XEP-0045 1.35.3, "enables additional permissions for members"; Prosody's
    /// `allow_member_invites`). §7.8.2 asks for `forbidden` otherwise.
    public func authorizeInvitation(by session: JID) throws(PermissionRefusal) {
        let affiliation = affiliation(of: session)
        let role = occupant(withSession: session)?.role ?? entryRole(for: affiliation)
        guard role == .participant || role == .moderator else { throw .forbidden }
        if configuration.membersOnly {
            let required: Affiliation = configuration.allowInvites ? .member : .admin
            guard affiliation >= required else { throw .forbidden }
        }
    }

    /// The affiliation an invitation gives `invitee`, if any: §7.8.2 "If the room is members-only, the
    /// service MAY also add the invitee to the member list", which Prosody and ejabberd do for an invitee
    /// without an affiliation. An outcast stays one: an invitation lifts no ban (Prosody's would).
    public func affiliationGranted(toInvitee invitee: JID) -> Affiliation? {
        guard configuration.membersOnly, affiliation(of: invitee) == .none else { return nil }
        return .member
    }
}
