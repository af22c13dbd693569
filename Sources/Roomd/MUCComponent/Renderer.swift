import MUCCore
import XMLStream

/// Turns room events, from XMPP or from the control socket, into the presences each XMPP occupant of one
/// MUC domain must receive (XEP-0045 §7–10), and keeps the XMPP side in step with them (a session removed
/// is forgotten, a destroyed room's alternate venue goes).
struct Renderer {
    let domain: String

    /// The presences for events that already happened to `registry`.
    func render(_ events: [RoomEvent], registry: RoomRegistry, occupancy: inout XMPPOccupancy) -> [XMLElement] {
        var stanzas: [XMLElement] = []
        let created = Set(events.compactMap { if case .created(let room, _) = $0 { return room } else { return nil } })
        // A join later in the batch already shows the affiliation the creator was just given.
        let joining = Set(
            events.compactMap { if case .joined(_, _, let session) = $0 { return session.bare } else { return nil } })
        for (index, event) in events.enumerated() where event.room.service == domain {
            switch event {
            case .created:
                break
            case .joined(let room, let occupant, let session):
                let asked = occupancy.askedNicks[room]?.removeValue(forKey: session)
                if occupancy.askedNicks[room]?.isEmpty == true { occupancy.askedNicks[room] = nil }
                stanzas += joined(
                    occupant.nick, session: session, asked: asked, in: room, created: created.contains(room),
                    registry: registry, occupancy: occupancy)
            case .left(let room, let nick, let session, let lastSession):
                stanzas += left(
                    nick, session: session, lastSession: lastSession, in: room, registry: registry,
                    occupancy: &occupancy)
            case .kicked(let removed, let reason, let actor):
                stanzas += removal(
                    removed, code: "307", reason: reason, actor: actor, registry: registry, occupancy: &occupancy)
            case .banned(let removed, let reason, let actor):
                stanzas += removal(
                    removed, code: "301", reason: reason, actor: actor, registry: registry, occupancy: &occupancy)
            case .removed(let removed, let cause, let reason, let actor):
                stanzas += removal(
                    removed, code: cause.statusCode, reason: reason, actor: actor, registry: registry,
                    occupancy: &occupancy)
            case .destroyed(let room, let removed, let reason):
                stanzas += destroyed(room, removed: removed, reason: reason, occupancy: &occupancy)
            case .affiliationChanged(let room, let jid, let entry, _):
                // Occupants of that user show their new affiliation and role to everyone.
                guard !joining.contains(jid.bare) else { continue }
                let present = registry.rooms[room]?.sortedOccupants.filter { $0.bareJID == jid.bare } ?? []
                for occupant in present {
                    stanzas += broadcast(of: occupant, in: room, registry: registry, occupancy: occupancy)
                }
                // A change that removed occupants is followed by their removals, which tell it.
                let removedSome =
                    switch index + 1 < events.count ? events[index + 1] : nil {
                    case .banned(let removed, _, _)?, .removed(let removed, _, _, _)?: removed.room == room
                    default: false
                    }
                if present.isEmpty, !removedSome {
                    stanzas += announced(jid, entry, in: room, registry: registry, occupancy: occupancy)
                }
            case .roleChanged(let room, let occupant, _, let reason, let actor):
                // §8.3–8.4, §9.6–9.7: everyone sees the occupant's presence with its new role, the actor and the
                // reason in its item, as Prosody's `set_role` publicises it.
                guard let current = registry.rooms[room]?.occupants[occupant.nick] else { continue }
                stanzas += broadcast(
                    of: current, in: room, registry: registry, occupancy: occupancy,
                    itemChildren: Presences.itemChildren(reason: reason, actor: actor))
            case .nickChanged(let room, let old, let occupant):
                stanzas += nickChanged(from: old, to: occupant, in: room, registry: registry, occupancy: occupancy)
            case .subjectChanged:
                break  // the message that set it was reflected by `+Messages`
            case .configured(let room, let new, let previous, _):
                occupancy.history.trim(room, to: new.historyLength)
                stanzas += configured(room, new, previous: previous, registry: registry, occupancy: occupancy)
            }
        }
        return stanzas
    }

