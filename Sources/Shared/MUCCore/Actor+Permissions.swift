/// The one rule of who may kick, ban or change whom. The control socket (as `.system`) and XMPP occupants
/// (XEP-0045 §8.2, §9, §10) both go through it; transports only translate its refusals.
extension Actor {
    /// §8: only a moderator changes roles (a kick is a change to role none).
    public func authorizeRoleChange() throws(PermissionRefusal) {
        guard case .occupant(_, let role, _) = self else { return }
        guard role == .moderator else { throw .forbidden }
    }

    /// Whether the actor may change the role of an occupant of `target` affiliation from `current` to `new`
    /// (a role other than none; none is a kick, `authorizeKick`). The system changes anyone's. An occupant
    /// must be a moderator (§8), and is refused when XEP-0045 or Prosody's `may_set_role` refuses:
    /// - nothing to a user of a higher affiliation (Prosody);
    /// - only owners and admins grant or revoke moderator (§9.6, §9.7; Prosody);
    /// - nobody revokes the voice of an owner or admin (§8.4: "MUST NOT ... by anyone");
    /// - an admin revokes no owner's or admin's moderator status (§9.7), which Prosody lets an admin do to
    ///   another admin.
    public func authorizeRoleChange(of target: Affiliation, from current: Role, to new: Role)
        throws(PermissionRefusal)
    {
        try authorizeRoleChange()
        guard case .occupant(_, _, let affiliation) = self else { return }
        if target > affiliation { throw .notAllowed }
        if current == .moderator || new == .moderator, !affiliation.isPrivileged { throw .notAllowed }
        if new == .visitor, target.isPrivileged { throw .notAllowed }
        if current == .moderator, new != .moderator, target.isPrivileged, affiliation != .owner { throw .notAllowed }
    }

    /// Whether the actor may kick an occupant of `target` affiliation. The system kicks anyone unless it
    /// protects owners and admins. An occupant is never allowed to kick someone of a higher affiliation
    /// who is an owner or admin: a participant-moderator cannot kick an admin, an admin cannot kick an
    /// owner (an owner may kick an admin).
    public func authorizeKick(of target: Affiliation) throws(PermissionRefusal) {
        switch self {
        case .system(_, let protectPrivileged):
            if protectPrivileged && target.isPrivileged { throw .notAllowed }
        case .occupant(_, _, let affiliation):
            try authorizeRoleChange()
            if target.isPrivileged && target > affiliation { throw .notAllowed }
        }
    }

    /// §9–10: only owners and admins change affiliations.
    public func authorizeAffiliationChange() throws(PermissionRefusal) {
        guard case .occupant(_, _, let affiliation) = self else { return }
        guard affiliation == .owner || affiliation == .admin else { throw .forbidden }
    }

    /// Whether the actor may change a user's affiliation from `current` to `new`: only owners grant or take
    /// admin and owner; an admin manages members and outcasts. The system may set any affiliation.
    public func authorizeAffiliationChange(from current: Affiliation, to new: Affiliation) throws(PermissionRefusal) {
        try authorizeAffiliationChange()
        guard case .occupant(_, _, let affiliation) = self else { return }
        if affiliation == .admin && (current.isPrivileged || new.isPrivileged) { throw .notAllowed }
    }
}
