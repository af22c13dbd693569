import MUCCore
import NicknameProfile
import XMLStream

/// muc#admin (XEP-0045 §8.2 kicks, §9–10 affiliation changes and lists). Who may change whom is the core's
/// rule (`Actor+Permissions`); this file only translates items into changes and refusals into conditions.
extension MUCComponentService {
    /// A change list is all or nothing: the core checks the changes whole, and applies them only when every
    /// one passed. A refused list changes nothing and sends nothing but its error: the error of its first
    /// bad item, as if the items were taken one by one.
    func adminSet(
        _ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: inout RoomRegistry
    ) throws(StanzaError) -> StanzaOutcome {
        let room = try existingRoom(to, registry)
        let items = query.children("item", namespace: Namespace.mucAdmin)
        guard !items.isEmpty else { throw .badRequest }
        // The requester's standing when it asked holds for the whole list.
        let actor = room.actor(withSession: from)
        var changes: [AdminChange] = []
        for item in items {
            do {
                changes.append(try Self.change(item, by: actor))
            } catch {
                // A change before this item may be refused first.
                do {
                    try registry.check(changes, to: room.address, by: actor)
                } catch let refusal {
                    throw Self.condition(of: refusal)
                }
                throw error
            }
        }
        do {
            let events = try registry.apply(changes, to: room.address, by: actor)
            return StanzaOutcome(events: events, after: [result(stanza, query: nil)])
        } catch {
            throw Self.condition(of: error)
        }
    }

    static func condition(of error: AdminChangeError) -> StanzaError {
        switch error {
        case .refused(.forbidden): return .forbidden
        case .refused(.notAllowed): return .notAllowed
        // As Prosody's `component_admins_as_room_owners`, with its condition.
        case .refused(.serviceAdmin): return .notAcceptable
        // §10.4, §10.6: the last owner may not give up ownership, nor ban itself.
        case .failed(.lastOwner): return .conflict
        // The occupant or the room a change names is gone (an earlier change of the list took it).
        case .failed: return .itemNotFound
        }
    }

    /// One item as a change, refused when malformed or when `actor` may not make changes of its kind.
    static func change(_ item: XMLElement, by actor: Actor) throws(StanzaError) -> AdminChange {
        let reason = item.child("reason", namespace: Namespace.mucAdmin)?.text
        if let reason, (try? FreeText.check(reason, as: .reason)) == nil { throw .badRequest }
        // §17.4, as Prosody (with its error type): an item changes a role or an affiliation, never both.
        if item["role"] != nil, item["affiliation"] != nil { throw StanzaError("bad-request", type: "cancel") }
        if let roleText = item["role"] {
            do {
                try actor.authorizeRoleChange()
            } catch {
                throw .forbidden
            }
            // As Prosody's `set_role`: a role XEP-0045 does not define is not-acceptable.
            guard let role = Role(rawValue: roleText) else { throw .notAcceptable }
            guard let nickText = item["nick"], let nick = try? NicknameProfile.nickname(nickText) else {
                throw .badRequest
            }
            return role == .none ? .kick(nick, reason: reason) : .setRole(nick, role, reason: reason)
        }
        guard let affiliationText = item["affiliation"] else { throw .badRequest }
        guard let affiliation = Affiliation(rawValue: affiliationText) else { throw .badRequest }
        guard let jidText = item["jid"] else { throw .badRequest }
        // RFC 6120 §8.3.3.8, as Prosody: an address that does not parse is jid-malformed.
        guard let jid = try? JID(parsing: jidText) else { throw .jidMalformed }
        do {
            try actor.authorizeAffiliationChange()
        } catch {
            throw .forbidden
        }
        return .setAffiliation(jid, affiliation, reason: reason)
    }

    /// §9.5, §10.5: the list of one affiliation, for those who may change affiliations (owners and admins), and
    /// §7.11 for the members of a members-only room that is not anonymous; §8.5, §9.8: the list of one role.
    func adminGet(_ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: RoomRegistry)
        throws(StanzaError) -> XMLElement
    {
        let room = try existingRoom(to, registry)
        let asked = query.child("item", namespace: Namespace.mucAdmin)
        if let wanted = asked?["role"], asked?["affiliation"] == nil {
            guard let role = Role(rawValue: wanted) else { throw .badRequest }
            return try roleList(stanza, role, in: room, from: from)
        }
        guard let wanted = asked?["affiliation"], let affiliation = Affiliation(rawValue: wanted) else {
            throw .badRequest
        }
        do {
            try room.actor(withSession: from).authorizeAffiliationChange()
        } catch {
            // §7.11, as Prosody: where everyone sees real JIDs, a private group's members may see its lists.
            let c = room.configuration
            guard c.membersOnly, c.whois == .anyone, room.affiliation(of: from) >= .member else { throw .forbidden }
        }
        var list = XMLElement("query", namespace: Namespace.mucAdmin)
        for (jid, entry) in room.affiliations.sorted(by: { $0.key < $1.key }) where entry.affiliation == affiliation {
            var item = XMLElement(
                "item", namespace: Namespace.mucAdmin, attributes: ["jid": jid.description, "affiliation": wanted])
            if let reason = entry.reason {
                item.append(XMLElement("reason", namespace: Namespace.mucAdmin).adding(text: reason))
            }
            list.append(item)
        }
        return result(stanza, query: list)
    }

    /// §8.5 (the voice list), §9.8 (the moderator list): every occupant of one role, an item for each of its
    /// sessions with its nickname, role, affiliation and real JID, for moderators only (`forbidden`
    /// otherwise), as Prosody's `handle_admin_query_get_command`, which also lets a user who is not in the
    /// room ask when its affiliation would make it a moderator.
    private func roleList(_ stanza: XMLElement, _ role: Role, in room: Room, from: JID) throws(StanzaError)
        -> XMLElement
    {
        let asker = room.occupant(withSession: from)?.role ?? Role.default(for: room.affiliation(of: from))
        guard asker == .moderator else { throw .forbidden }
        var list = XMLElement("query", namespace: Namespace.mucAdmin)
        for occupant in room.sortedOccupants where occupant.role == role {
            for session in occupant.sessions {
                list.append(
                    XMLElement(
                        "item", namespace: Namespace.mucAdmin,
                        attributes: [
                            "affiliation": occupant.affiliation.rawValue, "role": role.rawValue,
                            "jid": session.description, "nick": occupant.nick.description,
                        ]))
            }
        }
        return result(stanza, query: list)
    }
}
