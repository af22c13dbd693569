import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Transcript tests in the manner of Prosody's scansion specs: "Romeo sends ..., Romeo receives ...".
@Suite struct MUCComponentServiceTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    func presence(from: String, to: String, type: String? = nil) -> XMLElement {
        var stanza = XMLElement("presence", namespace: Namespace.component, attributes: ["from": from, "to": to])
        if let type { stanza["type"] = type }
        stanza.append(XMLElement("x", namespace: Namespace.muc))
        return stanza
    }

    /// Sends a stanza the way roomd does: `before`, then the events' presences, then `after`.
    func item(_ stanza: XMLElement) -> XMLElement? {
        stanza.child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)
    }

    /// Romeo's join creates the room, and his empty form (§10.1.2) unlocks it for the others.
    @discardableResult
    mutating func createInstantRoom() -> [XMLElement] {
        let out = send(presence(from: Self.romeo, to: "garden@chat.localhost/Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        return out
    }

    mutating func threeInTheRoom() {
        createInstantRoom()
        _ = send(presence(from: Self.juliet, to: "garden@chat.localhost/Juliet"))
        _ = send(presence(from: Self.nurse, to: "garden@chat.localhost/Nurse"))
    }

    @Test mutating func firstJoinCreatesAnInstantRoomOwnedByTheCreator() throws {
        let out = send(presence(from: Self.romeo, to: "Garden@Chat.Localhost/Romeo"))
        #expect(out.count == 2)
        let selfPresence = out[0]
        #expect(selfPresence["from"] == "garden@chat.localhost/Romeo")
        #expect(selfPresence["to"] == Self.romeo)
        #expect(item(selfPresence)?["affiliation"] == "owner")
        #expect(item(selfPresence)?["role"] == "moderator")
        #expect(item(selfPresence)?["jid"] == Self.romeo)
        #expect(codes(selfPresence) == ["110", "201"])
        #expect(out[1].name == "message" && out[1].child("subject") != nil && out[1]["type"] == "groupchat")
        let room = try registry.room(try RoomAddress(parsing: "garden@chat.localhost"))
        #expect(!room.configuration.persistent)
        #expect(room.affiliation(of: try JID(parsing: Self.romeo)) == .owner)
    }

    @Test mutating func joinerGetsTheOccupantsFirstThenOthersSeeItSemiAnonymously() {
        createInstantRoom()
        let out = send(presence(from: Self.juliet, to: "garden@chat.localhost/Juliet"))
        // Romeo's presence to Juliet, Juliet's to Romeo (moderator: sees her JID), Juliet's self-presence, subject.
        #expect(out.map { $0["to"] } == [Self.juliet, Self.romeo, Self.juliet, Self.juliet])
        #expect(out[0]["from"] == "garden@chat.localhost/Romeo")
        #expect(item(out[0])?["jid"] == nil, "a participant does not see real JIDs")
        #expect(item(out[1])?["jid"] == Self.juliet, "a moderator sees real JIDs")
        #expect(codes(out[2]) == ["110"])
        #expect(item(out[2])?["role"] == "participant")
    }

    @Test mutating func nicknameConflictIs409AndBansAreForbidden() throws {
        createInstantRoom()
        let conflict = send(presence(from: Self.juliet, to: "garden@chat.localhost/Romeo"))
        #expect(conflict.count == 1)
        #expect(conflict[0]["type"] == "error")
        #expect(conflict[0].child("error")?.child("conflict", namespace: Namespace.stanzaErrors) != nil)
        _ = try registry.setAffiliation(
            try RoomAddress(parsing: "garden@chat.localhost"), jid: try JID(parsing: Self.nurse), affiliation: .outcast,
            reason: nil, actor: nil)
        let banned = send(presence(from: Self.nurse, to: "garden@chat.localhost/Nurse"))
        try #require(banned.count == 1)
        #expect(banned[0].child("error")?["type"] == "auth")
        #expect(banned[0].child("error")?.child("forbidden", namespace: Namespace.stanzaErrors) != nil)
    }

    func adminKick(from: String, nick: String, reason: String?) -> XMLElement {
        var item = XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["nick": nick, "role": "none"])
        if let reason { item.append(XMLElement("reason", namespace: Namespace.mucAdmin).adding(text: reason)) }
        return XMLElement(
            "iq", namespace: Namespace.component,
            attributes: ["from": from, "to": "garden@chat.localhost", "type": "set", "id": "kick1"]
        ).adding(XMLElement("query", namespace: Namespace.mucAdmin).adding(item))
    }

    @Test mutating func moderatorKickSendsTheXEP0045Presences() {
        threeInTheRoom()
        let out = send(adminKick(from: Self.romeo, nick: "Nurse", reason: "Too talkative"))
        let toNurse = out.filter { $0["to"] == Self.nurse }
        #expect(toNurse.count == 1)
        let kicked = toNurse[0]
        #expect(kicked["type"] == "unavailable")
        #expect(kicked["from"] == "garden@chat.localhost/Nurse")
        #expect(item(kicked)?["role"] == "none")
        #expect(item(kicked)?["affiliation"] == "none")
        #expect(item(kicked)?.child("reason")?.text == "Too talkative")
        #expect(item(kicked)?.child("actor")?["nick"] == "Romeo")
        #expect(codes(kicked) == ["110", "307"])
        let others = out.filter { $0.name == "presence" && $0["to"] != Self.nurse }
        #expect(Set(others.compactMap { $0["to"] }) == [Self.romeo, Self.juliet])
        for presence in others {
            #expect(codes(presence) == ["307"])
            #expect(item(presence)?.child("reason")?.text == "Too talkative")
        }
        #expect(item(others.first { $0["to"] == Self.romeo }!)?["jid"] == Self.nurse)
        #expect(item(others.first { $0["to"] == Self.juliet }!)?["jid"] == nil)
        let result = out.last!
        #expect(result.name == "iq" && result["type"] == "result" && result["id"] == "kick1" && result["to"] == Self.romeo)
    }

    @Test mutating func kickPermissionRulesOfSection8_2() throws {
        threeInTheRoom()
        let byParticipant = send(adminKick(from: Self.juliet, nick: "Nurse", reason: nil))
        #expect(byParticipant.count == 1)
        #expect(byParticipant[0].child("error")?.child("forbidden", namespace: Namespace.stanzaErrors) != nil)
        let missing = send(adminKick(from: Self.romeo, nick: "Tybalt", reason: nil))
        #expect(missing[0].child("error")?.child("item-not-found", namespace: Namespace.stanzaErrors) != nil)
        // Juliet becomes admin (moderator); she may not kick the owner.
        _ = try registry.setAffiliation(
            try RoomAddress(parsing: "garden@chat.localhost"), jid: try JID(parsing: Self.juliet), affiliation: .admin,
            reason: nil, actor: nil)
        let atOwner = send(adminKick(from: Self.juliet, nick: "Romeo", reason: nil))
        #expect(atOwner[0].child("error")?.child("not-allowed", namespace: Namespace.stanzaErrors) != nil)
    }

    @Test mutating func controlSocketKickReachesXMPPOccupantsWithoutActorOrReasonWhenNone() throws {
        threeInTheRoom()
        let events = try registry.kick(
            try RoomAddress(parsing: "garden@chat.localhost"), target: .nick(try Nickname(parsing: "Juliet")), reason: nil,
            by: .system(name: nil, protectPrivileged: false))
        let out = service.render(events, registry: registry)
        let toJuliet = out.first { $0["to"] == Self.juliet }!
        #expect(codes(toJuliet) == ["110", "307"])
        #expect(item(toJuliet)?.child("reason") == nil)
        #expect(item(toJuliet)?.child("actor") == nil)
        #expect(out.count == 3)
    }

    @Test mutating func banOverXMPPIs301AndRejoinIsRefused() {
        threeInTheRoom()
        let ban = XMLElement(
            "iq", namespace: Namespace.component,
            attributes: ["from": Self.romeo, "to": "garden@chat.localhost", "type": "set", "id": "ban1"]
        ).adding(
            XMLElement("query", namespace: Namespace.mucAdmin).adding(
                XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["jid": "nurse@localhost", "affiliation": "outcast"])))
        let out = send(ban)
        let toNurse = out.first { $0["to"] == Self.nurse }!
        #expect(codes(toNurse) == ["110", "301"])
        #expect(item(toNurse)?["affiliation"] == "outcast")
        let again = send(presence(from: Self.nurse, to: "garden@chat.localhost/Nurse"))
        #expect(again[0].child("error")?.child("forbidden", namespace: Namespace.stanzaErrors) != nil)
    }

    @Test mutating func aChangeListWithOneBadItemChangesNothing() throws {
        threeInTheRoom()
        let list = XMLElement(
            "iq", namespace: Namespace.component,
            attributes: ["from": Self.romeo, "to": "garden@chat.localhost", "type": "set", "id": "list1"]
        ).adding(
            XMLElement("query", namespace: Namespace.mucAdmin)
                .adding(XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["jid": "nurse@localhost", "affiliation": "outcast"]))
                .adding(XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["nick": "Juliet", "role": "none"]))
                .adding(XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["nick": "Juliet", "role": "moderator"])))
        let out = send(list)
        // Only the error goes out: no 301 for the nurse, no 307 for Juliet.
        #expect(out.count == 1)
        #expect(out[0]["type"] == "error" && out[0]["to"] == Self.romeo)
        let room = try registry.room(try RoomAddress(parsing: "garden@chat.localhost"))
        #expect(room.occupants.count == 3)
        #expect(room.affiliation(of: try JID(parsing: Self.nurse)) == Affiliation.none)
    }

    @Test mutating func nickChangeIs303ThenTheNewPresence() {
        threeInTheRoom()
        let out = send(presence(from: Self.juliet, to: "garden@chat.localhost/Jules"))
        let toJuliet = out.filter { $0["to"] == Self.juliet }
        #expect(toJuliet.count == 2)
        #expect(toJuliet[0]["type"] == "unavailable" && toJuliet[0]["from"] == "garden@chat.localhost/Juliet")
        #expect(item(toJuliet[0])?["nick"] == "Jules")
        #expect(codes(toJuliet[0]) == ["303", "110"])
        #expect(toJuliet[1]["type"] == nil && toJuliet[1]["from"] == "garden@chat.localhost/Jules")
        #expect(codes(toJuliet[1]) == ["110"])
    }

    @Test mutating func groupchatIsReflectedToEveryoneFromTheOccupantJID() {
        threeInTheRoom()
        let message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.juliet, "to": "garden@chat.localhost", "type": "groupchat", "id": "m1"]
        ).adding(XMLElement("body", namespace: Namespace.component).adding(text: "Wherefore art thou?"))
        let out = send(message)
        #expect(out.count == 3)
        #expect(Set(out.compactMap { $0["to"] }) == [Self.romeo, Self.juliet, Self.nurse])
        #expect(out.allSatisfy { $0["from"] == "garden@chat.localhost/Juliet" && $0.child("body")?.text == "Wherefore art thou?" })
        let stranger = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": "tybalt@localhost/x", "to": "garden@chat.localhost", "type": "groupchat"])
        #expect(send(stranger)[0].child("error")?.child("not-acceptable", namespace: Namespace.stanzaErrors) != nil)
    }

    @Test mutating func aReflectedMessageCarriesOnlyWhatTheRoomMeansToSend() {
        threeInTheRoom()
        let message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: [
                "from": Self.juliet, "to": "garden@chat.localhost", "type": "groupchat", "id": "m2",
                "xml:lang": "it", "evil": "yes", "nick": "Romeo",
            ]
        )
        .adding(XMLElement("body", namespace: Namespace.component).adding(text: "Ciao"))
        .adding(
            XMLElement("x", namespace: Namespace.mucUser).adding(
                XMLElement("status", namespace: Namespace.mucUser, attributes: ["code": "307"])))
        let out = send(message)
        #expect(out.count == 3)
        for copy in out {
            #expect(Set(copy.attributes.keys) == ["from", "to", "type", "id", "xml:lang"])
            #expect(copy["from"] == "garden@chat.localhost/Juliet" && copy["id"] == "m2" && copy["xml:lang"] == "it")
            #expect(copy.child("body")?.text == "Ciao")
            // Only the room speaks muc#user: a sender's fake status codes are not passed on.
            #expect(copy.child("x", namespace: Namespace.mucUser) == nil)
        }
    }

    @Test mutating func aPrivateMessageIsRebuiltAndATypeGroupchatOneIsRefused() {
        threeInTheRoom()
        let pm = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.juliet, "to": "garden@chat.localhost/Romeo", "type": "chat", "id": "p1", "evil": "1"]
        ).adding(XMLElement("body", namespace: Namespace.component).adding(text: "psst"))
        let out = send(pm)
        #expect(out.count == 1)
        #expect(Set(out[0].attributes.keys) == ["from", "to", "type", "id"])
        #expect(out[0]["from"] == "garden@chat.localhost/Juliet" && out[0]["to"] == Self.romeo)
        #expect(out[0].children("x", namespace: Namespace.mucUser).count == 1)

        var fake = pm
        fake["type"] = "groupchat"
        let refused = send(fake)
        #expect(refused.count == 1)
        #expect(refused[0]["to"] == Self.juliet && refused[0]["type"] == "error")
        #expect(refused[0].child("error")?.child("bad-request", namespace: Namespace.stanzaErrors) != nil)
    }

    @Test mutating func presenceDetailsAreRebuiltAndAControlCharacterStatusIsRefused() {
        createInstantRoom()
        var juliet = presence(from: Self.juliet, to: "garden@chat.localhost/Juliet")
        juliet.append(
            XMLElement("status", namespace: Namespace.component, attributes: ["xml:lang": "en", "evil": "1"])
                .adding(text: "away"))
        let out = send(juliet)
        let toRomeo = out.first { $0.name == "presence" && $0["to"] == Self.romeo }!
        let status = toRomeo.child("status", namespace: Namespace.component)!
        #expect(status.text == "away" && status.attributes == ["xml:lang": "en"])

        var nurse = presence(from: Self.nurse, to: "garden@chat.localhost/Nurse")
        nurse.append(XMLElement("status", namespace: Namespace.component).adding(text: "\u{9B}2J"))
        let refused = send(nurse)
        #expect(refused.count == 1 && refused[0]["type"] == "error")
        #expect(refused[0].child("error")?.child("bad-request", namespace: Namespace.stanzaErrors) != nil)
        #expect((try? registry.room(try RoomAddress(parsing: "garden@chat.localhost")))?.occupants.count == 2)
    }

    @Test mutating func leavingTellsEveryoneAndTheLastOneTakesTheTemporaryRoomAway() {
        createInstantRoom()
        _ = send(presence(from: Self.juliet, to: "garden@chat.localhost/Juliet"))
        let out = send(presence(from: Self.juliet, to: "garden@chat.localhost/Juliet", type: "unavailable"))
        #expect(out.count == 2)
        #expect(codes(out.first { $0["to"] == Self.juliet }!) == ["110"])
        _ = send(presence(from: Self.romeo, to: "garden@chat.localhost/Romeo", type: "unavailable"))
        #expect(registry.rooms.isEmpty)
    }

    @Test mutating func discoDescribesTheServiceAndItsRooms() {
        _ = send(presence(from: Self.romeo, to: "garden@chat.localhost/Romeo"))
        // Made public by its owner: a room made by a join is hidden until then (Prosody 0.12's default).
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_publicroom": ["1"]]))
        let info = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "chat.localhost", "type": "get", "id": "d1"]
            ).adding(XMLElement("query", namespace: Namespace.discoInfo)))
        let query = info[0].child("query", namespace: Namespace.discoInfo)
        #expect(query?.child("identity")?["category"] == "conference")
        #expect(query?.children("feature").contains { $0["var"] == Namespace.muc } == true)
        // XEP-0045 §7.4: the reflected `id` is advertised by its full feature name, on the service and its rooms.
        let stableID = "http://jabber.org/protocol/muc#stable_id"
        #expect(query?.children("feature").contains { $0["var"] == stableID } == true)
        let items = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "chat.localhost", "type": "get", "id": "d2"]
            ).adding(XMLElement("query", namespace: Namespace.discoItems)))
        #expect(items[0].child("query")?.children("item").map { $0["jid"] } == ["garden@chat.localhost"])
        let roomInfo = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "garden@chat.localhost", "type": "get", "id": "d3"]
            ).adding(XMLElement("query", namespace: Namespace.discoInfo)))
        #expect(roomInfo[0].child("query")?.children("feature").contains { $0["var"] == "muc_semianonymous" } == true)
        #expect(roomInfo[0].child("query")?.children("feature").contains { $0["var"] == stableID } == true)
    }
}

@Suite struct MUCComponentPresenceDetailsTests {
    @Test func onlyValidShowPriorityAndAllowedStatusArePassedOn() {
        var stanza = XMLElement("presence", namespace: Namespace.component)
        stanza.append(XMLElement("show", namespace: Namespace.component).adding(text: "away"))
        stanza.append(XMLElement("show", namespace: Namespace.component).adding(text: String(repeating: "x", count: 5000)))
        stanza.append(XMLElement("priority", namespace: Namespace.component).adding(text: "5"))
        stanza.append(XMLElement("priority", namespace: Namespace.component).adding(text: "99999"))
        stanza.append(XMLElement("status", namespace: Namespace.component).adding(text: "gone"))
        stanza.append(XMLElement("status", namespace: Namespace.component).adding(text: "\u{9B}2J"))
        stanza.append(XMLElement("status", namespace: Namespace.component).adding(text: String(repeating: "s", count: 2000)))
        let details = MUCComponentService.details(of: stanza)
        #expect(details.map { "\($0.name)=\($0.text)" } == ["show=away", "priority=5", "status=gone"])
    }
}
