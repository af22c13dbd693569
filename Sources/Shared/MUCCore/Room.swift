/// One room: its configuration, its affiliations (durable) and its occupants (live presence).
///
/// The tables are `AdaptiveDictionary`s, persistent hash trees once large: roomd keeps the room as it was
/// before a change (to undo it when the disk refuses the commit, or to apply a muc#admin list all or
/// nothing), and a change to a large table that a kept copy shares then copies only the path to the changed
/// entry, not the whole table.
public struct Room: Sendable {
    public let address: RoomAddress
    public var configuration: RoomConfiguration
    /// XEP-0045 §10.1.1: a room a join created stays locked, refusing other joins, until its owner submits
    /// a configuration (an empty form for an instant room).
    public internal(set) var locked = false
    /// XEP-0045 §8.1: the subject, kept across restarts.
    public internal(set) var subject: RoomSubject?
    /// The bare JID of the user whose join created the room; nil for a room the operator created. Kept across
    /// restarts, for the service's limit of rooms per user (`ServicePolicy.maxRoomsPerUser`).
    public internal(set) var creator: JID?
    /// The service admins (`ServicePolicy.admins`), owners of every room: set by the registry that holds it.
    public internal(set) var serviceAdmins: Set<JID> = []
    public private(set) var affiliations: AdaptiveDictionary<JID, AffiliationEntry> = [:]
    public private(set) var occupants: AdaptiveDictionary<Nickname, Occupant> = [:]
    /// Real session JID -> nickname, so a stanza or a kick by JID finds its occupant without a scan.
    private var sessionIndex: AdaptiveDictionary<JID, Nickname> = [:]

    public init(address: RoomAddress, configuration: RoomConfiguration) {
        self.address = address
        self.configuration = configuration
    }

    public var isEmpty: Bool { occupants.isEmpty }

    /// How many outcast entries name a whole domain, so that users of rooms without domain bans pay no
    /// second lookup.
    private var domainBans = 0

    /// Whether the user is one of the service's admins, who are owners of every room.
    public func isServiceAdmin(_ jid: JID) -> Bool {
        // Checked first so that a service without admins builds no bare JID.
        !serviceAdmins.isEmpty && serviceAdmins.contains(jid.bare)
    }

    /// A user's affiliation; a user of a banned domain (an outcast entry on the bare domain) is an outcast
    /// unless its own JID has an entry, as in Prosody. A service admin is an owner whatever the room's table
    /// says, as Prosody's `component_admins_as_room_owners` makes server admins.
    public func affiliation(of jid: JID) -> Affiliation {
        if isServiceAdmin(jid) { return .owner }
        // Most rooms have no affiliations: no bare JID to build (a new string for a full JID) and hash.
        if affiliations.isEmpty { return .none }
        if let entry = affiliations[jid.bare] { return entry.affiliation }
        if domainBans > 0, jid.hasNode, let domain = try? JID(parsing: jid.domain),
            affiliations[domain]?.affiliation == .outcast
        {
            return .outcast
        }
        return .none
    }

    /// Refuses a change of `jid` to `affiliation` that would take the room's last owner away.
    public func checkOwnerRemains(_ jid: JID, becoming affiliation: Affiliation) throws(MUCError) {
        let bare = jid.bare
        guard affiliation != .owner, affiliations[bare]?.affiliation == .owner else { return }
        guard affiliations.contains(where: { $0.key != bare && $0.value.affiliation == .owner }) else {
            throw .lastOwner(address, jid: bare)
        }
    }

    public func occupant(withSession jid: JID) -> Occupant? {
        sessionIndex[jid].flatMap { occupants[$0] }
    }

    /// Occupants sorted by nickname, for listings that must not depend on hashing order.
    public var sortedOccupants: [Occupant] {
        occupants.values.sorted { $0.nick < $1.nick }
    }

    /// Restores a subject read from the store, without events.
    public mutating func restore(subject: RoomSubject?) {
        self.subject = subject
    }

    /// Restores the creator read from the store, without events.
    public mutating func restore(creator: JID?) {
        self.creator = creator?.bare
    }

    /// Restores an affiliation read from the store, without events.
    public mutating func restore(jid: JID, entry: AffiliationEntry) {
        store(entry, for: jid.bare)
    }

    /// Every write of the affiliation table, which keeps `domainBans` in step.
    private mutating func store(_ entry: AffiliationEntry?, for bare: JID) {
        let isDomain = !bare.hasNode
        if isDomain, affiliations[bare]?.affiliation == .outcast { domainBans -= 1 }
        affiliations[bare] = entry
        if isDomain, entry?.affiliation == .outcast { domainBans += 1 }
    }

    // MARK: Transitions

