import MUCCore
import NicknameProfile
import XMLStream

/// IQs to occupant JIDs (XEP-0045 §17.4 rule 3): routed to the occupant and its answer back, neither side
/// learning the other's real JID. The checks, their order and errors, the session the IQ goes to and the
/// requests that go to the bare JID are Prosody's (`room_mt:handle_iq_to_occupant`); the ids are roomd's own
/// (`PendingIQs`).
///
/// XEP-0410 (MUC Self-Ping) is the one IQ to an occupant JID the room answers itself: a client asks whether
/// it is still joined by pinging its own occupant JID. The answer must be the truth, because clients act on
/// it: a `result` means "joined", `not-acceptable` means "not joined" (the client rejoins), while
/// `service-unavailable` and `feature-not-implemented` are taken as "joined, the service just does not
/// answer pings". So a session roomd does not hold (after a restart, a lost component stream, or in a room
/// that no longer exists) gets `not-acceptable`, never an error a client reads as still joined.
extension MUCComponentService {
    /// Requests about the account rather than the session, which its server answers at the bare JID: vCards
    /// (clients fetch occupants' avatars this way), PEP (XEP-0163) and vCard4 (Prosody's list).
    static let accountNamespaces: Set<String> = [
        "vcard-temp", "http://jabber.org/protocol/pubsub", "urn:ietf:params:xml:ns:vcard-4.0",
    ]

    /// A routed IQ's id is kept until its answer comes: longer ones are refused, so that the table's bound
    /// is one of memory too.
    static let maxRoutedIDBytes = 256
    static let idTooLong = StanzaError("policy-violation", type: "modify", text: "IQ id too long")
    static let tooManyPending = StanzaError(
        "resource-constraint", type: "wait", text: "Too many requests waiting for an answer")

    /// An IQ get or set to `room@service/Nick`.
    func iqToOccupant(_ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: RoomRegistry)
        -> StanzaOutcome
    {
        let isPing = stanza["type"] == "get" && query.name == "ping" && query.namespace == Namespace.ping
        guard let address = roomAddress(to), let room = registry.rooms[address] else {
            // Prosody answers item-not-found for a room that does not exist; to a self-ping that would mean
            // "joined, but renamed", and the client would never rejoin.
            return StanzaOutcome(before: [(isPing ? StanzaError.notJoined : .itemNotFound).reply(to: stanza)])
        }
        guard let sender = room.occupant(withSession: from), occupancy.isXMPP(from, in: address) else {
            return StanzaOutcome(before: [StanzaError.notJoined.reply(to: stanza)])
        }
        guard let target = to.resource.flatMap({ try? NicknameProfile.nickname($0) }),
            let recipient = room.occupants[target]
        else {
            return StanzaOutcome(before: [StanzaError.recipientNotInRoom.reply(to: stanza)])
        }
        if isPing && recipient.nick == sender.nick {
            return StanzaOutcome(after: [result(stanza, query: nil)])
        }
        // The occupant's first session, as Prosody's "primary" one; an occupant joined only over the control
        // socket has none an IQ can reach.
        guard let session = recipient.sessions.first(where: { occupancy.isXMPP($0, in: address) }) else {
            return StanzaOutcome(before: [StanzaError.serviceUnavailable.reply(to: stanza)])
        }
        guard let id = stanza["id"] else { return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)]) }
        guard id.utf8.count <= Self.maxRoutedIDBytes else {
            return StanzaOutcome(before: [Self.idTooLong.reply(to: stanza)])
        }
        let token: String
        do {
            token = try pendingIQs.add(room: address, sender: from, id: id, target: session, now: now())
        } catch {
            return StanzaOutcome(before: [Self.tooManyPending.reply(to: stanza)])
        }
        let destination = Self.accountNamespaces.contains(query.namespace) ? session.bare : session
        let routed = Self.routedIQ(
            stanza, id: token, from: "\(address)/\(sender.nick)", to: destination.description)
        return StanzaOutcome(after: [routed])
    }

    /// A result or an error to `room@service/Nick`: the answer to a routed IQ goes back to the session that
    /// asked, under its own id, from the answering occupant's JID. Anything else is dropped (never answered:
    /// it is an answer itself).
    func iqAnswerFromOccupant(_ stanza: XMLElement, from: JID, to: JID, registry: RoomRegistry) -> StanzaOutcome {
        let now = now()
        guard let token = stanza["id"], let entry = pendingIQs.entry(token, now: now), roomAddress(to) == entry.room,
            from == entry.target || from == entry.target.bare
        else { return StanzaOutcome() }
        pendingIQs.remove(token)
        // Both must still be there: the answerer, to be named, and the asker, to be told.
        guard let room = registry.rooms[entry.room], let answerer = room.occupant(withSession: entry.target),
            room.occupant(withSession: entry.sender) != nil, occupancy.isXMPP(entry.sender, in: entry.room)
        else { return StanzaOutcome() }
        let answer = Self.routedIQ(
            stanza, id: entry.id, from: "\(entry.room)/\(answerer.nick)", to: entry.sender.description)
        return StanzaOutcome(after: [answer])
    }

    /// An IQ as the room sends it on: its type, `xml:lang` and payload, under the room's addresses and id.
    static func routedIQ(_ stanza: XMLElement, id: String?, from: String, to: String) -> XMLElement {
        var iq = XMLElement("iq", namespace: Namespace.component)
        iq["type"] = stanza["type"]
        if let id { iq["id"] = id }
        if let lang = stanza["xml:lang"] { iq["xml:lang"] = lang }
        iq["from"] = from
        iq["to"] = to
        iq.children = stanza.children
        return iq
    }
}
