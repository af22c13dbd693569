import MUCCore
import NicknameProfile
import XMLStream

/// Presence (XEP-0045 §7.1–7.2, 7.6, 7.14): joins, leaves, nickname changes and status changes.
extension MUCComponentService {
    func handlePresence(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        guard let room = roomAddress(to) else { return StanzaOutcome() }
        let type = stanza["type"]
        let current = registry.rooms[room]?.occupant(withSession: from)

        if type == "unavailable" {
            guard let current else { return StanzaOutcome() }
            occupancy.details[room]?[from] = Self.details(of: stanza)
            let events = (try? registry.leave(room, nick: current.nick, session: from)) ?? []
            return StanzaOutcome(events: events)
        }
        guard type == nil else { return StanzaOutcome() }  // subscribe, probe...: not for rooms
        if Self.hasRefusedStatus(stanza) {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
        guard let resource = to.resource, let nick = try? NicknameProfile.nickname(resource) else {
            return StanzaOutcome(before: [StanzaError.jidMalformed.reply(to: stanza)])
        }
        if let current {
            return presenceOfOccupant(current, stanza, room: room, nick: nick, session: from, registry: &registry)
        }
        // XEP-0045 §7.2.18 (v1.32): without the MUC element, a non-occupant's presence is a client out of step
        // with the room (roomd restarted, say), not a groupchat 1.0 join: it is told it is not in the room, so
        // that it rejoins. (Prosody's MUC answers item-not-found.)
        guard stanza.child("x", namespace: Namespace.muc) != nil else {
            return StanzaOutcome(before: [Self.notInRoom(room: room, nick: nick, session: from)])
        }
        return join(stanza, room: room, nick: nick, asked: resource, session: from, registry: &registry)
    }

    /// §7.2.18: the kick a session that is not in the room gets for a presence update, with 110, 307 and 333.
    static func notInRoom(room: RoomAddress, nick: Nickname, session: JID) -> XMLElement {
        Presences.removal(
            of: nick, in: room, to: session, affiliation: .none, codes: ["110", "307", "333"],
            itemChildren: [XMLElement("reason", namespace: Namespace.mucUser).adding(text: "You are not in the room.")])
    }

    /// §18.1.2, §11.1: an error bounced from an occupant's client means that session is gone. As Prosody, it
    /// leaves with status 333 and a status text naming the condition: on any presence error, and on a
    /// message error whose condition says the recipient cannot be reached.
    func handleErrorStanza(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        if stanza.name == "iq" {
            // The answer to an IQ routed to an occupant; an IQ error says nothing of the session's presence.
            guard to.resource != nil else { return StanzaOutcome() }
            return iqAnswerFromOccupant(stanza, from: from, to: to, registry: registry)
        }
        guard stanza.name == "presence" || stanza.name == "message", let room = roomAddress(to),
            let occupant = registry.rooms[room]?.occupant(withSession: from)
        else { return StanzaOutcome() }
        let condition = Self.errorCondition(of: stanza)
        if stanza.name == "message" {
            // A malformed error counts as one of these, as in Prosody. Any other error about a private message
            // goes on to the occupant it is addressed to, as a private message does.
            guard condition.map(Self.kickableConditions.contains) ?? true else {
                guard let resource = to.resource, let current = registry.rooms[room] else { return StanzaOutcome() }
                return privateError(stanza, from: occupant, toNick: resource, in: current)
            }
        }
        let text = "Kicked: " + (condition.map { String($0.map { $0 == "-" ? " " : $0 }) } ?? "presence error")
        occupancy.details[room]?[from] = [XMLElement("status", namespace: Namespace.component).adding(text: text)]
        occupancy.removedOnError[room, default: []].insert(from)
        let events = (try? registry.leave(room, nick: occupant.nick, session: from)) ?? []
        return StanzaOutcome(events: events)
    }

    /// The conditions of a bounced message that mean its recipient is unreachable (Prosody's list).
    static let kickableConditions: Set<String> = [
        "gone", "internal-server-error", "item-not-found", "jid-malformed", "recipient-unavailable", "redirect",
        "remote-server-not-found", "remote-server-timeout", "service-unavailable",
    ]

    /// RFC 6120 §8.3.3: the defined conditions. Only these are repeated in a status text.
    static let definedConditions: Set<String> = kickableConditions.union([
        "bad-request", "conflict", "feature-not-implemented", "forbidden", "not-acceptable", "not-allowed",
        "not-authorized", "policy-violation", "registration-required", "resource-constraint",
        "subscription-required", "undefined-condition", "unexpected-request",
    ])

    /// The condition of an error stanza, nil when it has none (malformed). A condition RFC 6120 does not
    /// define reads as `undefined-condition`, as §8.3.3 asks, so a name of the sender's own is never repeated.
    static func errorCondition(of stanza: XMLElement) -> String? {
        guard let error = stanza.child("error", namespace: Namespace.component),
            let condition = error.elements.first(where: { $0.namespace == Namespace.stanzaErrors && $0.name != "text" })
        else { return nil }
        return definedConditions.contains(condition.name) ? condition.name : "undefined-condition"
    }

    /// An available presence from a session already in the room: a status change, a join again, or a
    /// nickname change.
    private func presenceOfOccupant(
        _ current: Occupant, _ stanza: XMLElement, room: RoomAddress, nick: Nickname, session: JID,
        registry: inout RoomRegistry
    ) -> StanzaOutcome {
        occupancy.details[room, default: [:]][session] = Self.details(of: stanza)
        // Another form of its own nickname (`ROMEO` for `Romeo`) renames a one-session occupant; for one of
        // several sessions, which cannot rename (§7.6), it is the same occupant's presence.
        guard current.nick.isShown(as: nick) || (current.nick == nick && current.sessions.count > 1) else {
            do {
                return StanzaOutcome(events: try registry.changeNick(room, session: session, to: nick))
            } catch .nickConflict {
                return StanzaOutcome(before: [StanzaError.conflict.reply(to: stanza)])
            } catch {
                return StanzaOutcome(before: [StanzaError.notAcceptable.reply(to: stanza)])
            }
        }
        guard let occupant = registry.rooms[room]?.occupants[nick] else { return StanzaOutcome() }
        // A change of show/status: everyone sees the occupant's presence, and each of its sessions its own.
        let broadcast = renderer.broadcast(of: occupant, in: room, registry: registry, occupancy: occupancy)
        guard stanza.child("x", namespace: Namespace.muc) != nil else { return StanzaOutcome(after: broadcast) }
        // A join from a session already in the room: its client lost track (after a reconnect, say). As in
        // Prosody, it gets the room again, as on a first join, its self-presence among the broadcast.
        occupancy.add(session, in: room)
        var resync = occupantList(for: session, in: room, except: nick, registry: registry)
        resync += broadcast
        resync += history(for: session, in: room, asked: stanza, registry: registry)
        resync.append(subjectMessage(for: session, in: room, registry: registry))
        return StanzaOutcome(after: resync)
    }

    private func join(
        _ stanza: XMLElement, room: RoomAddress, nick: Nickname, asked: String, session: JID,
        registry: inout RoomRegistry
    ) -> StanzaOutcome {
        var events: [RoomEvent] = []
        let muc = stanza.child("x", namespace: Namespace.muc)
        if registry.rooms[room] != nil {
            let password = muc?.child("password", namespace: Namespace.muc)?.text
            do {
                try registry.admit(room, session: session, nick: nick, password: password)
            } catch {
                return StanzaOutcome(before: [Self.refusal(error).reply(to: stanza)])
            }
        } else {
            // XEP-0045 §10.1.1: a new room, its creator the owner, locked until the owner configures it (an
            // instant room with an empty form, §10.1.2), as in Prosody. A join without the MUC element (the
            // old groupchat protocol) cannot configure, and gets an unlocked room. Temporary until the owner
            // makes it persistent: it goes with its last occupant. The service policy says first whether
            // this user may create rooms, and more of them (`+Policy`).
            do {
                try registry.checkCreation(in: room.service, by: session)
            } catch {
                return StanzaOutcome(before: [Self.refusal(error).reply(to: stanza)])
            }
            do {
                // As in Prosody 0.12: the room's language is its creator's, and it is hidden (not listed)
                // until its owner makes it public.
                let language = Self.languageTag(stanza["xml:lang"])
                let configuration = RoomConfiguration(language: language, persistent: false, isPublic: false)
                events += try registry.createRoom(
                    room, configuration: configuration, locked: muc != nil, creator: session)
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
        occupancy.add(session, in: room)
        occupancy.details[room, default: [:]][session] = Self.details(of: stanza)
        occupancy.askedNicks[room, default: [:]][session] = asked

        // §7.2.3: first the presence of every occupant already there, to the joiner only; §7.2.13: the
        // history after the joiner's own presence; §7.2.15: the subject (empty when none) closes the join.
        let before = occupantList(for: session, in: room, except: nick, registry: registry)
        var after = history(for: session, in: room, asked: stanza, registry: registry)
        after.append(subjectMessage(for: session, in: room, registry: registry))
        return StanzaOutcome(before: before, events: events, after: after)
    }

    /// §7.2.13–7.2.14: the history a joining session gets, as its `<history/>` asks, or the room's default.
    private func history(for session: JID, in room: RoomAddress, asked stanza: XMLElement, registry: RoomRegistry)
        -> [XMLElement]
    {
        guard let configuration = registry.rooms[room]?.configuration, occupancy.history.rooms[room] != nil else {
            return []
        }
        let request = HistoryRequest(muc: stanza.child("x", namespace: Namespace.muc), now: wallClock())
        return occupancy.history.messages(
            in: room, to: session, request: request, defaultCount: configuration.defaultHistoryMessages)
    }

    /// The error XEP-0045 §7.2 gives each refusal; a locked room is one that does not exist yet (§10.1.1,
    /// as Prosody answers).
    static func refusal(_ refusal: JoinRefusal) -> StanzaError {
        switch refusal {
        case .locked: return .itemNotFound
        case .membersOnly: return .registrationRequired
        case .passwordRequired: return .notAuthorized
        case .full: return .serviceUnavailable
        }
    }

    /// An `xml:lang` that has the shape of a language tag (RFC 5646: letters, digits and hyphens, at
    /// most 35 characters), or nil.
    static func languageTag(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.utf8.count <= 35 else { return nil }
        let isTag = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
        return isTag ? text : nil
    }

    private func occupantList(for session: JID, in room: RoomAddress, except nick: Nickname, registry: RoomRegistry)
        -> [XMLElement]
    {
        guard let current = registry.rooms[room] else { return [] }
        let isModerator =
            current.configuration.whois == .anyone || current.occupant(withSession: session)?.role == .moderator
        return current.sortedOccupants.filter { $0.nick != nick }.map {
            Presences.presence(
                of: $0, in: room, to: session, showJID: isModerator, statusCodes: [],
                details: occupancy.details(of: $0, in: room))
        }
    }

    /// At most this many extension elements of a presence are passed on...
    static let maxExtensions = 8
    /// ...and at most this many bytes of them, serialized: caps, an avatar hash and idle take a few hundred.
    /// Every presence of the occupant carries them to every occupant, so the bound is kept small.
    static let maxExtensionBytes = 2048

    /// Namespaces that are not extended presence: MUC's own and the occupant id and hats a room assigns
    /// (XEP-0421, XEP-0317), which a sender must not forge, and the stream's and stanzas' own, whose
    /// elements the room builds itself.
    static let roomOnlyNamespaces: Set<String> = [
        Namespace.muc, Namespace.mucUser, "urn:xmpp:occupant-id:0", "urn:xmpp:hats:0", "jabber:client",
        "jabber:server", Namespace.streams, Namespace.stanzaErrors,
    ]

    /// What of a presence is passed on: the show/status/priority, rebuilt as text elements (nothing of the
    /// sender's markup but `xml:lang`), and §17.3's extended presence (caps, avatar hash, idle...), the
    /// elements of other namespaces, as they came, within `maxExtensions` and `maxExtensionBytes`: past
    /// either bound, the rest is dropped.
    static func details(of stanza: XMLElement) -> [XMLElement] {
        var details: [XMLElement] = []
        var extensions = 0
        var extensionBytes = 0
        for element in stanza.elements {
            guard element.namespace == Namespace.component else {
                guard !roomOnlyNamespaces.contains(element.namespace), extensions < maxExtensions else { continue }
                let bytes = element.serialized(parentNamespace: Namespace.component).utf8.count
                guard extensionBytes + bytes <= maxExtensionBytes else { continue }
                extensions += 1
                extensionBytes += bytes
                details.append(element)
                continue
            }
            switch element.name {
            // RFC 6121 §4.7.2: only these values, and a priority that fits a signed byte.
            case "show": guard ["away", "chat", "dnd", "xa"].contains(element.text) else { continue }
            case "priority": guard Int8(element.text) != nil else { continue }
            // A status that the free-text rule refuses is not passed on (an unavailable presence cannot be
            // refused, so it goes without it).
            case "status": guard (try? FreeText.check(element.text, as: .status)) != nil else { continue }
            default: continue
            }
            var copy = XMLElement(element.name, namespace: Namespace.component).adding(text: element.text)
            if let lang = element["xml:lang"] { copy["xml:lang"] = lang }
            details.append(copy)
        }
        return details
    }

    /// A presence whose status the free-text rule refuses (too long, or a control character).
    static func hasRefusedStatus(_ stanza: XMLElement) -> Bool {
        stanza.children("status", namespace: Namespace.component).contains {
            (try? FreeText.check($0.text, as: .status)) == nil
        }
    }
}
