import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// XEP-0410: the answer to a self-ping is the truth about whether the sender is joined, in every case.
@Suite struct MUCComponentSelfPingTests {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])

    static let romeo = "romeo@localhost/garden"
    static let romeoPhone = "romeo@localhost/phone"
    static let juliet = "juliet@localhost/balcony"

    mutating func send(_ stanza: XMLElement) -> [XMLElement] {
        let outcome = service.handle(stanza, registry: &registry)
        return outcome.before + service.render(outcome.events, registry: registry) + outcome.after
    }

    mutating func join(_ session: String, as nick: String) {
        let presence = XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": session, "to": "garden@chat.localhost/\(nick)"]
        ).adding(XMLElement("x", namespace: Namespace.muc))
        let created = registry.rooms[try! RoomAddress(parsing: "garden@chat.localhost")] == nil
        _ = send(presence)
        // The creator's empty form (XEP-0045 §10.1.2) unlocks the room its join created, for the others.
        if created { _ = send(OwnerStanzas.instant(from: session)) }
    }

    mutating func ping(from: String, to: String) -> [XMLElement] {
        send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": from, "to": to, "type": "get", "id": "sp1"]
            ).adding(XMLElement("ping", namespace: Namespace.ping)))
    }

    func condition(_ reply: XMLElement) -> String? {
        reply.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors && $0.name != "text" }?.name
    }

    @Test mutating func theJoinedSessionGetsAResult() {
        join(Self.romeo, as: "Romeo")
        let out = ping(from: Self.romeo, to: "garden@chat.localhost/Romeo")
        #expect(out.count == 1)
        #expect(out[0].name == "iq" && out[0]["type"] == "result" && out[0]["id"] == "sp1")
        #expect(out[0]["from"] == "garden@chat.localhost/Romeo" && out[0]["to"] == Self.romeo)
        #expect(out[0].elements.isEmpty)
    }

    @Test mutating func aNonOccupantIsNotJoined() {
        join(Self.romeo, as: "Romeo")
        let out = ping(from: Self.juliet, to: "garden@chat.localhost/Juliet")
        #expect(out.count == 1)
        #expect(out[0]["type"] == "error" && out[0]["id"] == "sp1" && out[0]["to"] == Self.juliet)
        #expect(condition(out[0]) == "not-acceptable")
        #expect(out[0].child("error")?["type"] == "cancel")
    }

    @Test mutating func anotherSessionOfTheSameUserIsNotJoined() {
        join(Self.romeo, as: "Romeo")
        let out = ping(from: Self.romeoPhone, to: "garden@chat.localhost/Romeo")
        #expect(out.count == 1 && condition(out[0]) == "not-acceptable")
    }

    @Test mutating func aSecondJoinedSessionOfTheOccupantGetsAResult() {
        join(Self.romeo, as: "Romeo")
        join(Self.romeoPhone, as: "Romeo")
        let out = ping(from: Self.romeoPhone, to: "garden@chat.localhost/Romeo")
        #expect(out.count == 1 && out[0]["type"] == "result")
    }

    @Test mutating func aRoomThatDoesNotExistIsNotJoined() {
        // item-not-found would mean "joined, but renamed" to a XEP-0410 client.
        let out = ping(from: Self.romeo, to: "gone@chat.localhost/Romeo")
        #expect(out.count == 1 && condition(out[0]) == "not-acceptable")
    }

    @Test mutating func aSessionThatLeftIsNotJoined() {
        join(Self.romeo, as: "Romeo")
        join(Self.juliet, as: "Juliet")
        _ = send(
            XMLElement(
                "presence", namespace: Namespace.component,
                attributes: ["from": Self.romeo, "to": "garden@chat.localhost/Romeo", "type": "unavailable"]))
        let out = ping(from: Self.romeo, to: "garden@chat.localhost/Romeo")
        #expect(out.count == 1 && condition(out[0]) == "not-acceptable")
    }

    @Test mutating func aSessionForgottenWithItsStreamIsNotJoined() {
        join(Self.romeo, as: "Romeo")
        // What a lost component stream does: the XMPP sessions go, and roomd removes their occupants.
        for (room, session) in service.takeXMPPSessions() {
            _ = try? registry.leave(room, nick: try Nickname(parsing: "Romeo"), session: session)
        }
        let out = ping(from: Self.romeo, to: "garden@chat.localhost/Romeo")
        #expect(out.count == 1 && condition(out[0]) == "not-acceptable")
    }

    @Test mutating func pingingANickNobodyHoldsIsItemNotFound() {
        join(Self.romeo, as: "Romeo")
        let out = ping(from: Self.romeo, to: "garden@chat.localhost/Mercutio")
        #expect(out.count == 1 && condition(out[0]) == "item-not-found")
    }

    @Test mutating func pingingAnotherOccupantIsNotAnsweredForThem() {
        join(Self.romeo, as: "Romeo")
        join(Self.juliet, as: "Juliet")
        let out = ping(from: Self.romeo, to: "garden@chat.localhost/Juliet")
        // Routed to Juliet, who answers for herself (XEP-0045 §17.4, as Prosody).
        #expect(out.count == 1 && out[0]["type"] == "get" && out[0]["to"] == Self.juliet)
        #expect(out[0]["from"] == "garden@chat.localhost/Romeo" && out[0]["id"] != "sp1")
    }

    @Test mutating func theRoomAdvertisesTheOptimisation() {
        join(Self.romeo, as: "Romeo")
        let info = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "garden@chat.localhost", "type": "get", "id": "d3"]
            ).adding(XMLElement("query", namespace: Namespace.discoInfo)))
        let features = info[0].child("query", namespace: Namespace.discoInfo)?.children("feature").map { $0["var"] }
        #expect(features?.contains("http://jabber.org/protocol/muc#self-ping-optimization") == true)
    }

    @Test mutating func removalNoticesNameEachSessionWithItsCause() {
        join(Self.romeo, as: "Romeo")
        join(Self.romeoPhone, as: "Romeo")
        join(Self.juliet, as: "Juliet")
        let notices = service.removalNotices(.shutdown, registry: registry)
        #expect(notices.map { $0["to"] } == [Self.juliet, Self.romeo, Self.romeoPhone])
        for notice in notices {
            #expect(notice.name == "presence" && notice["type"] == "unavailable")
            let x = notice.child("x", namespace: Namespace.mucUser)
            #expect(x?.children("status", namespace: Namespace.mucUser).map { $0["code"] } == ["110", "332"])
            #expect(x?.child("item", namespace: Namespace.mucUser)?["role"] == "none")
        }
        #expect(notices[1]["from"] == "garden@chat.localhost/Romeo")
        #expect(notices[1].child("x")?.child("item")?["affiliation"] == "owner")
        #expect(notices[0].child("x")?.child("item")?["affiliation"] == "none")
        // Telling is not forgetting: the sessions are still held.
        #expect(service.removalNotices(.lostConnection, registry: registry).count == 3)
    }
}
