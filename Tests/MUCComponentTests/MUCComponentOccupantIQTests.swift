import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// XEP-0045 §17.4: IQs to occupant JIDs are routed to the occupant and their answers back, as Prosody routes
/// them, under ids of the room's own; and errors about private messages go on to their occupant.
@Suite struct MUCComponentOccupantIQTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let balcony = "juliet@localhost/balcony"
    static let chamber = "juliet@localhost/chamber"
    static let nurse = "nurse@localhost/kitchen"
    static let romeoNick = "garden@chat.localhost/Romeo"
    static let julietNick = "garden@chat.localhost/Juliet"

    /// Romeo (owner), Juliet from two sessions (balcony first), the Nurse.
    mutating func fourSessions() {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(join(Self.balcony, as: "Juliet"))
        _ = send(join(Self.chamber, as: "Juliet"))
        _ = send(join(Self.nurse, as: "Nurse"))
    }

    func version() -> XMLElement { XMLElement("query", namespace: "jabber:iq:version") }
    func vcard() -> XMLElement { XMLElement("vCard", namespace: "vcard-temp") }

    func condition(_ stanza: XMLElement) -> String? {
        stanza.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors && $0.name != "text" }?.name
    }

    func isToken(_ id: String?) -> Bool {
        guard let id else { return false }
        return id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    @Test mutating func anIQGoesToTheOccupantsFirstSessionAndItsAnswerBack() throws {
        fourSessions()
        let out = send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: "v1", [version()]))
        #expect(out.count == 1)
        let routed = try #require(out.first)
        #expect(routed.name == "iq" && routed["type"] == "get")
        #expect(routed["from"] == Self.romeoNick && routed["to"] == Self.balcony)
        #expect(routed["id"] != "v1" && isToken(routed["id"]))
        #expect(routed.elements == [version()])

        var answer = stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: routed["id"])
        answer.append(version().adding(XMLElement("name", namespace: "jabber:iq:version").adding(text: "x")))
        let back = send(answer)
        #expect(back.count == 1)
        #expect(back.first?["id"] == "v1" && back.first?["type"] == "result")
        #expect(back.first?["from"] == Self.julietNick && back.first?["to"] == Self.romeo)
        #expect(back.first?.child("query", namespace: "jabber:iq:version")?.child("name")?.text == "x")
        #expect(service.pendingIQs.count == 0)
        // Answered once: the same answer again is dropped.
        #expect(send(answer).isEmpty)
    }

    @Test mutating func anErrorAnswerIsRoutedBackAndRemovesNobody() throws {
        fourSessions()
        let routed = try #require(
            send(stanza("iq", from: Self.nurse, to: Self.romeoNick, type: "set", id: "n1", [version()])).first)
        #expect(routed["to"] == Self.romeo && routed["from"] == "garden@chat.localhost/Nurse")
        let error = XMLElement("error", namespace: Namespace.component, attributes: ["type": "cancel"])
            .adding(XMLElement("service-unavailable", namespace: Namespace.stanzaErrors))
        let back = send(
            stanza("iq", from: Self.romeo, to: "garden@chat.localhost/Nurse", type: "error", id: routed["id"], [error]))
        #expect(back.count == 1 && back[0]["type"] == "error" && back[0]["id"] == "n1" && back[0]["to"] == Self.nurse)
        #expect(condition(back[0]) == "service-unavailable")
        // An IQ error says nothing of presence: Romeo is still there.
        #expect(registry.rooms[garden]?.occupants[try Nickname(parsing: "Romeo")] != nil)
    }

    @Test mutating func aVCardRequestGoesToTheBareJIDAndItsAnswerComesFromThere() throws {
        fourSessions()
        for payload in [
            vcard(), XMLElement("pubsub", namespace: "http://jabber.org/protocol/pubsub"),
            XMLElement("vcard", namespace: "urn:ietf:params:xml:ns:vcard-4.0"),
        ] {
            let routed = try #require(
                send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: "c", [payload])).first)
            #expect(routed["to"] == "juliet@localhost")
            let back = send(
                stanza("iq", from: "juliet@localhost", to: Self.romeoNick, type: "result", id: routed["id"], [payload]))
            #expect(back.map { $0["id"] } == ["c"])
            #expect(back.first?["from"] == Self.julietNick)
        }
    }

    @Test mutating func anAnswerFromAnyoneElseIsDroppedAndTheRealOneStillRouted() throws {
        fourSessions()
        let routed = try #require(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: "v1", [version()])).first)
        let token = routed["id"]
        // Her other session, another occupant, the room's own domain: none is the session asked.
        for forger in [Self.chamber, Self.nurse, "nurse@localhost", "romeo@localhost/elsewhere"] {
            #expect(
                send(stanza("iq", from: forger, to: Self.romeoNick, type: "result", id: token)).isEmpty, "\(forger)")
        }
        // An id never given, or given for another room, is dropped too.
        #expect(send(stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: "v1")).isEmpty)
        #expect(
            send(stanza("iq", from: Self.balcony, to: "elsewhere@chat.localhost/Romeo", type: "result", id: token))
                .isEmpty)
        #expect(send(stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: token)).count == 1)
    }

    @Test mutating func theRefusalsAreProsodys() {
        fourSessions()
        // Not an occupant (another session of an occupant's user is not one either).
        for sender in ["mercutio@localhost/street", "romeo@localhost/phone"] {
            let out = send(stanza("iq", from: sender, to: Self.julietNick, type: "get", [version()]))
            #expect(out.count == 1 && condition(out[0]) == "not-acceptable" && out[0]["to"] == sender)
        }
        var out = send(stanza("iq", from: Self.romeo, to: "garden@chat.localhost/Tybalt", type: "get", [version()]))
        #expect(out.count == 1 && condition(out[0]) == "item-not-found")
        out = send(stanza("iq", from: Self.romeo, to: "nowhere@chat.localhost/Juliet", type: "get", [version()]))
        #expect(out.count == 1 && condition(out[0]) == "item-not-found")
        out = send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", []))
        #expect(out.count == 1 && condition(out[0]) == "bad-request")
        out = send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: nil, [version()]))
        #expect(out.count == 1 && condition(out[0]) == "bad-request")
        out = send(
            stanza(
                "iq", from: Self.romeo, to: Self.julietNick, type: "get", id: String(repeating: "i", count: 257),
                [version()]))
        #expect(out.count == 1 && condition(out[0]) == "policy-violation")
        #expect(service.pendingIQs.count == 0)
    }

    @Test mutating func aPingToAnotherOccupantIsRoutedToIt() {
        fourSessions()
        let out = send(
            stanza(
                "iq", from: Self.nurse, to: Self.julietNick, type: "get",
                [XMLElement("ping", namespace: Namespace.ping)]))
        #expect(out.count == 1 && out[0]["to"] == Self.balcony && out[0]["type"] == "get")
        #expect(out[0].child("ping", namespace: Namespace.ping) != nil)
        // While a ping to oneself is answered by the room, from any session of the occupant.
        let own = send(
            stanza(
                "iq", from: Self.chamber, to: Self.julietNick, type: "get",
                [XMLElement("ping", namespace: Namespace.ping)]))
        #expect(own.count == 1 && own[0]["type"] == "result" && own[0]["to"] == Self.chamber)
    }

    @Test mutating func anAnswerAfterTheAskerLeftIsDropped() throws {
        fourSessions()
        let routed = try #require(
            send(stanza("iq", from: Self.nurse, to: Self.julietNick, type: "get", [version()])).first)
        _ = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        #expect(
            send(stanza("iq", from: Self.balcony, to: "garden@chat.localhost/Nurse", type: "result", id: routed["id"]))
                .isEmpty)
        // ... and one from a session that left since.
        let again = try #require(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()])).first)
        _ = send(stanza("presence", from: Self.balcony, to: Self.julietNick, type: "unavailable"))
        #expect(send(stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: again["id"])).isEmpty)
    }

    @Test mutating func anIQAfterTheFirstSessionLeftGoesToTheNext() throws {
        fourSessions()
        _ = send(stanza("presence", from: Self.balcony, to: Self.julietNick, type: "unavailable"))
        let routed = try #require(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()])).first)
        #expect(routed["to"] == Self.chamber)
    }

    @Test mutating func anAnswerPastItsDeadlineIsDropped() throws {
        fourSessions()
        var clock = ContinuousClock.now
        service.now = { clock }
        let routed = try #require(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()])).first)
        clock = clock.advanced(by: PendingIQs.lifetime)
        #expect(send(stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: routed["id"])).isEmpty)
    }

    @Test mutating func aSenderHasABoundedShareAndTheRestIsResourceConstraint() throws {
        fourSessions()
        var clock = ContinuousClock.now
        service.now = { clock }
        for index in 0..<PendingIQs.maxPerSender {
            let out = send(
                stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: "q\(index)", [version()]))
            #expect(out.first?["to"] == Self.balcony)
        }
        let refused = send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", id: "over", [version()]))
        #expect(refused.count == 1 && condition(refused[0]) == "resource-constraint")
        #expect(refused[0].child("error")?["type"] == "wait" && refused[0]["id"] == "over")
        // Others still ask.
        #expect(
            send(stanza("iq", from: Self.nurse, to: Self.julietNick, type: "get", [version()])).first?["type"] == "get")
        // Once the deadline passes, the share is free again.
        clock = clock.advanced(by: PendingIQs.lifetime)
        #expect(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()])).first?["type"] == "get")
        #expect(service.pendingIQs.count == 1)
    }

    @Test mutating func answersThatNameNothingAreDroppedWithoutAReply() throws {
        fourSessions()
        let routed = try #require(
            send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()])).first)
        let junk: [XMLElement] = [
            stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: nil),
            stanza(
                "iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: String(repeating: "f", count: 5000)),
            stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "error", id: ""),
            // The room itself, not an occupant: nothing was routed there.
            stanza("iq", from: Self.balcony, to: "garden@chat.localhost", type: "result", id: routed["id"]),
            stanza("iq", from: Self.balcony, to: "chat.localhost", type: "result", id: routed["id"]),
            stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "bogus", id: routed["id"]),
        ]
        for answer in junk { #expect(send(answer).isEmpty, "\(answer)") }
        #expect(service.pendingIQs.count == 1)
        #expect(send(stanza("iq", from: Self.balcony, to: Self.romeoNick, type: "result", id: routed["id"])).count == 1)
    }

    @Test mutating func aLostStreamForgetsThePendingIQs() throws {
        fourSessions()
        _ = send(stanza("iq", from: Self.romeo, to: Self.julietNick, type: "get", [version()]))
        _ = service.takeXMPPSessions()
        #expect(service.pendingIQs.count == 0)
    }

    // MARK: Errors about private messages

    func messageError(_ condition: String, from: String, to: String) -> XMLElement {
        let error = XMLElement("error", namespace: Namespace.component, attributes: ["type": "cancel"])
            .adding(XMLElement(condition, namespace: Namespace.stanzaErrors))
        return stanza("message", from: from, to: to, type: "error", id: "m1", [error])
    }

    @Test mutating func anErrorAboutAPrivateMessageGoesOnToTheOccupant() {
        fourSessions()
        let out = send(messageError("not-acceptable", from: Self.nurse, to: Self.julietNick))
        #expect(out.map { $0["to"] } == [Self.balcony, Self.chamber])
        for message in out {
            #expect(message.name == "message" && message["type"] == "error" && message["id"] == "m1")
            #expect(message["from"] == "garden@chat.localhost/Nurse")
            #expect(condition(message) == "not-acceptable")
            #expect(message.child("x", namespace: Namespace.mucUser) != nil)
        }
    }

    @Test mutating func aDeliveryErrorRemovesTheBouncerAndGoesNowhere() throws {
        fourSessions()
        let out = send(messageError("recipient-unavailable", from: Self.nurse, to: Self.julietNick))
        #expect(out.allSatisfy { $0.name == "presence" && $0["from"] == "garden@chat.localhost/Nurse" })
        #expect(out.contains { $0["to"] == Self.nurse })
        #expect(registry.rooms[garden]?.occupants[try Nickname(parsing: "Nurse")] == nil)
    }

    @Test mutating func anErrorToNobodyOrFromNobodyIsDropped() {
        fourSessions()
        #expect(send(messageError("not-acceptable", from: Self.nurse, to: "garden@chat.localhost/Tybalt")).isEmpty)
        #expect(send(messageError("not-acceptable", from: "tybalt@localhost/x", to: Self.julietNick)).isEmpty)
        // To the room itself: nothing to pass on.
        #expect(send(messageError("not-acceptable", from: Self.nurse, to: "garden@chat.localhost")).isEmpty)
    }

    @Test mutating func anErrorFromAnOccupantTheRoomDoesNotLetSpeakPrivatelyIsDropped() {
        fourSessions()
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_allowpm": ["moderators"]]))
        #expect(send(messageError("not-acceptable", from: Self.nurse, to: Self.julietNick)).isEmpty)
        #expect(send(messageError("not-acceptable", from: Self.romeo, to: Self.julietNick)).count == 2)
    }
}
