import MUCCore
import XMLStream

/// What one inbound stanza leads to, in the order it must happen.
public struct StanzaOutcome: Sendable {
    /// Sent before the events' presences (e.g. the occupant list a joiner receives first).
    public var before: [XMLElement] = []
    /// Room transitions: the caller records them and asks `render` for their presences.
    public var events: [RoomEvent] = []
    /// Sent after the events' presences (the subject after a join, an iq result...).
    public var after: [XMLElement] = []

    public init(before: [XMLElement] = [], events: [RoomEvent] = [], after: [XMLElement] = []) {
        self.before = before
        self.events = events
        self.after = after
    }
}

/// XEP-0045 for one MUC domain served through an XEP-0114 component: turns stanzas into transitions of the
/// shared `RoomRegistry`, and room events (from XMPP or from the control socket) into the presences every
/// occupant must see.
///
/// The registry is the one state; this type only adds what is XMPP's alone: which sessions joined over
/// XMPP (only they are sent stanzas), their last presence (show/status), and room subjects.
public final class MUCComponentService {
    public let domain: String
    /// Sessions that joined over XMPP, per room.
    private var xmppSessions: [RoomAddress: Set<JID>] = [:]
    /// The `<show/>`, `<status/>`, `<priority/>` children of each XMPP session's last presence.
    private var presenceDetails: [RoomAddress: [JID: [XMLElement]]] = [:]
    private var subjects: [RoomAddress: (text: String, by: String)] = [:]

    public init(domain: String) {
        self.domain = domain.lowercased()
    }

    // MARK: Inbound

    /// The error for a stanza the stream parser could not take in (too deep); none for error stanzas.
    public func refusal(of header: XMLElement) -> [XMLElement] {
        guard header["type"] != "error", header["from"] != nil else { return [] }
        return [StanzaError.policyViolation.reply(to: header)]
    }

    public func handle(_ stanza: XMLElement, registry: inout RoomRegistry) -> StanzaOutcome {
        guard let fromText = stanza["from"], let from = try? JID(parsing: fromText), let toText = stanza["to"],
            let to = try? JID(parsing: toText)
        else {
            // No usable addresses: nothing to answer to (the server checks `from` on component streams).
            return StanzaOutcome()
        }
        if stanza["type"] == "error" {
            return handleErrorStanza(stanza, from: from, to: to, registry: &registry)
        }
        switch stanza.name {
        case "presence": return handlePresence(stanza, from: from, to: to, registry: &registry)
        case "message": return handleMessage(stanza, from: from, to: to, registry: registry)
        case "iq": return handleIQ(stanza, from: from, to: to, registry: &registry)
        default: return StanzaOutcome()
        }
    }

    private func handleErrorStanza(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry)
        -> StanzaOutcome
    {
        // XEP-0045 §7.2.?: a presence error from an occupant's client means it is gone.
        guard stanza.name == "presence", let room = roomAddress(to),
            let occupant = registry.rooms[room]?.occupant(withSession: from)
        else { return StanzaOutcome() }
        let events = (try? registry.leave(room, nick: occupant.nick, session: from)) ?? []
        return StanzaOutcome(events: events)
    }

    private func roomAddress(_ jid: JID) -> RoomAddress? {
        guard jid.node != nil, jid.domain == domain else { return nil }
        return try? RoomAddress(parsing: jid.bare.description)
    }

    // MARK: Presence

