import MUCCore
import XMLStream

/// The muc#user presences the room sends (XEP-0045 §7), built from what the room means to say.
enum Presences {
    static func presence(
        of occupant: Occupant, in room: RoomAddress, to recipient: JID, showJID: Bool, statusCodes: [String],
        details: [XMLElement], itemChildren: [XMLElement] = []
    ) -> XMLElement {
        var stanza = XMLElement("presence", namespace: Namespace.component)
        stanza["from"] = "\(room)/\(occupant.nick)"
        stanza["to"] = recipient.description
        for child in details { stanza.append(child) }
        var item = XMLElement(
            "item", namespace: Namespace.mucUser,
            attributes: ["affiliation": occupant.affiliation.rawValue, "role": occupant.role.rawValue])
        for child in itemChildren { item.append(child) }
        var x = XMLElement("x", namespace: Namespace.mucUser)
        if showJID {
            // One item per session, as Prosody lists a multi-session occupant (XEP-0045 §7.2.2). Clients read
            // the first item: an occupant's own copy names the session it goes to first, others the first
            // session to have joined.
            for session in sessionsListed(occupant.sessions, to: recipient) {
                var copy = item
                copy["jid"] = session.description
                x.append(copy)
            }
        } else {
            x.append(item)
        }
        for code in statusCodes {
            x.append(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": code]))
        }
        stanza.append(x)
        return stanza
    }

    /// The sessions an item list names, the recipient's own first.
    static func sessionsListed(_ sessions: [JID], to recipient: JID) -> [JID] {
        guard let own = sessions.firstIndex(of: recipient), own > 0 else { return sessions }
        var ordered = sessions
        ordered.remove(at: own)
        ordered.insert(recipient, at: 0)
        return ordered
    }

    static func unavailable(
        _ occupant: Occupant, in room: RoomAddress, to recipient: JID, showJID: Bool, codes: [String],
        itemChildren: [XMLElement] = [], details: [XMLElement]? = nil
    ) -> XMLElement {
        var stanza = presence(
            of: occupant, in: room, to: recipient, showJID: showJID, statusCodes: codes, details: details ?? [])
        stanza["type"] = "unavailable"
        if !itemChildren.isEmpty {
            stanza = mapItem(stanza) { item in
                for child in itemChildren { item.append(child) }
            }
        }
        return stanza
    }

    /// §9.8 / §10.9: the unavailable presence of an occupant whose room is destroyed, to one of its sessions.
    static func destroyed(
        _ occupant: RemovedOccupant, in room: RoomAddress, to session: JID, reason: String?, venue: JID? = nil,
        password: String? = nil
    ) -> XMLElement {
        var destroy = XMLElement("destroy", namespace: Namespace.mucUser)
        if let venue { destroy["jid"] = venue.description }
        if let reason { destroy.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason)) }
        if let password {
            destroy.append(XMLElement("password", namespace: Namespace.mucUser).adding(text: password))
        }
        return removal(
            of: occupant.nick, in: room, to: session, affiliation: occupant.affiliation, codes: ["110"],
            after: [destroy])
    }

    /// A removal the occupant did not ask for (332 shutdown, 333 technical problem), to one of its sessions:
    /// its own unavailable presence, so a client knows it is no longer joined and may rejoin.
    static func removed(_ occupant: Occupant, in room: RoomAddress, to session: JID, code: String) -> XMLElement {
        removal(of: occupant.nick, in: room, to: session, affiliation: occupant.affiliation, codes: ["110", code])
    }

    /// The unavailable presence that tells one session it is out of the room (its role `none`), whoever else
    /// hears of it: `<item/>` with `itemChildren`, the status codes, then `after` inside `<x/>`.
    static func removal(
        of nick: Nickname, in room: RoomAddress, to session: JID, affiliation: Affiliation, codes: [String],
        itemChildren: [XMLElement] = [], after: [XMLElement] = []
    ) -> XMLElement {
        var item = XMLElement(
            "item", namespace: Namespace.mucUser, attributes: ["affiliation": affiliation.rawValue, "role": "none"])
        for child in itemChildren { item.append(child) }
        var x = XMLElement("x", namespace: Namespace.mucUser).adding(item)
        for code in codes {
            x.append(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": code]))
        }
        for child in after { x.append(child) }
        var stanza = XMLElement("presence", namespace: Namespace.component)
        stanza["type"] = "unavailable"
        stanza["from"] = "\(room)/\(nick)"
        stanza["to"] = session.description
        return stanza.adding(x)
    }

    /// `<actor nick=.../>` and `<reason>...</reason>` inside the kick's `<item/>` (§8.2).
    static func itemChildren(reason: String?, actor: String?) -> [XMLElement] {
        var children: [XMLElement] = []
        if let actor { children.append(XMLElement("actor", namespace: Namespace.mucUser, attributes: ["nick": actor])) }
        if let reason { children.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason)) }
        return children
    }

    static func setItemAttribute(_ stanza: XMLElement, _ name: String, _ value: String) -> XMLElement {
        mapItem(stanza) { $0[name] = value }
    }

    private static func mapItem(_ stanza: XMLElement, _ change: (inout XMLElement) -> Void) -> XMLElement {
        var stanza = stanza
        for (index, child) in stanza.children.enumerated() {
            guard case .element(var x) = child, x.name == "x", x.namespace == Namespace.mucUser else { continue }
            for (itemIndex, itemNode) in x.children.enumerated() {
                guard case .element(var item) = itemNode, item.name == "item" else { continue }
                change(&item)
                x.children[itemIndex] = .element(item)
            }
            stanza.children[index] = .element(x)
        }
        return stanza
    }
}
