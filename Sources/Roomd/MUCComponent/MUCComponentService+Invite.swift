import MUCCore
import NicknameProfile
import XMLStream

extension Namespace {
    /// The old invitation payload (XEP-0045 1.19), which Prosody and ejabberd still add to a mediated one
    /// for clients that know only it.
    static let conference = "jabber:x:conference"
}

/// Mediated invitations and their declines (XEP-0045 §7.8.2): a message of type normal to the room whose
/// `muc#user` element carries `<invite to=.../>` or `<decline to=.../>`. Who may invite, and the membership
/// an invitation to a members-only room grants, are the core's rules (`Room+Invitations`).
extension MUCComponentService {
    /// Invitations one message may carry: each is a message the room sends for the sender, so one stanza
    /// must not make it send many (Prosody takes only the first).
    static let maxInvitations = 10

    /// The outcome of a message to the room that is an invitation or a decline (from anyone: the invitee
    /// who declines is not in the room), nil for any other message. As Prosody: the muc#user element's
    /// first child says which, and a message of type normal with a muc#user element that is neither gets
    /// `bad-request`.
    func mediated(_ stanza: XMLElement, from: JID, in room: Room, registry: inout RoomRegistry) -> StanzaOutcome? {
        guard stanza["type"] == nil || stanza["type"] == "normal",
            let x = stanza.child("x", namespace: Namespace.mucUser)
        else { return nil }
        let first = x.elements.first
        if first?.namespace == Namespace.mucUser, first?["to"] != nil {
            if first?.name == "invite" { return invitations(stanza, x, from: from, in: room, registry: &registry) }
            if first?.name == "decline" { return decline(stanza, first!, from: from, in: room) }
        }
        return refused(stanza, .badRequest)
    }

    private func invitations(
        _ stanza: XMLElement, _ x: XMLElement, from: JID, in room: Room, registry: inout RoomRegistry
    ) -> StanzaOutcome {
        let invites = x.children("invite", namespace: Namespace.mucUser)
        guard invites.count <= Self.maxInvitations else {
            return refused(
                stanza,
                StanzaError(
                    "policy-violation", type: "modify",
                    text: "At most \(Self.maxInvitations) invitations in one message"))
        }
        var invitees: [(jid: JID, reason: String)] = []
        for invite in invites {
            guard let text = invite["to"] else { return refused(stanza, .badRequest) }
            // As Prosody, with its type. An address of this service (an occupant JID) would send the room's
            // invitation back to itself.
            guard let jid = try? JID(parsing: text), jid.domain != domain else {
                return refused(stanza, StanzaError("jid-malformed", type: "cancel"))
            }
            let reason = invite.child("reason", namespace: Namespace.mucUser)?.text ?? ""
            guard (try? FreeText.check(reason, as: .reason)) != nil else { return refused(stanza, .badRequest) }
            invitees.append((jid, reason))
        }
        do {
            try room.authorizeInvitation(by: from)
        } catch {
            return refused(stanza, .forbidden)
        }
        let actor = room.occupant(withSession: from)?.nick.description
        var events: [RoomEvent] = []
        var sent: [XMLElement] = []
        for (invitee, reason) in invitees {
            // Made durable (and shown to watchers) before the invitation leaves, as any affiliation change.
            if let granted = registry.rooms[room.address]?.affiliationGranted(toInvitee: invitee) {
                events +=
                    (try? registry.setAffiliation(
                        room.address, jid: invitee.bare, affiliation: granted, reason: "Invited by \(from)",
                        actor: actor)) ?? []
            }
            sent.append(invitation(stanza, to: invitee, from: from, reason: reason, in: room))
        }
        return StanzaOutcome(events: events, after: sent)
    }

    /// §7.8.2: the room's invitation, as Prosody 0.12 sends it: the inviter's JID and the reason in the
    /// muc#user element with the room's password, the `jabber:x:conference` element, and a body for
    /// clients that show neither. Built from what the room means to say: of the sender's stanza only its
    /// `id` and `xml:lang` are kept.
    private func invitation(_ stanza: XMLElement, to invitee: JID, from: JID, reason: String, in room: Room)
        -> XMLElement
    {
        var message = XMLElement("message", namespace: Namespace.component)
        for key in ["id", "xml:lang"] {
            if let value = stanza[key] { message[key] = value }
        }
        message["from"] = room.address.description
        message["to"] = invitee.description
        var x = XMLElement("x", namespace: Namespace.mucUser)
        var invite = XMLElement("invite", namespace: Namespace.mucUser, attributes: ["from": from.description])
        invite.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason))
        x.append(invite)
        if let password = room.configuration.password {
            x.append(XMLElement("password", namespace: Namespace.mucUser).adding(text: password))
        }
        message.append(x)
        message.append(
            XMLElement("x", namespace: Namespace.conference, attributes: ["jid": room.address.description])
                .adding(text: reason))
        let because = reason.isEmpty ? "" : " (\(reason))"
        message.append(
            XMLElement("body", namespace: Namespace.component)
                .adding(text: "\(from) invited you to the room \(room.address)\(because)"))
        return message
    }

    /// §7.8.2: the invitee's decline, passed on to the inviter it names (an occupant of the room when it
    /// names an occupant JID), as Prosody does.
    private func decline(_ stanza: XMLElement, _ payload: XMLElement, from: JID, in room: Room) -> StanzaOutcome {
        guard let text = payload["to"], let declinee = try? JID(parsing: text) else {
            return refused(stanza, StanzaError("jid-malformed", type: "cancel"))
        }
        let reason = payload.child("reason", namespace: Namespace.mucUser)?.text ?? ""
        guard (try? FreeText.check(reason, as: .reason)) != nil else { return refused(stanza, .badRequest) }
        var recipients: [JID]
        if declinee.bare == room.address.jid {
            // An occupant JID: its XMPP sessions; nobody when no such occupant.
            let occupant = declinee.resource.flatMap { try? NicknameProfile.nickname($0) }.flatMap { room.occupants[$0] }
            recipients = occupant?.sessions.filter { occupancy.isXMPP($0, in: room.address) } ?? []
        } else {
            guard declinee.domain != domain else {
                return refused(stanza, StanzaError("jid-malformed", type: "cancel"))
            }
            recipients = [declinee]
        }
        let because = reason.isEmpty ? "" : " (\(reason))"
        let sent = recipients.map { recipient in
            var message = XMLElement("message", namespace: Namespace.component)
            for key in ["id", "xml:lang"] {
                if let value = stanza[key] { message[key] = value }
            }
            message["from"] = room.address.description
            message["to"] = recipient.description
            var decline = XMLElement("decline", namespace: Namespace.mucUser, attributes: ["from": from.description])
            decline.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason))
            message.append(XMLElement("x", namespace: Namespace.mucUser).adding(decline))
            message.append(
                XMLElement("body", namespace: Namespace.component)
                    .adding(text: "\(from) declined your invite to the room \(room.address)\(because)"))
            return message
        }
        return StanzaOutcome(after: sent)
    }

    private func refused(_ stanza: XMLElement, _ error: StanzaError) -> StanzaOutcome {
        StanzaOutcome(before: [error.reply(to: stanza)])
    }
}