    public mutating func join(nick: Nickname, session: JID, role: Role? = nil) throws(MUCError) -> [RoomEvent] {
        let affiliation = affiliation(of: session)
        if affiliation == .outcast { throw .banned(address, jid: session.bare) }
        if let existingNick = sessionIndex[session] {
            if existingNick == nick, let occupant = occupants[nick] {
                return [.joined(address, occupant, session: session)]
            }
            throw .alreadyJoined(address, jid: session, nick: existingNick)
        }
        if var occupant = occupants[nick] {
            // XEP-0045 §7.2.9: the same nickname from another user is a conflict; from another resource
            // of the same user it is one more session of the same occupant.
            guard occupant.bareJID == session.bare else { throw .nickConflict(address, nick: nick) }
            // The occupant keeps its nickname as shown, whatever form (comparing equal) this session gave.
            occupant.sessions.append(session)
            occupants[occupant.nick] = occupant
            sessionIndex[session] = occupant.nick
            return [.joined(address, occupant, session: session)]
        }
        // A moderated room lets those without an affiliation in as visitors (XEP-0045 §5.1.2).
        let defaultRole =
            configuration.moderated && affiliation == .none ? Role.visitor : Role.default(for: affiliation)
        let occupant = Occupant(nick: nick, sessions: [session], role: role ?? defaultRole, affiliation: affiliation)
        occupants[nick] = occupant
        sessionIndex[session] = nick
        return [.joined(address, occupant, session: session)]
    }

    /// XEP-0045 §7.6: the occupant holding `session` takes `newNick`. Refused for multi-session occupants.
    public mutating func changeNick(session: JID, to newNick: Nickname) throws(MUCError) -> [RoomEvent] {
        guard let oldNick = sessionIndex[session], var occupant = occupants[oldNick] else {
            throw .occupantNotFound(address, nick: nil, jid: session)
        }
        if oldNick.isShown(as: newNick) { return [] }
        // A nickname comparing equal to the occupant's own (`Bob` for `bob`) is a change of how it is shown,
        // not a conflict.
        if oldNick != newNick, occupants[newNick] != nil { throw .nickConflict(address, nick: newNick) }
        guard occupant.sessions.count == 1 else { throw .nickChangeRefused(address, nick: oldNick) }
        occupants[oldNick] = nil
        occupant = Occupant(
            nick: newNick, sessions: occupant.sessions, role: occupant.role, affiliation: occupant.affiliation)
        occupants[newNick] = occupant
        sessionIndex[session] = newNick
        return [.nickChanged(address, from: oldNick, to: occupant)]
    }

    /// Removes one session, or every session of `nick` when `session` is nil.
    public mutating func leave(nick: Nickname, session: JID?) throws(MUCError) -> [RoomEvent] {
        guard var occupant = occupants[nick] else { throw .occupantNotFound(address, nick: nick, jid: session) }
        let leaving: [JID]
        if let session {
            guard occupant.sessions.contains(session) else {
                throw .occupantNotFound(address, nick: nick, jid: session)
            }
            leaving = [session]
        } else {
            leaving = occupant.sessions
        }
        var events: [RoomEvent] = []
        for jid in leaving {
            occupant.sessions.removeAll { $0 == jid }
            sessionIndex[jid] = nil
            events.append(.left(address, nick: occupant.nick, session: jid, lastSession: occupant.sessions.isEmpty))
        }
        occupants[occupant.nick] = occupant.sessions.isEmpty ? nil : occupant
        return events
    }

    /// The occupants a target names, sorted by nickname.
    public func occupants(for target: KickTarget) -> [Occupant] {
        switch target {
        case .nick(let nick):
            return occupants[nick].map { [$0] } ?? []
        case .jid(let jid) where !jid.isBare:
            return occupant(withSession: jid).map { [$0] } ?? []
        case .jid(let jid):
            return occupants.values.filter { $0.bareJID == jid }.sorted { $0.nick < $1.nick }
        }
    }

    /// Kicks (XEP-0045 §8.2): removes every session of each targeted occupant, keeps affiliations. The rule
    /// of who may kick whom decides for `actor`; a target it protects refuses the whole kick, and the refusal
    /// names that target (the control socket's one refusal, `NotAllowed`).
    public mutating func kick(_ target: KickTarget, reason: String?, by actor: Actor) throws(MUCError) -> [RoomEvent] {
        if case .nick(let nick) = target, let index = occupants.index(forKey: nick) {
            // The common case with one hash lookup and no array: in a room of 100,000s of occupants every
            // probe of the table is a cache miss. A nickname not found takes the general path below.
            let affiliation = occupants[index].value.affiliation
            do {
                try actor.authorizeKick(of: affiliation)
            } catch {
                throw .notAllowed(address, nick: occupants[index].key, affiliation: affiliation)
            }
            return [.kicked(remove(at: index), reason: reason, actor: actor.name)]
        }
        let targets = occupants(for: target)
        guard !targets.isEmpty else {
            switch target {
            case .nick(let nick): throw .occupantNotFound(address, nick: nick, jid: nil)
            case .jid(let jid): throw .occupantNotFound(address, nick: nil, jid: jid)
            }
        }
        try authorizeKick(of: targets, by: actor)
        return targets.map { .kicked(remove($0), reason: reason, actor: actor.name) }
    }