    private func handlePresence(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry)
        -> StanzaOutcome
    {
        guard let room = roomAddress(to) else { return StanzaOutcome() }
        let type = stanza["type"]
        let current = registry.rooms[room]?.occupant(withSession: from)

        if type == "unavailable" {
            guard let current else { return StanzaOutcome() }
            presenceDetails[room]?[from] = Self.details(of: stanza)
            let events = (try? registry.leave(room, nick: current.nick, session: from)) ?? []
            return StanzaOutcome(events: events)
        }
        guard type == nil else { return StanzaOutcome() }  // subscribe, probe...: not for rooms
        if Self.hasRefusedStatus(stanza) {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }

        guard let resource = to.resource else {
            return StanzaOutcome(before: [StanzaError.jidMalformed.reply(to: stanza)])
        }
        let nick: Nickname
        do {
            nick = try Nickname(parsing: resource)
        } catch {
            return StanzaOutcome(before: [StanzaError.jidMalformed.reply(to: stanza)])
        }

        if let current {
            presenceDetails[room, default: [:]][from] = Self.details(of: stanza)
            if current.nick == nick {
                guard let occupant = registry.rooms[room]?.occupants[nick] else { return StanzaOutcome() }
                if stanza.child("x", namespace: Namespace.muc) != nil {
                    // A join from a session already in the room: its client lost track (after a reconnect,
                    // say). It gets the room again, as on a first join; the others see nothing new.
                    xmppSessions[room, default: []].insert(from)
                    var resync = occupantList(for: from, in: room, except: nick, registry: registry)
                    resync.append(presence(of: occupant, in: room, to: from, showJID: true, statusCodes: ["110"]))
                    resync.append(subjectMessage(for: from, in: room))
                    return StanzaOutcome(after: resync)
                }
                // A change of show/status: everyone sees the occupant's new presence.
                return StanzaOutcome(after: broadcastPresence(of: occupant, in: room, registry: registry))
            }
            do {
                return StanzaOutcome(events: try registry.changeNick(room, session: from, to: nick))
            } catch .nickConflict {
                return StanzaOutcome(before: [StanzaError.conflict.reply(to: stanza)])
            } catch {
                return StanzaOutcome(before: [StanzaError.notAcceptable.reply(to: stanza)])
            }
        }
        return join(stanza, room: room, nick: nick, session: from, registry: &registry)
    }