    /// Everyone sees an occupant's current presence, with the details of its first session; each of its own
    /// sessions sees its own presence (its own details), every session listed, and 110 — as Prosody's
    /// `publicise_occupant_status` does for a multi-session occupant (XEP-0045 §7.2.2).
    func broadcast(
        of occupant: Occupant, in room: RoomAddress, registry: RoomRegistry, occupancy: XMPPOccupancy,
        itemChildren: [XMLElement] = []
    ) -> [XMLElement] {
        let details = occupancy.details(of: occupant, in: room)
        return occupancy.recipients(room, registry).map { recipient in
            guard occupant.sessions.contains(recipient.session) else {
                return Presences.presence(
                    of: occupant, in: room, to: recipient.session, showJID: recipient.isModerator, statusCodes: [],
                    details: details, itemChildren: itemChildren)
            }
            return Presences.presence(
                of: occupant, in: room, to: recipient.session, showJID: true, statusCodes: ["110"],
                details: occupancy.details[room]?[recipient.session] ?? [], itemChildren: itemChildren)
        }
    }

    /// The affiliation change of a user not in the room, told to the occupants who may see real JIDs in a
    /// message from the room with the item (XEP-0045 v1.31.2's example 195), as Prosody's `set_affiliation`
    /// does: with 301 for a ban, and 321 for an affiliation a members-only room does not admit (the status
    /// a present occupant of that user would have been removed with).
    private func announced(
        _ jid: JID, _ entry: AffiliationEntry, in room: RoomAddress, registry: RoomRegistry,
        occupancy: XMPPOccupancy
    ) -> [XMLElement] {
        var x = XMLElement("x", namespace: Namespace.mucUser)
        let membersOnly = registry.rooms[room]?.configuration.membersOnly ?? false
        if entry.affiliation == .outcast || (entry.affiliation == .none && membersOnly) {
            let code = entry.affiliation == .outcast ? "301" : "321"
            x.append(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": code]))
        }
        var item = XMLElement(
            "item", namespace: Namespace.mucUser,
            attributes: ["affiliation": entry.affiliation.rawValue, "jid": jid.bare.description])
        if let reason = entry.reason {
            item.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason))
        }
        x.append(item)
        return occupancy.recipients(room, registry).filter(\.isModerator).map { recipient in
            var message = XMLElement("message", namespace: Namespace.component)
            message["from"] = room.description
            message["to"] = recipient.session.description
            message.append(x)
            return message
        }
    }

    /// §7.2.3: the joiner's presence to the others, then its self-presence last; 201 when the join created
    /// the room (§10.1.1). A session joining an occupant that has others (§7.2.2) is shown as Prosody does:
    /// the others see the occupant's presence again (its first session's), and every session of it its
    /// own self-presence, the joiner's last.
    private func joined(
        _ nick: Nickname, session: JID, asked: String?, in room: RoomAddress, created: Bool, registry: RoomRegistry,
        occupancy: XMPPOccupancy
    ) -> [XMLElement] {
        guard let current = registry.rooms[room]?.occupants[nick] else { return [] }
        let details = occupancy.details(of: current, in: room)
        var codes = created ? ["110", "201"] : ["110"]
        // §7.2.4: the joiner is told that everyone sees its real JID.
        if registry.rooms[room]?.configuration.whois == .anyone { codes.insert("100", at: 0) }
        var stanzas: [XMLElement] = []
        for recipient in occupancy.recipients(room, registry) where !current.sessions.contains(recipient.session) {
            stanzas.append(
                Presences.presence(
                    of: current, in: room, to: recipient.session, showJID: recipient.isModerator, statusCodes: [],
                    details: details))
        }
        for own in current.sessions where own != session && occupancy.isXMPP(own, in: room) {
            stanzas.append(
                Presences.presence(
                    of: current, in: room, to: own, showJID: true, statusCodes: codes,
                    details: occupancy.details[room]?[own] ?? []))
        }
        if occupancy.isXMPP(session, in: room) {
            // §7.2.3: the joiner is told when the room shows its nickname in another form than it asked for
            // (RFC 8266's spaces, or the case of the occupant a second session joins).
            var ownCodes = codes
            if let asked, asked != current.nick.description {
                ownCodes.insert("210", at: ownCodes.firstIndex(of: "110").map { $0 + 1 } ?? ownCodes.endIndex)
            }
            stanzas.append(
                Presences.presence(
                    of: current, in: room, to: session, showJID: true, statusCodes: ownCodes,
                    details: occupancy.details[room]?[session] ?? []))
        }
        return stanzas
    }

    /// §7.14: an occupant's last session left; everyone, the leaver last, sees it unavailable.
    private func left(
        _ nick: Nickname, session: JID, lastSession: Bool, in room: RoomAddress, registry: RoomRegistry,
        occupancy: inout XMPPOccupancy
    ) -> [XMLElement] {
        let details = occupancy.details[room]?[session]
        let wasXMPP = occupancy.isXMPP(session, in: room)
        let onError = occupancy.removedOnError[room]?.contains(session) ?? false
        occupancy.forget(session, in: room)
        guard lastSession else {
            // A session removed because it bounced an error is not written to again while its occupant stays
            // (as in Prosody's `handle_kickable`): it is unreachable, and would bounce that too.
            return sessionLeft(
                nick, session: session, tellSession: wasXMPP && !onError, details: details, in: room,
                registry: registry, occupancy: occupancy)
        }
        // §11.1: removed because its client bounced an error.
        let codes = onError ? ["333"] : []
        let gone = Occupant(
            nick: nick, sessions: [session], role: .none,
            affiliation: registry.rooms[room]?.affiliation(of: session) ?? .none)
        var stanzas: [XMLElement] = []
        for recipient in occupancy.recipients(room, registry) {
            stanzas.append(
                Presences.unavailable(
                    gone, in: room, to: recipient.session, showJID: recipient.isModerator, codes: codes,
                    details: details))
        }
        if wasXMPP {
            stanzas.append(
                Presences.unavailable(
                    gone, in: room, to: session, showJID: true, codes: ["110"] + codes, details: details))
        }
        return stanzas
    }

    /// §7.2.2: one session of an occupant left while others stay, as Prosody shows it. The session gets its
    /// own unavailable presence (110, its own status; its item still the occupant's role, every session
    /// listed, itself first); everyone else, the occupant's other sessions included, its presence as it is
    /// now, not an unavailable one. (Prosody also lists the session that left in the others' copies; roomd
    /// lists only the sessions still there.)
    private func sessionLeft(
        _ nick: Nickname, session: JID, tellSession: Bool, details: [XMLElement]?, in room: RoomAddress,
        registry: RoomRegistry, occupancy: XMPPOccupancy
    ) -> [XMLElement] {
        // Nil when the occupant has no session left once the whole batch is applied (all its sessions left
        // at once): the event of its last session tells everyone.
        let current = registry.rooms[room]?.occupants[nick].flatMap { $0.bareJID == session.bare ? $0 : nil }
        var stanzas: [XMLElement] = []
        if let current {
            stanzas += broadcast(of: current, in: room, registry: registry, occupancy: occupancy)
        }
        if tellSession {
            let leaver = Occupant(
                nick: nick, sessions: [session] + (current?.sessions ?? []), role: current?.role ?? .none,
                affiliation: current?.affiliation ?? registry.rooms[room]?.affiliation(of: session) ?? .none)
            stanzas.append(
                Presences.unavailable(
                    leaver, in: room, to: session, showJID: true, codes: ["110"], details: details))
        }
        return stanzas
    }

    /// §8.2 (307, kicked), §9.1 (301, banned), §9.4 (321, membership revoked) and §10.2 (322, the room is
    /// now members-only): the removed occupant's sessions first, then everyone left. The item shows the
    /// affiliation the occupant has now (outcast for a ban, none for a revoked membership), as Prosody's.
    private func removal(
        _ removed: RemovedOccupant, code: String, reason: String?, actor: String?, registry: RoomRegistry,
        occupancy: inout XMPPOccupancy
    ) -> [XMLElement] {
        let affiliation: Affiliation
        switch code {
        case "301": affiliation = .outcast
        case "321": affiliation = .none
        default: affiliation = removed.affiliation
        }
        let gone = Occupant(nick: removed.nick, sessions: removed.sessions, role: .none, affiliation: affiliation)
        let extra = Presences.itemChildren(reason: reason, actor: actor)
        var stanzas: [XMLElement] = []
        for session in removed.sessions where occupancy.isXMPP(session, in: removed.room) {
            stanzas.append(
                Presences.unavailable(
                    gone, in: removed.room, to: session, showJID: true, codes: ["110", code], itemChildren: extra))
            occupancy.forget(session, in: removed.room)
        }
        for recipient in occupancy.recipients(removed.room, registry) {
            stanzas.append(
                Presences.unavailable(
                    gone, in: removed.room, to: recipient.session, showJID: recipient.isModerator, codes: [code],
                    itemChildren: extra))
        }
        return stanzas
    }

    /// §10.9: each XMPP session of the room hears of its destruction; the room's XMPP side goes with it.
    private func destroyed(
        _ room: RoomAddress, removed: [RemovedOccupant], reason: String?, occupancy: inout XMPPOccupancy
    ) -> [XMLElement] {
        var stanzas: [XMLElement] = []
        let venue = occupancy.venues[room]
        for occupant in removed {
            for session in occupant.sessions where occupancy.isXMPP(session, in: room) {
                stanzas.append(
                    Presences.destroyed(
                        occupant, in: room, to: session, reason: reason, venue: venue?.jid,
                        password: venue?.password))
            }
        }
        occupancy.forget(room)
        return stanzas
    }

    /// §10.2.1: every occupant is told whether real JIDs are now shown to everyone (172) or to moderators
    /// only (173), and that something else changed (104: "a non-privacy-related change", so not for `whois`
    /// alone, as in Prosody). Nothing when nothing changed, as in Prosody (an instant room's empty form).
    private func configured(
        _ room: RoomAddress, _ new: RoomConfiguration, previous: RoomConfiguration, registry: RoomRegistry,
        occupancy: XMPPOccupancy
    ) -> [XMLElement] {
        guard new != previous else { return [] }
        var codes: [String] = []
        var sameWhois = new
        sameWhois.whois = previous.whois
        if sameWhois != previous { codes.append("104") }
        if new.whois != previous.whois { codes.append(new.whois == .anyone ? "172" : "173") }
        return occupancy.recipients(room, registry).map { recipient in
            var x = XMLElement("x", namespace: Namespace.mucUser)
            for code in codes {
                x.append(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": code]))
            }
            var message = XMLElement("message", namespace: Namespace.component)
            message["type"] = "groupchat"
            message["from"] = room.description
            message["to"] = recipient.session.description
            message.append(x)
            return message
        }
    }

    /// §7.6.3: unavailable from the old nickname with 303 and the new one, then available from the new.
    private func nickChanged(
        from old: Nickname, to occupant: Occupant, in room: RoomAddress, registry: RoomRegistry,
        occupancy: XMPPOccupancy
    ) -> [XMLElement] {
        guard let session = occupant.sessions.first else { return [] }
        let details = occupancy.details[room]?[session] ?? []
        let recipients = occupancy.recipients(room, registry)
        let before = Occupant(
            nick: old, sessions: occupant.sessions, role: occupant.role, affiliation: occupant.affiliation)
        var stanzas: [XMLElement] = []
        for recipient in recipients {
            let isSelf = recipient.session == session
            var leaving = Presences.presence(
                of: before, in: room, to: recipient.session, showJID: recipient.isModerator || isSelf,
                statusCodes: isSelf ? ["303", "110"] : ["303"], details: details)
            leaving["type"] = "unavailable"
            stanzas.append(Presences.setItemAttribute(leaving, "nick", occupant.nick.description))
        }
        for recipient in recipients {
            let isSelf = recipient.session == session
            stanzas.append(
                Presences.presence(
                    of: occupant, in: room, to: recipient.session, showJID: recipient.isModerator || isSelf,
                    statusCodes: isSelf ? ["110"] : [], details: details))
        }
        return stanzas
    }
}
