extension Room {
    /// The actor a session is in this room now (its occupant's nickname and role, its user's affiliation).
    public func actor(withSession session: JID) -> Actor {
        let occupant = occupant(withSession: session)
        return .occupant(nick: occupant?.nick, role: occupant?.role ?? .none, affiliation: affiliation(of: session))
    }

    /// Applies one change by `actor`, once the rule allows it. Throws with the room unchanged.
    public mutating func apply(_ change: AdminChange, by actor: Actor) throws(AdminChangeError) -> [RoomEvent] {
        switch change {
        case .kick(let nick, let reason):
            do {
                try actor.authorizeRoleChange()
            } catch {
                throw .refused(error)
            }
            guard let target = occupants[nick] else { throw .failed(.occupantNotFound(address, nick: nick, jid: nil)) }
            do {
                try actor.authorizeKick(of: target.affiliation)
            } catch {
                throw .refused(error)
            }
            return [.kicked(removeOccupant(nick), reason: reason, actor: actor.name)]
        case .setRole(let nick, let role, let reason):
            do {
                try actor.authorizeRoleChange()
            } catch {
                throw .refused(error)
            }
            guard let target = occupants[nick] else { throw .failed(.occupantNotFound(address, nick: nick, jid: nil)) }
            do {
                try actor.authorizeRoleChange(of: target.affiliation, from: target.role, to: role)
            } catch {
                throw .refused(error)
            }
            return [setRole(role, of: target, reason: reason, actor: actor.name)]
        case .setAffiliation(let jid, let affiliation, let reason):
            if affiliation != .owner, isServiceAdmin(jid) {
                throw .refused(.serviceAdmin)
            }
            do {
                try actor.authorizeAffiliationChange(from: self.affiliation(of: jid), to: affiliation)
            } catch {
                throw .refused(error)
            }
            do {
                try checkOwnerRemains(jid, becoming: affiliation)
            } catch {
                throw .failed(error)
            }
            return setAffiliation(affiliation, of: jid, reason: reason, actor: actor.name)
        }
    }
}