    private func join(
        _ stanza: XMLElement, room: RoomAddress, nick: Nickname, session: JID, registry: inout RoomRegistry
    ) -> StanzaOutcome {
        var events: [RoomEvent] = []
        if registry.rooms[room] == nil {
            // XEP-0045 §10.1.2: an instant room, its creator the owner. Temporary: it goes with its last
            // occupant, as an ad-hoc room should.
            do {
                events += try registry.createRoom(room, configuration: RoomConfiguration(persistent: false))
                events += try registry.setAffiliation(room, jid: session, affiliation: .owner, reason: nil, actor: nil)
            } catch {
                return StanzaOutcome(before: [StanzaError.notAllowed.reply(to: stanza)])
            }
        }
        do {
            events += try registry.join(room, nick: nick, session: session)
        } catch .nickConflict {
            return StanzaOutcome(before: [StanzaError.conflict.reply(to: stanza)], events: events)
        } catch .banned {
            return StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)], events: events)
        } catch {
            return StanzaOutcome(before: [StanzaError.notAcceptable.reply(to: stanza)], events: events)
        }
        xmppSessions[room, default: []].insert(session)
        presenceDetails[room, default: [:]][session] = Self.details(of: stanza)

        // §7.2.3: first the presence of every occupant already there, to the joiner only; §7.2.15: the
        // subject (empty when none) closes the join.
        let before = occupantList(for: session, in: room, except: nick, registry: registry)
        return StanzaOutcome(before: before, events: events, after: [subjectMessage(for: session, in: room)])
    }

    private func occupantList(for session: JID, in room: RoomAddress, except nick: Nickname, registry: RoomRegistry)
        -> [XMLElement]
    {
        guard let current = registry.rooms[room] else { return [] }
        let isModerator = current.occupant(withSession: session)?.role == .moderator
        return current.sortedOccupants.filter { $0.nick != nick }.map {
            presence(of: $0, in: room, to: session, showJID: isModerator, statusCodes: [])
        }
    }

    private func subjectMessage(for session: JID, in room: RoomAddress) -> XMLElement {
        var subject = XMLElement("message", namespace: Namespace.component)
        subject["type"] = "groupchat"
        subject["from"] = subjects[room].map { "\(room)/\($0.by)" } ?? room.description
        subject["to"] = session.description
        subject.append(XMLElement("subject", namespace: Namespace.component).adding(text: subjects[room]?.text ?? ""))
        return subject
    }

    /// The show/status/priority of a presence, rebuilt as text elements: nothing of the sender's markup
    /// but `xml:lang` is sent on.
    static func details(of stanza: XMLElement) -> [XMLElement] {
        stanza.elements.filter {
            guard $0.namespace == Namespace.component else { return false }
            switch $0.name {
            // RFC 6121 §4.7.2: only these values, and a priority that fits a signed byte.
            case "show": return ["away", "chat", "dnd", "xa"].contains($0.text)
            case "priority": return Int8($0.text) != nil
            // A status that the free-text rule refuses is not passed on (an unavailable presence cannot be
            // refused, so it goes without it).
            case "status": return (try? FreeText.check($0.text, as: .status)) != nil
            default: return false
            }
        }.map { element in
            var copy = XMLElement(element.name, namespace: Namespace.component).adding(text: element.text)
            if let lang = element["xml:lang"] { copy["xml:lang"] = lang }
            return copy
        }
    }

    /// A presence whose status the free-text rule refuses (too long, or a control character).
    static func hasRefusedStatus(_ stanza: XMLElement) -> Bool {
        stanza.children("status", namespace: Namespace.component).contains {
            (try? FreeText.check($0.text, as: .status)) == nil
        }
    }

    // MARK: Messages

    private func handleMessage(_ stanza: XMLElement, from: JID, to: JID, registry: RoomRegistry) -> StanzaOutcome {
        guard let room = roomAddress(to) else { return StanzaOutcome() }
        guard let current = registry.rooms[room], let sender = current.occupant(withSession: from) else {
            return StanzaOutcome(before: [StanzaError.notAcceptable.reply(to: stanza)])
        }
        if let resource = to.resource {
            // A private message to one occupant (§7.5).
            guard let targetNick = try? Nickname(parsing: resource), let target = current.occupants[targetNick] else {
                return StanzaOutcome(before: [StanzaError.itemNotFound.reply(to: stanza)])
            }
            // §7.5: a private message of type groupchat would show one occupant a fake room message.
            guard stanza["type"] != "groupchat" else {
                return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
            }
            var forwarded: [XMLElement] = []
            for session in target.sessions where isXMPP(session, in: room) {
                var message = Self.relayed(stanza, from: "\(room)/\(sender.nick)", to: session)
                message.append(XMLElement("x", namespace: Namespace.mucUser))
                forwarded.append(message)
            }
            return StanzaOutcome(after: forwarded)
        }
        guard stanza["type"] == "groupchat" else {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
        if let subject = stanza.child("subject", namespace: Namespace.component) {
            guard sender.role == .moderator else {
                return StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)])
            }
            guard (try? FreeText.check(subject.text, as: .subject)) != nil else {
                return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
            }
            subjects[room] = (subject.text, sender.nick.description)
        } else if sender.role == .visitor {
            return StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)])
        }
        // §7.4: reflected to every occupant, the sender included, from the sender's occupant JID.
        var copies: [XMLElement] = []
        for occupant in current.sortedOccupants {
            for session in occupant.sessions where isXMPP(session, in: room) {
                copies.append(Self.relayed(stanza, from: "\(room)/\(sender.nick)", to: session))
            }
        }
        return StanzaOutcome(after: copies)
    }

    /// A message as the room sends it on: built from what the service means to send (its addresses, the
    /// sender's `id`, `type` and `xml:lang`, the payload), never a copy of the sender's attributes. A
    /// sender's own muc#user element is dropped: only the room speaks in that namespace.
    static func relayed(_ stanza: XMLElement, from: String, to session: JID) -> XMLElement {
        var message = XMLElement("message", namespace: Namespace.component)
        for key in ["id", "type", "xml:lang"] {
            if let value = stanza[key] { message[key] = value }
        }
        message["from"] = from
        message["to"] = session.description
        message.children = stanza.children.filter {
            if case .element(let element) = $0 { return element.namespace != Namespace.mucUser }
            return true
        }
        return message
    }

    // MARK: IQ

    private func handleIQ(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        let type = stanza["type"]
        guard type == "get" || type == "set" else { return StanzaOutcome() }
        guard let query = stanza.elements.first else {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
        do {
            switch (type, query.namespace, to.node == nil, to.resource == nil) {
            case ("get", Namespace.discoInfo, true, true):
                return StanzaOutcome(after: [result(stanza, query: serviceInfo())])
            case ("get", Namespace.discoItems, true, true):
                return StanzaOutcome(after: [result(stanza, query: try serviceItems(registry))])
            case ("get", Namespace.discoInfo, false, true):
                return StanzaOutcome(after: [result(stanza, query: try roomInfo(to, registry))])
            case ("get", Namespace.discoItems, false, true):
                _ = try existingRoom(to, registry)
                return StanzaOutcome(after: [result(stanza, query: XMLElement("query", namespace: Namespace.discoItems))])
            case ("set", Namespace.mucAdmin, false, true):
                return try adminSet(stanza, query: query, from: from, to: to, registry: &registry)
            case ("get", Namespace.mucAdmin, false, true):
                return StanzaOutcome(after: [try adminGet(stanza, query: query, from: from, to: to, registry: registry)])
            default:
                throw StanzaError.serviceUnavailable
            }
        } catch let error as StanzaError {
            return StanzaOutcome(before: [error.reply(to: stanza)])
        } catch {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
    }

    private func result(_ stanza: XMLElement, query: XMLElement?) -> XMLElement {
        var reply = XMLElement("iq", namespace: Namespace.component)
        reply["type"] = "result"
        reply["from"] = stanza["to"]
        reply["to"] = stanza["from"]
        reply["id"] = stanza["id"]
        if let query { reply.append(query) }
        return reply
    }

    private func existingRoom(_ to: JID, _ registry: RoomRegistry) throws -> Room {
        guard let address = roomAddress(to), let room = registry.rooms[address] else { throw StanzaError.itemNotFound }
        return room
    }

    private func serviceInfo() -> XMLElement {
        XMLElement("query", namespace: Namespace.discoInfo)
            .adding(
                XMLElement(
                    "identity", namespace: Namespace.discoInfo,
                    attributes: ["category": "conference", "type": "text", "name": "Chatrooms"]))
            .adding(feature(Namespace.discoInfo))
            .adding(feature(Namespace.discoItems))
            .adding(feature(Namespace.muc))
    }

    private func serviceItems(_ registry: RoomRegistry) throws -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.discoItems)
        for room in try registry.rooms(ofService: domain) {
            var item = XMLElement("item", namespace: Namespace.discoItems, attributes: ["jid": room.address.description])
            if let name = room.configuration.name { item["name"] = name }
            query.append(item)
        }
        return query
    }

    private func roomInfo(_ to: JID, _ registry: RoomRegistry) throws -> XMLElement {
        let room = try existingRoom(to, registry)
        return XMLElement("query", namespace: Namespace.discoInfo)
            .adding(
                XMLElement(
                    "identity", namespace: Namespace.discoInfo,
                    attributes: [
                        "category": "conference", "type": "text", "name": room.configuration.name ?? room.address.node,
                    ]))
            .adding(feature(Namespace.muc))
            .adding(feature(room.configuration.persistent ? "muc_persistent" : "muc_temporary"))
            .adding(feature("muc_semianonymous"))
            .adding(feature("muc_open"))
            .adding(feature("muc_unmoderated"))
            .adding(feature("muc_public"))
    }

    private func feature(_ name: String) -> XMLElement {
        XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": name])
    }

    /// §8.2 (kick: role none) and §9–10 (affiliations, including bans), with their permission rules.
    private func adminSet(
        _ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: inout RoomRegistry
    ) throws -> StanzaOutcome {
        let room = try existingRoom(to, registry)
        let items = query.children("item", namespace: Namespace.mucAdmin)
        guard !items.isEmpty else { throw StanzaError.badRequest }
        let requester = room.occupant(withSession: from)
        let requesterAffiliation = room.affiliation(of: from)
        let actorNick = requester?.nick.description
        // All or nothing (XEP-0045 §9-10 change lists): an item that fails undoes the items before it, so
        // nothing half-applied stays in memory with no presence, no store write and no audit row.
        do {
            return try applyAdminItems(
                items, stanza: stanza, room: room, requester: requester, requesterAffiliation: requesterAffiliation,
                actorNick: actorNick, registry: &registry)
        } catch {
            registry.restore(room)
            throw error
        }
    }

    private func applyAdminItems(
        _ items: [XMLElement], stanza: XMLElement, room: Room, requester: Occupant?, requesterAffiliation: Affiliation,
        actorNick: String?, registry: inout RoomRegistry
    ) throws -> StanzaOutcome {
        var events: [RoomEvent] = []
        for item in items {
            let reason = item.child("reason", namespace: Namespace.mucAdmin)?.text
            if let reason, (try? FreeText.check(reason, as: .reason)) == nil { throw StanzaError.badRequest }
            if let role = item["role"] {
                guard requester?.role == .moderator else { throw StanzaError.forbidden }
                guard role == "none" else { throw StanzaError.featureNotImplemented }
                guard let nickText = item["nick"], let nick = try? Nickname(parsing: nickText) else {
                    throw StanzaError.badRequest
                }
                guard let target = registry.rooms[room.address]?.occupants[nick] else { throw StanzaError.itemNotFound }
                // §8.2: nobody is kicked by a moderator of lower affiliation: a participant-moderator cannot
                // kick an admin, an admin cannot kick an owner (an owner may kick an admin).
                if target.affiliation.isPrivileged && target.affiliation > requesterAffiliation {
                    throw StanzaError.notAllowed
                }
                do {
                    events += try registry.kick(
                        room.address, target: .nick(nick), reason: reason, actor: actorNick, protectPrivileged: false)
                } catch {
                    throw StanzaError.itemNotFound
                }
            } else if let affiliationText = item["affiliation"] {
                guard let affiliation = Affiliation(rawValue: affiliationText) else { throw StanzaError.badRequest }
                guard let jidText = item["jid"], let jid = try? JID(parsing: jidText) else { throw StanzaError.badRequest }
                guard requesterAffiliation == .owner || requesterAffiliation == .admin else { throw StanzaError.forbidden }
                let current = registry.rooms[room.address]?.affiliation(of: jid) ?? .none
                // Only owners grant or take admin/owner; an admin manages members and outcasts.
                if requesterAffiliation == .admin && (current.isPrivileged || affiliation.isPrivileged) {
                    throw StanzaError.notAllowed
                }
                do {
                    events += try registry.setAffiliation(
                        room.address, jid: jid, affiliation: affiliation, reason: reason, actor: actorNick)
                } catch {
                    throw StanzaError.itemNotFound
                }
            } else {
                throw StanzaError.badRequest
            }
        }
        return StanzaOutcome(events: events, after: [result(stanza, query: nil)])
    }

    private func adminGet(_ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: RoomRegistry) throws
        -> XMLElement
    {
        let room = try existingRoom(to, registry)
        guard let wanted = query.child("item", namespace: Namespace.mucAdmin)?["affiliation"],
            let affiliation = Affiliation(rawValue: wanted)
        else { throw StanzaError.badRequest }
        guard room.affiliation(of: from) == .owner || room.affiliation(of: from) == .admin else {
            throw StanzaError.forbidden
        }
        var list = XMLElement("query", namespace: Namespace.mucAdmin)
        for (jid, entry) in room.affiliations.sorted(by: { $0.key < $1.key }) where entry.affiliation == affiliation {
            var item = XMLElement(
                "item", namespace: Namespace.mucAdmin, attributes: ["jid": jid.description, "affiliation": wanted])
            if let reason = entry.reason { item.append(XMLElement("reason", namespace: Namespace.mucAdmin).adding(text: reason)) }
            list.append(item)
        }
        return result(stanza, query: list)
    }

    // MARK: Rendering events

    private func isXMPP(_ session: JID, in room: RoomAddress) -> Bool {
        xmppSessions[room]?.contains(session) ?? false
    }

    /// The presences every XMPP occupant must receive for events that already happened to `registry`.
    public func render(_ events: [RoomEvent], registry: RoomRegistry) -> [XMLElement] {
        var stanzas: [XMLElement] = []
        let created = Set(events.compactMap { if case .created(let room, _) = $0 { return room } else { return nil } })
        // A join later in the batch already shows the affiliation the creator was just given.
        let joining = Set(events.compactMap { if case .joined(_, _, let session) = $0 { return session.bare } else { return nil } })
        for event in events where event.room.service == domain {
            switch event {
            case .created:
                break
            case .joined(let room, let occupant, let session):
                guard let current = registry.rooms[room]?.occupants[occupant.nick] else { continue }
                // Self-presence last (§7.2.3); 201 when the join created the room (§10.1.1).
                for recipient in recipients(room, registry) where recipient.session != session {
                    stanzas.append(
                        presence(of: current, in: room, to: recipient.session, showJID: recipient.isModerator, statusCodes: []))
                }
                if isXMPP(session, in: room) {
                    var codes = ["110"]
                    if created.contains(room) { codes.append("201") }
                    stanzas.append(presence(of: current, in: room, to: session, showJID: true, statusCodes: codes))
                }
            case .left(let room, let nick, let session, let lastSession):
                let details = presenceDetails[room]?[session]
                let wasXMPP = isXMPP(session, in: room)
                forget(session, in: room)
                guard lastSession else { continue }
                let gone = Occupant(nick: nick, sessions: [session], role: .none, affiliation: registry.rooms[room]?.affiliation(of: session) ?? .none)
                for recipient in recipients(room, registry) {
                    stanzas.append(unavailable(gone, in: room, to: recipient.session, showJID: recipient.isModerator, codes: [], details: details))
                }
                if wasXMPP {
                    stanzas.append(unavailable(gone, in: room, to: session, showJID: true, codes: ["110"], details: details))
                }
            case .kicked(let removed, let reason, let actor), .banned(let removed, let reason, let actor):
                let isBan: Bool
                if case .banned = event { isBan = true } else { isBan = false }
                let code = isBan ? "301" : "307"
                let gone = Occupant(
                    nick: removed.nick, sessions: removed.sessions, role: .none,
                    affiliation: isBan ? .outcast : removed.affiliation)
                let extra = itemChildren(reason: reason, actor: actor)
                for session in removed.sessions where isXMPP(session, in: removed.room) {
                    stanzas.append(
                        unavailable(gone, in: removed.room, to: session, showJID: true, codes: ["110", code], itemChildren: extra))
                    forget(session, in: removed.room)
                }
                for recipient in recipients(removed.room, registry) {
                    stanzas.append(
                        unavailable(
                            gone, in: removed.room, to: recipient.session, showJID: recipient.isModerator, codes: [code],
                            itemChildren: extra))
                }
            case .destroyed(let room, let removed, let reason):
                for occupant in removed {
                    for session in occupant.sessions where isXMPP(session, in: room) {
                        var stanza = XMLElement("presence", namespace: Namespace.component)
                        stanza["type"] = "unavailable"
                        stanza["from"] = "\(room)/\(occupant.nick)"
                        stanza["to"] = session.description
                        var destroy = XMLElement("destroy", namespace: Namespace.mucUser)
                        if let reason { destroy.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason)) }
                        let x = XMLElement("x", namespace: Namespace.mucUser)
                            .adding(
                                XMLElement(
                                    "item", namespace: Namespace.mucUser,
                                    attributes: ["affiliation": occupant.affiliation.rawValue, "role": "none"]))
                            .adding(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": "110"]))
                            .adding(destroy)
                        stanza.append(x)
                        stanzas.append(stanza)
                    }
                }
                xmppSessions[room] = nil
                presenceDetails[room] = nil
                subjects[room] = nil
            case .affiliationChanged(let room, let jid, _, _):
                // Occupants of that user show their new affiliation and role to everyone.
                guard !joining.contains(jid.bare) else { continue }
                for occupant in registry.rooms[room]?.sortedOccupants ?? [] where occupant.bareJID == jid.bare {
                    stanzas += broadcastPresence(of: occupant, in: room, registry: registry)
                }
            case .nickChanged(let room, let old, let occupant):
                guard let session = occupant.sessions.first else { continue }
                let details = presenceDetails[room]?[session]
                // §7.6.3: unavailable from the old nickname with 303 and the new one, then available.
                for recipient in recipients(room, registry) {
                    let isSelf = recipient.session == session
                    var leaving = presence(
                        of: Occupant(nick: old, sessions: occupant.sessions, role: occupant.role, affiliation: occupant.affiliation),
                        in: room, to: recipient.session, showJID: recipient.isModerator || isSelf,
                        statusCodes: isSelf ? ["303", "110"] : ["303"], details: details)
                    leaving["type"] = "unavailable"
                    leaving = setItemAttribute(leaving, "nick", occupant.nick.description)
                    stanzas.append(leaving)
                }
                for recipient in recipients(room, registry) {
                    let isSelf = recipient.session == session
                    stanzas.append(
                        presence(
                            of: occupant, in: room, to: recipient.session, showJID: recipient.isModerator || isSelf,
                            statusCodes: isSelf ? ["110"] : []))
                }
            }
        }
        return stanzas
    }

    /// What this service keeps of one room beside the registry: its XMPP sessions, their presence
    /// details and its subject. Saved before a change and put back when the change is undone (a commit
    /// the disk refused), so that the XMPP side never disagrees with the registry.
    public struct RoomState: Sendable {
        fileprivate var sessions: Set<JID>?
        fileprivate var details: [JID: [XMLElement]]?
        fileprivate var subject: (text: String, by: String)?
    }

    public func state(of room: RoomAddress) -> RoomState {
        RoomState(sessions: xmppSessions[room], details: presenceDetails[room], subject: subjects[room])
    }

    public func restore(_ state: RoomState, of room: RoomAddress) {
        xmppSessions[room] = state.sessions
        presenceDetails[room] = state.details
        subjects[room] = state.subject
    }

    /// Forgets every session that joined over XMPP and returns them, room by room: when the stream they came
    /// through ends, none of them can be reached, nor leave by itself.
    public func takeXMPPSessions() -> [(room: RoomAddress, session: JID)] {
        var taken: [(room: RoomAddress, session: JID)] = []
        for (room, sessions) in xmppSessions {
            for session in sessions { taken.append((room, session)) }
        }
        xmppSessions.removeAll()
        presenceDetails.removeAll()
        return taken.sorted { ($0.room.description, $0.session.description) < ($1.room.description, $1.session.description) }
    }

    private func forget(_ session: JID, in room: RoomAddress) {
        xmppSessions[room]?.remove(session)
        presenceDetails[room]?[session] = nil
    }

    /// Every XMPP session in the room now, with whether its occupant may see real JIDs.
    private func recipients(_ room: RoomAddress, _ registry: RoomRegistry) -> [(session: JID, isModerator: Bool)] {
        guard let current = registry.rooms[room], let sessions = xmppSessions[room], !sessions.isEmpty else { return [] }
        var result: [(JID, Bool)] = []
        for occupant in current.sortedOccupants {
            for session in occupant.sessions where sessions.contains(session) {
                result.append((session, occupant.role == .moderator))
            }
        }
        return result
    }

    private func broadcastPresence(of occupant: Occupant, in room: RoomAddress, registry: RoomRegistry) -> [XMLElement] {
        recipients(room, registry).map { recipient in
            let isSelf = occupant.sessions.contains(recipient.session)
            return presence(
                of: occupant, in: room, to: recipient.session, showJID: recipient.isModerator || isSelf,
                statusCodes: isSelf ? ["110"] : [])
        }
    }

    func presence(
        of occupant: Occupant, in room: RoomAddress, to recipient: JID, showJID: Bool, statusCodes: [String],
        details: [XMLElement]? = nil
    ) -> XMLElement {
        var stanza = XMLElement("presence", namespace: Namespace.component)
        stanza["from"] = "\(room)/\(occupant.nick)"
        stanza["to"] = recipient.description
        for child in details ?? presenceDetails[room]?[occupant.sessions[0]] ?? [] { stanza.append(child) }
        var item = XMLElement(
            "item", namespace: Namespace.mucUser,
            attributes: ["affiliation": occupant.affiliation.rawValue, "role": occupant.role.rawValue])
        if showJID {
            // An occupant's own copy names the session it goes to; others see the first session.
            item["jid"] = (occupant.sessions.contains(recipient) ? recipient : occupant.sessions[0]).description
        }
        var x = XMLElement("x", namespace: Namespace.mucUser)
        x.append(item)
        for code in statusCodes { x.append(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": code])) }
        stanza.append(x)
        return stanza
    }

    private func unavailable(
        _ occupant: Occupant, in room: RoomAddress, to recipient: JID, showJID: Bool, codes: [String],
        itemChildren: [XMLElement] = [], details: [XMLElement]? = nil
    ) -> XMLElement {
        var stanza = presence(of: occupant, in: room, to: recipient, showJID: showJID, statusCodes: codes, details: details ?? [])
        stanza["type"] = "unavailable"
        if !itemChildren.isEmpty {
            stanza = mapItem(stanza) { item in
                for child in itemChildren { item.append(child) }
            }
        }
        return stanza
    }

    /// `<actor nick=.../>` and `<reason>...</reason>` inside the kick's `<item/>` (§8.2).
    private func itemChildren(reason: String?, actor: String?) -> [XMLElement] {
        var children: [XMLElement] = []
        if let actor { children.append(XMLElement("actor", namespace: Namespace.mucUser, attributes: ["nick": actor])) }
        if let reason { children.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason)) }
        return children
    }

    private func setItemAttribute(_ stanza: XMLElement, _ name: String, _ value: String) -> XMLElement {
        mapItem(stanza) { $0[name] = value }
    }

    private func mapItem(_ stanza: XMLElement, _ change: (inout XMLElement) -> Void) -> XMLElement {
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
