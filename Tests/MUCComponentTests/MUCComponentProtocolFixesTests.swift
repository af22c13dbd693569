import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// The XEP-0045 bugs of #15, each as a transcript: what a client sends, what the room answers.
@Suite struct MUCComponentProtocolFixesTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    /// Sends a stanza the way roomd does: `before`, then the events' presences, then `after`.
    mutating func threeInTheRoom() {
        _ = send(join(Self.romeo, as: "Romeo"))
        // The creator's empty form (XEP-0045 §10.1.2) unlocks the room its join created, for the others.
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(join(Self.juliet, as: "Juliet"))
        _ = send(join(Self.nurse, as: "Nurse"))
    }

    func condition(_ stanzas: [XMLElement]) -> String? {
        guard stanzas.count == 1, stanzas[0]["type"] == "error" else { return nil }
        return stanzas[0].child("error")?.elements.first?.name
    }

    func adminSet(from: String, _ items: [[String: String]]) -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.mucAdmin)
        for attributes in items {
            query.append(XMLElement("item", namespace: Namespace.mucAdmin, attributes: attributes))
        }
        return stanza("iq", from: from, to: "garden@chat.localhost", type: "set", [query])
    }

    // MARK: 1. §7.5

    /// Fails before the fix: a groupchat-typed message to a nickname not in the room was item-not-found,
    /// which told the sender who is not there; Prosody refuses the type first.
    @Test mutating func aGroupchatPrivateMessageIsBadRequestWhoeverItNames() {
        threeInTheRoom()
        for nick in ["Romeo", "Nobody"] {
            let out = send(
                stanza(
                    "message", from: Self.juliet, to: "garden@chat.localhost/\(nick)", type: "groupchat",
                    [text("body", "hi")]))
            #expect(condition(out) == "bad-request")
            #expect(out.first?["to"] == Self.juliet)
        }
    }

    // MARK: 2. §10.4, §10.6

    /// Fails before the fix: the only owner revoked its own ownership (and could ban itself).
    @Test(arguments: ["admin", "member", "none", "outcast"])
    mutating func theLastOwnerCannotLeaveOwnership(_ affiliation: String) throws {
        threeInTheRoom()
        let out = send(adminSet(from: Self.romeo, [["jid": "romeo@localhost", "affiliation": affiliation]]))
        #expect(condition(out) == "conflict")
        #expect(out.first?.child("error")?["type"] == "cancel")
        #expect(try registry.room(garden).affiliation(of: try JID(parsing: Self.romeo)) == .owner)
        #expect(try registry.room(garden).occupants.count == 3)
    }

    @Test mutating func anOwnerWhoNamedAnotherOwnerMayStepDown() throws {
        threeInTheRoom()
        let out = send(
            adminSet(
                from: Self.romeo,
                [
                    ["jid": "juliet@localhost", "affiliation": "owner"],
                    ["jid": "romeo@localhost", "affiliation": "admin"],
                ]))
        #expect(out.last?.name == "iq" && out.last?["type"] == "result")
        #expect(try registry.room(garden).affiliation(of: try JID(parsing: Self.romeo)) == .admin)
        // Juliet is now the last owner.
        let refused = send(adminSet(from: Self.juliet, [["jid": "juliet@localhost", "affiliation": "none"]]))
        #expect(condition(refused) == "conflict")
    }

    // MARK: 3. §17.4

    /// Fails before the fix: the item was taken as a kick.
    @Test mutating func anItemWithBothRoleAndAffiliationIsBadRequest() throws {
        threeInTheRoom()
        let out = send(
            adminSet(
                from: Self.romeo,
                [["nick": "Nurse", "role": "none", "jid": "nurse@localhost", "affiliation": "outcast"]]))
        #expect(condition(out) == "bad-request")
        #expect(out.first?.child("error")?["type"] == "cancel")
        #expect(try registry.room(garden).occupants.count == 3)
        #expect(try registry.room(garden).affiliation(of: try JID(parsing: Self.nurse)) == .none)
    }

    // MARK: 4. §8.1

    /// Fails before the fix: the body was lost in a subject change, and a participant was refused.
    @Test mutating func aSubjectWithABodyOrAThreadIsAMessage() {
        threeInTheRoom()
        for extra in [text("body", "look"), text("thread", "t1")] {
            // The nurse is a participant: she may not change the subject, but may send this.
            let out = send(
                stanza(
                    "message", from: Self.nurse, to: "garden@chat.localhost", type: "groupchat",
                    [text("subject", "Fake subject"), extra]))
            #expect(out.count == 3)
            #expect(out.allSatisfy { $0.name == "message" && $0["from"] == "garden@chat.localhost/Nurse" })
            #expect(out.allSatisfy { $0.child("subject")?.text == "Fake subject" })
        }
        let subject = service.subjectMessage(for: try! JID(parsing: Self.romeo), in: garden, registry: registry)
        #expect(subject.child("subject")?.text == "", "the subject did not change")
        #expect(subject["from"] == "garden@chat.localhost")
        // A subject alone from a participant is still refused.
        let refused = send(
            stanza("message", from: Self.nurse, to: "garden@chat.localhost", type: "groupchat", [text("subject", "x")]))
        #expect(condition(refused) == "forbidden")
    }

    // MARK: 5.

    /// Fails before the fix: not-acceptable.
    @Test mutating func aMessageToAMissingRoomIsItemNotFound() {
        threeInTheRoom()
        for to in ["nowhere@chat.localhost", "nowhere@chat.localhost/Romeo"] {
            let out = send(stanza("message", from: Self.juliet, to: to, type: "groupchat", [text("body", "hi")]))
            #expect(condition(out) == "item-not-found")
        }
        // The room exists, the sender is not in it: not-acceptable, as before, of type cancel as Prosody's and
        // XEP-0410's (not joined: do not send it again, rejoin).
        let out = send(
            stanza(
                "message", from: "tybalt@localhost/x", to: "garden@chat.localhost", type: "groupchat",
                [text("body", "hi")]))
        #expect(condition(out) == "not-acceptable")
        #expect(out.first?.child("error")?["type"] == "cancel")
    }

    // MARK: 6. §11.1, §18.1.2

    func bounced(_ name: String, from: String, to: String, condition: String?) -> XMLElement {
        var error = XMLElement("error", namespace: Namespace.component, attributes: ["type": "cancel"])
        if let condition { error.append(XMLElement(condition, namespace: Namespace.stanzaErrors)) }
        return stanza(name, from: from, to: to, type: "error", [error])
    }

    /// Fails before the fix: the removal carried no 333.
    @Test mutating func aPresenceErrorRemovesTheOccupantWith333() throws {
        threeInTheRoom()
        let out = send(bounced("presence", from: Self.nurse, to: "garden@chat.localhost/Romeo", condition: "gone"))
        #expect(out.map { $0["to"] } == [Self.juliet, Self.romeo, Self.nurse])
        for presence in out {
            #expect(presence["type"] == "unavailable" && presence["from"] == "garden@chat.localhost/Nurse")
            #expect(presence.child("status")?.text == "Kicked: gone")
        }
        try #require(out.count == 3)
        #expect(codes(out[0]) == ["333"] && codes(out[1]) == ["333"])
        #expect(codes(out[2]) == ["110", "333"])
        #expect(try! registry.room(garden).occupants.count == 2)
        // Rejoining clears the mark: a later plain leave has no 333.
        _ = send(join(Self.nurse, as: "Nurse"))
        let left = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        #expect(left.allSatisfy { !codes($0).contains("333") })
    }

    /// Fails before the fix: a bounced message left a ghost occupant.
    @Test mutating func aMessageDeliveryErrorRemovesTheGhostWith333() throws {
        threeInTheRoom()
        let out = send(
            bounced("message", from: Self.nurse, to: "garden@chat.localhost", condition: "recipient-unavailable"))
        try #require(out.count == 3)
        #expect(out.allSatisfy { $0["type"] == "unavailable" && codes($0).contains("333") })
        #expect(out[0].child("status")?.text == "Kicked: recipient unavailable")
        // A malformed error counts; an error that says nothing of reachability does not.
        let malformed = send(bounced("message", from: Self.juliet, to: "garden@chat.localhost/Romeo", condition: nil))
        try #require(malformed.count == 2)
        #expect(malformed[0].child("status")?.text == "Kicked: presence error")
        // A condition of the sender's own is undefined-condition, which is not one of them.
        let invented = send(bounced("message", from: Self.romeo, to: "garden@chat.localhost", condition: "i-left"))
        #expect(invented.isEmpty)
        let kept = send(bounced("message", from: Self.romeo, to: "garden@chat.localhost", condition: "not-acceptable"))
        #expect(kept.isEmpty)
        #expect(try! registry.room(garden).occupants.count == 1)
    }

    @Test mutating func anErrorFromOneSessionOfSeveralRemovesOnlyThatSession() throws {
        threeInTheRoom()
        let other = "nurse@localhost/phone"
        _ = send(join(other, as: "Nurse"))
        let out = send(bounced("message", from: other, to: "garden@chat.localhost", condition: "gone"))
        // §7.2.2, as Prosody: the others see the occupant's presence as it is now (no 333: it stays); the
        // session removed, unreachable, is sent nothing.
        #expect(out.map { $0["to"] } == [Self.juliet, Self.nurse, Self.romeo])
        #expect(out.allSatisfy { $0["type"] == nil && !codes($0).contains("333") })
        let nurse = try #require(try registry.room(garden).occupants[try Nickname(parsing: "Nurse")])
        #expect(nurse.sessions == [try JID(parsing: Self.nurse)])
        // The next plain leave of the other session is not marked.
        let left = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        #expect(left.count == 3 && left.allSatisfy { !codes($0).contains("333") })
    }

    /// A removal the disk refused is undone with the room's XMPP state: its mark goes with it.
    @Test mutating func anUndoneErrorRemovalLeavesNoMark() throws {
        threeInTheRoom()
        let saved = service.state(of: garden)
        let before = registry
        _ = service.handle(
            bounced("presence", from: Self.nurse, to: "garden@chat.localhost", condition: "gone"), registry: &registry)
        registry = before
        service.restore(saved, of: garden)
        let left = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        try #require(left.count == 3)
        #expect(left.allSatisfy { !codes($0).contains("333") && $0.child("status") == nil })
    }

    // MARK: 7. §17.3

    /// Fails before the fix: caps, the avatar hash and idle were cut.
    @Test mutating func extendedPresenceIsPassedOnBounded() throws {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        let caps = XMLElement(
            "c", namespace: "http://jabber.org/protocol/caps",
            attributes: ["hash": "sha-1", "node": "https://conversations.im", "ver": "abc="])
        let avatar = XMLElement("x", namespace: "vcard-temp:x:update")
            .adding(
                XMLElement("photo", namespace: "vcard-temp:x:update").adding(
                    text: "01b87fcd030b72895ff8e88db57ec525450f000d"))
        let idle = XMLElement("idle", namespace: "urn:xmpp:idle:1", attributes: ["since": "2026-12-07T06:00:00Z"])
        let forged = XMLElement("occupant-id", namespace: "urn:xmpp:occupant-id:0", attributes: ["id": "fake"])
        let stanzaLevel = XMLElement("body", namespace: "jabber:client").adding(text: "not in a presence")
        let mucUser = XMLElement("x", namespace: Namespace.mucUser)
            .adding(XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": "201"]))
        let out = send(
            join(Self.juliet, as: "Juliet", [text("show", "away"), caps, avatar, idle, forged, stanzaLevel, mucUser]))
        let toRomeo = try #require(out.first { $0.name == "presence" && $0["to"] == Self.romeo })
        #expect(toRomeo.child("c", namespace: "http://jabber.org/protocol/caps") == caps)
        #expect(toRomeo.child("x", namespace: "vcard-temp:x:update") == avatar)
        #expect(toRomeo.child("idle", namespace: "urn:xmpp:idle:1") == idle)
        #expect(toRomeo.child("show")?.text == "away")
        #expect(toRomeo.child("occupant-id", namespace: "urn:xmpp:occupant-id:0") == nil)
        #expect(toRomeo.child("body", namespace: "jabber:client") == nil)
        #expect(toRomeo.children("x", namespace: Namespace.mucUser).count == 1)
        #expect(codes(toRomeo).isEmpty)
        // A status change carries the new extensions; the joiner's own copy too.
        let update = send(
            stanza("presence", from: Self.juliet, to: "garden@chat.localhost/Juliet", [caps]))
        #expect(
            update.count == 2
                && update.allSatisfy { $0.child("c", namespace: "http://jabber.org/protocol/caps") == caps })
        #expect(update.allSatisfy { $0.child("idle", namespace: "urn:xmpp:idle:1") == nil })
    }

    @Test func extendedPresenceIsBoundedInCountAndSize() {
        var presence = stanza("presence", from: Self.juliet, to: "garden@chat.localhost/Juliet")
        for index in 0..<20 {
            presence.append(XMLElement("e\(index)", namespace: "urn:example:\(index)"))
        }
        let details = MUCComponentService.details(of: presence)
        #expect(details.count == MUCComponentService.maxExtensions)
        #expect(details.map(\.name) == (0..<MUCComponentService.maxExtensions).map { "e\($0)" })

        var large = stanza("presence", from: Self.juliet, to: "garden@chat.localhost/Juliet")
        large.append(XMLElement("big", namespace: "urn:example:big").adding(text: String(repeating: "a", count: 5000)))
        large.append(XMLElement("small", namespace: "urn:example:small"))
        large.append(text("status", "here"))
        #expect(MUCComponentService.details(of: large).map(\.name) == ["small", "status"])
    }

    // MARK: 8. §7.12

    /// Fails before the fix: the node was ignored and the room's whole info came back.
    @Test mutating func roomUserItemNodeIsAnsweredEmpty() throws {
        threeInTheRoom()
        let query = XMLElement(
            "query", namespace: Namespace.discoInfo, attributes: ["node": "x-roomuser-item"])
        let out = send(stanza("iq", from: Self.juliet, to: "garden@chat.localhost", type: "get", [query]))
        try #require(out.count == 1)
        #expect(out[0]["type"] == "result" && out[0]["to"] == Self.juliet)
        let answer = try #require(out[0].child("query", namespace: Namespace.discoInfo))
        #expect(answer["node"] == "x-roomuser-item")
        #expect(answer.elements.isEmpty, "roomd reserves no nicknames")
        // A missing room is still item-not-found; the room's own info is unchanged without a node.
        let missing = send(stanza("iq", from: Self.juliet, to: "nowhere@chat.localhost", type: "get", [query]))
        #expect(condition(missing) == "item-not-found")
        let info = send(
            stanza(
                "iq", from: Self.juliet, to: "garden@chat.localhost", type: "get",
                [XMLElement("query", namespace: Namespace.discoInfo)]))
        #expect(info[0].child("query")?.child("identity") != nil)
    }

    // MARK: 9.

    /// Fails before the fix: the domain ban was stored and never enforced.
    @Test mutating func aDomainBanOverXMPPRefusesTheDomainsUsers() throws {
        threeInTheRoom()
        let ban = send(adminSet(from: Self.romeo, [["jid": "evil.example", "affiliation": "outcast"]]))
        #expect(ban.last?["type"] == "result")
        let refused = send(join("mallory@evil.example/bot", as: "Mallory"))
        #expect(condition(refused) == "forbidden")
        #expect(refused.first?.child("error")?["type"] == "auth")
    }

    // MARK: §7.2.18 (v1.32): a presence without the MUC element from a non-occupant

    /// A client out of step with the room (roomd restarted, its occupant forgotten) sends a plain presence
    /// update. Taken as a groupchat 1.0 join, it made the client an occupant it did not know it was, or created
    /// a room; XEP-0045 1.32 recommends telling it it is not in the room (110 + 307 + 333), so that it rejoins.
    @Test mutating func aPresenceWithoutTheMUCElementFromANonOccupantIsToldItIsNotInTheRoom() throws {
        func plain(_ session: String, _ to: String) -> XMLElement {
            stanza("presence", from: session, to: to, [text("show", "away")])
        }
        func codes(_ stanza: XMLElement) -> [String] {
            stanza.child("x", namespace: Namespace.mucUser)?.children("status").compactMap { $0["code"] } ?? []
        }
        // No such room: nothing is created.
        var out = send(plain(Self.romeo, "nowhere@chat.localhost/Romeo"))
        #expect(out.count == 1)
        #expect(out.first?["type"] == "unavailable" && out.first?["from"] == "nowhere@chat.localhost/Romeo")
        #expect(out.first?["to"] == Self.romeo)
        #expect(out.first.map(codes) == ["110", "307", "333"])
        #expect(out.first?.child("x", namespace: Namespace.mucUser)?.child("item")?["role"] == "none")
        #expect(registry.rooms.isEmpty)
        // A room the sender is not in: told so, not joined, and nobody else hears of it.
        threeInTheRoom()
        let before = try registry.room(garden).occupants
        out = send(plain("tybalt@localhost/x", "garden@chat.localhost/Tybalt"))
        #expect(out.count == 1 && out.first.map(codes) == ["110", "307", "333"])
        #expect(out.first?["to"] == "tybalt@localhost/x")
        #expect(try registry.room(garden).occupants == before)
        // An occupant's own presence update is one, as before.
        out = send(plain(Self.juliet, "garden@chat.localhost/Juliet"))
        #expect(out.count == 3 && out.allSatisfy { $0["type"] == nil })
    }
}
