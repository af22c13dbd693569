import MUCCore
import NicknameProfile
import XMLStream

/// Messages and subject (XEP-0045 §7.4, 7.5, 8.1): groupchat reflected to every occupant, private messages
/// to one, and the subject moderators set.
extension MUCComponentService {
    func handleMessage(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        guard let room = roomAddress(to) else { return StanzaOutcome() }
        // As Prosody: no such room is item-not-found; a room the sender is not in, not-acceptable.
        guard let current = registry.rooms[room] else {
            return StanzaOutcome(before: [StanzaError.itemNotFound.reply(to: stanza)])
        }
        // §7.8.2: invitations and declines (`+Invite`), which need not come from an occupant.
        if to.resource == nil, let outcome = mediated(stanza, from: from, in: current, registry: &registry) {
            return outcome
        }
        guard let sender = current.occupant(withSession: from) else {
            return StanzaOutcome(before: [StanzaError.notJoined.reply(to: stanza)])
        }
        if let resource = to.resource {
            return privateMessage(stanza, from: sender, toNick: resource, in: current)
        }
        var outcome = groupchat(stanza, from: sender, in: current)
        if let subject = outcome.subject {
            outcome.stanzas.events = (try? registry.setSubject(room, subject)) ?? []
        }
        // §7.2.13: what the room sent on, kept for joiners.
        if let kept = outcome.history {
            occupancy.history.add(kept, in: room, length: current.configuration.historyLength, now: wallClock())
        }
        return outcome.stanzas
    }

    /// §7.5: a private message to one occupant, every XMPP session of it.
    private func privateMessage(_ stanza: XMLElement, from sender: Occupant, toNick resource: String, in room: Room)
        -> StanzaOutcome
    {
        // A private message of type groupchat would show one occupant a fake room message; refused before
        // the recipient is looked up, as Prosody does, so that it never says who is in the room.
        guard stanza["type"] != "groupchat" else {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
        guard let targetNick = try? NicknameProfile.nickname(resource), let target = room.occupants[targetNick] else {
            return StanzaOutcome(before: [StanzaError.itemNotFound.reply(to: stanza)])
        }
        // `muc#roomconfig_allowpm`: whose private messages the room passes on.
        guard room.configuration.privateMessages.allows(sender.role) else {
            return StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)])
        }
        var forwarded: [XMLElement] = []
        for session in target.sessions where occupancy.isXMPP(session, in: room.address) {
            var message = Self.relayed(stanza, from: "\(room.address)/\(sender.nick)", to: session)
            message.append(XMLElement("x", namespace: Namespace.mucUser))
            forwarded.append(message)
        }
        return StanzaOutcome(after: forwarded)
    }

    /// An error about a private message (one that does not say its sender is gone), from an occupant to
    /// another's occupant JID: passed on as a private message is, to every XMPP session of the recipient, as
    /// Prosody does. Nothing goes back on a refusal (an error is never answered): a recipient that left, or
    /// a sender the room's `allowpm` does not let speak privately, and it is dropped.
    func privateError(_ stanza: XMLElement, from sender: Occupant, toNick resource: String, in room: Room)
        -> StanzaOutcome
    {
        guard let targetNick = try? NicknameProfile.nickname(resource), let target = room.occupants[targetNick],
            room.configuration.privateMessages.allows(sender.role)
        else { return StanzaOutcome() }
        var forwarded: [XMLElement] = []
        for session in target.sessions where occupancy.isXMPP(session, in: room.address) {
            var message = Self.relayed(stanza, from: "\(room.address)/\(sender.nick)", to: session)
            message.append(XMLElement("x", namespace: Namespace.mucUser))
            forwarded.append(message)
        }
        return StanzaOutcome(after: forwarded)
    }

    /// §7.4: reflected to every occupant, the sender included, from the sender's occupant JID; §8.1: a
    /// subject from a moderator is kept and sent on the same way. A delay the sender claims the room added is
    /// dropped, as Prosody does: only the room stamps its history. `history` is the room's copy to keep, for a
    /// message that belongs in it.
    private func groupchat(_ stanza: XMLElement, from sender: Occupant, in room: Room)
        -> (stanzas: StanzaOutcome, subject: RoomSubject?, history: XMLElement?)
    {
        guard stanza["type"] == "groupchat" else {
            return (StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)]), nil, nil)
        }
        // §8.1: a subject with a body or a thread is a message that carries a subject, not a subject change.
        var newSubject: RoomSubject?
        if let subject = stanza.child("subject", namespace: Namespace.component),
            stanza.child("body", namespace: Namespace.component) == nil,
            stanza.child("thread", namespace: Namespace.component) == nil
        {
            // `muc#roomconfig_changesubject`: participants too, when the owner allows it.
            let mayChange =
                sender.role == .moderator || (room.configuration.changeSubject && sender.role == .participant)
            guard mayChange else {
                return (StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)]), nil, nil)
            }
            guard (try? FreeText.check(subject.text, as: .subject)) != nil else {
                return (StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)]), nil, nil)
            }
            newSubject = RoomSubject(text: subject.text, by: sender.nick.description)
        } else if sender.role == .visitor {
            return (StanzaOutcome(before: [StanzaError.forbidden.reply(to: stanza)]), nil, nil)
        }
        let sent = Self.withoutRoomDelays(stanza, room: room.address)
        let from = "\(room.address)/\(sender.nick)"
        var copies: [XMLElement] = []
        for occupant in room.sortedOccupants {
            for session in occupant.sessions where occupancy.isXMPP(session, in: room.address) {
                copies.append(Self.relayed(sent, from: from, to: session))
            }
        }
        let kept = DiscussionHistory.isHistoric(sent) ? Self.relayed(sent, from: from, to: sender.sessions[0]) : nil
        return (StanzaOutcome(after: copies), newSubject, kept)
    }

    /// The stanza without the XEP-0203 (and old XEP-0091) delays that claim to come from the room.
    static func withoutRoomDelays(_ stanza: XMLElement, room: RoomAddress) -> XMLElement {
        let claimsRoom: (XMLElement) -> Bool = { element in
            let isDelay =
                (element.name == "delay" && element.namespace == Namespace.delay)
                || (element.name == "x" && element.namespace == Namespace.legacyDelay)
            guard isDelay, let from = element["from"] else { return false }
            return (try? RoomAddress(parsing: from)) == room
        }
        guard stanza.elements.contains(where: claimsRoom) else { return stanza }
        var copy = stanza
        copy.children = stanza.children.filter {
            if case .element(let element) = $0 { return !claimsRoom(element) }
            return true
        }
        return copy
    }

    /// §7.2.15: the subject (empty when none), which closes a join.
    func subjectMessage(for session: JID, in room: RoomAddress, registry: RoomRegistry) -> XMLElement {
        let subject = registry.rooms[room]?.subject
        var message = XMLElement("message", namespace: Namespace.component)
        message["type"] = "groupchat"
        message["from"] = subject.map { "\(room)/\($0.by)" } ?? room.description
        message["to"] = session.description
        message.append(XMLElement("subject", namespace: Namespace.component).adding(text: subject?.text ?? ""))
        return message
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
}