    /// The first target the rule refuses to let `actor` kick refuses the whole kick.
    private func authorizeKick(of targets: some Sequence<Occupant>, by actor: Actor) throws(MUCError) {
        for target in targets {
            do {
                try actor.authorizeKick(of: target.affiliation)
            } catch {
                throw .notAllowed(address, nick: target.nick, affiliation: target.affiliation)
            }
        }
    }

    /// Sets a bare JID's affiliation. `.none` drops the entry; `.outcast` is a ban (XEP-0045 §9.1) that
    /// removes the user's occupants, and so is `.none` in a members-only room, which no longer admits them
    /// (§9.4, 321; Prosody's `set_affiliation`). Present occupants take the new affiliation, and the role it
    /// gives on entering when the affiliation goes down or that role is higher than theirs.
    public mutating func setAffiliation(
        _ affiliation: Affiliation, of jid: JID, reason: String?, actor: String?
    ) -> [RoomEvent] {
        let bare = jid.bare
        let entry = AffiliationEntry(affiliation: affiliation, reason: reason)
        let downgrade = affiliation < affiliations[bare]?.affiliation ?? .none
        store(affiliation == .none ? nil : entry, for: bare)
        var events: [RoomEvent] = [.affiliationChanged(address, jid: bare, entry: entry, actor: actor)]
        // A domain ban takes the domain's users who have no affiliation of their own, as at their join.
        let domainBan = affiliation == .outcast && !bare.hasNode
        // A service admin stays an owner whatever the table says (the control socket may still write an entry
        // for one): its occupants keep their standing.
        let affected = occupants.values.filter {
            ($0.bareJID == bare
                || (domainBan && $0.bareJID.domain == bare.description && affiliations[$0.bareJID] == nil))
                && !isServiceAdmin($0.bareJID)
        }.sorted { $0.nick < $1.nick }
        for var occupant in affected {
            if affiliation == .outcast {
                events.append(.banned(remove(occupant), reason: reason, actor: actor))
            } else if affiliation == .none, configuration.membersOnly {
                events.append(.removed(remove(occupant), .affiliationChanged, reason: reason, actor: actor))
            } else {
                occupant.affiliation = affiliation
                // As Prosody's `set_affiliation`: the role the new affiliation gives on entering, on a downgrade
                // or when it is the higher role; a role a moderator gave (§8.3, §9.6) otherwise stays.
                let role = entryRole(for: affiliation)
                if downgrade || role.privilege > occupant.role.privilege { occupant.role = role }
                occupants[occupant.nick] = occupant
            }
        }
        return events
    }

    /// §8.3–8.4, §9.6–9.7: the occupant takes `role` (not none: that is a kick), until it leaves or its role
    /// or affiliation changes again. Live state, like the occupant itself: nothing to store.
    mutating func setRole(_ role: Role, of occupant: Occupant, reason: String?, actor: String?) -> RoomEvent {
        var changed = occupant
        changed.role = role
        occupants[occupant.nick] = changed
        return .roleChanged(address, changed, previous: occupant.role, reason: reason, actor: actor)
    }

    /// XEP-0045 §10.2: a room made members-only removes every occupant below member (322), sorted by
    /// nickname, as Prosody's `members_only.lib.lua` does. A service admin is an owner and stays.
    mutating func removeNonMembers() -> [RoomEvent] {
        sortedOccupants.filter { affiliation(of: $0.bareJID) < .member }.map {
            .removed(remove($0), .membersOnly, reason: nil, actor: nil)
        }
    }

    /// Removes every occupant, for the room's destruction.
    public mutating func removeAll() -> [RemovedOccupant] {
        sortedOccupants.map { remove($0) }
    }

    private mutating func remove(_ occupant: Occupant) -> RemovedOccupant {
        removeOccupant(occupant.nick)
    }

    /// Removes the occupant of `nick`, which must be present.
    mutating func removeOccupant(_ nick: Nickname) -> RemovedOccupant {
        remove(at: occupants.index(forKey: nick)!)
    }

    private mutating func remove(at index: AdaptiveDictionary<Nickname, Occupant>.Index) -> RemovedOccupant {
        let occupant = occupants.remove(at: index).value
        for session in occupant.sessions { sessionIndex[session] = nil }
        return RemovedOccupant(room: address, occupant: occupant)
    }
}
