import MUCCore
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
        guard let resource = to.resource, let nick = try? Nickname(parsing: resource) else {
            return StanzaOutcome(before: [StanzaError.jidMalformed.reply(to: stanza)])
        }
        if let current {
            return presenceOfOccupant(current, stanza, room: room, nick: nick, session: from, registry: &registry)
        }
        return join(stanza, room: room, nick: nick, session: from, registry: &registry)
    }

    /// XEP-0045 §7.2.?: a presence error from an occupant's client means it is gone.
    func handleErrorStanza(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        guard stanza.name == "presence", let room = roomAddress(to),
            let occupant = registry.rooms[room]?.occupant(withSession: from)
        else { return StanzaOutcome() }
        let events = (try? registry.leave(room, nick: occupant.nick, session: from)) ?? []
        return StanzaOutcome(events: events)
    }

    /// An available presence from a session already in the room: a status change, a join again, or a
    /// nickname change.
    private func presenceOfOccupant(
        _ current: Occupant, _ stanza: XMLElement, room: RoomAddress, nick: Nickname, session: JID,
        registry: inout RoomRegistry
    ) -> StanzaOutcome {
        occupancy.details[room, default: [:]][session] = Self.details(of: stanza)
        guard current.nick == nick else {
            do {
                return StanzaOutcome(events: try registry.changeNick(room, session: session, to: nick))
            } catch .nickConflict {
                return StanzaOutcome(before: [StanzaError.conflict.reply(to: stanza)])
            } catch {
                return StanzaOutcome(before: [StanzaError.notAcceptable.reply(to: stanza)])
            }
        }
        guard let occupant = registry.rooms[room]?.occupants[nick] else { return StanzaOutcome() }
        if stanza.child("x", namespace: Namespace.muc) != nil {
            // A join from a session already in the room: its client lost track (after a reconnect, say). It
            // gets the room again, as on a first join; the others see nothing new.
            occupancy.add(session, in: room)
            var resync = occupantList(for: session, in: room, except: nick, registry: registry)
            resync.append(
                Presences.presence(
                    of: occupant, in: room, to: session, showJID: true, statusCodes: ["110"],
                    details: occupancy.details(of: occupant, in: room)))
            resync.append(subjectMessage(for: session, in: room, registry: registry))
            return StanzaOutcome(after: resync)
        }
        // A change of show/status: everyone sees the occupant's new presence.
        return StanzaOutcome(
            after: renderer.broadcast(of: occupant, in: room, registry: registry, occupancy: occupancy))
    }

    private func join(
        _ stanza: XMLElement, room: RoomAddress, nick: Nickname, session: JID, registry: inout RoomRegistry
    ) -> StanzaOutcome {
        var events: [RoomEvent] = []
        let muc = stanza.child("x", namespace: Namespace.muc)
        if let existing = registry.rooms[room] {
            let password = muc?.child("password", namespace: Namespace.muc)?.text
            do {
                try existing.admit(session, nick: nick, password: password)
            } catch {
                return StanzaOutcome(before: [Self.refusal(error).reply(to: stanza)])
            }
        } else {
            // XEP-0045 §10.1.1: a new room, its creator the owner, locked until the owner configures it (an
            // instant room with an empty form, §10.1.2), as in Prosody. A join without the MUC element (the
            // old groupchat protocol) cannot configure, and gets an unlocked room. Temporary until the owner
            // makes it persistent: it goes with its last occupant.
            do {
                // As in Prosody 0.12: the room's language is its creator's, and it is hidden (not listed)
                // until its owner makes it public.
                let language = Self.languageTag(stanza["xml:lang"])
                let configuration = RoomConfiguration(language: language, persistent: false, isPublic: false)
                events += try registry.createRoom(room, configuration: configuration, locked: muc != nil)
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

        // §7.2.3: first the presence of every occupant already there, to the joiner only; §7.2.15: the
        // subject (empty when none) closes the join.
        let before = occupantList(for: session, in: room, except: nick, registry: registry)
        let subject = subjectMessage(for: session, in: room, registry: registry)
        return StanzaOutcome(before: before, events: events, after: [subject])
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
}
