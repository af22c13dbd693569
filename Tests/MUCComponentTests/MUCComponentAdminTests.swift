import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// muc#admin change lists over XMPP: all or nothing, with the core's rule deciding.
@Suite struct MUCComponentAdminTests {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    mutating func join(_ session: String, as nick: String) {
        let stanza = XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": session, "to": "garden@chat.localhost/\(nick)"]
        ).adding(XMLElement("x", namespace: Namespace.muc))
        let outcome = service.handle(stanza, registry: &registry)
        // The creator's empty form (XEP-0045 §10.1.2) unlocks a room its join created, for the others.
        if outcome.events.contains(where: { if case .created = $0 { true } else { false } }) {
            _ = service.handle(OwnerStanzas.instant(from: session), registry: &registry)
        }
    }

    /// Romeo (owner), Juliet (made admin), the nurse.
    mutating func threeInTheRoom() throws {
        join(Self.romeo, as: "Romeo")
        join(Self.juliet, as: "Juliet")
        join(Self.nurse, as: "Nurse")
        _ = try registry.setAffiliation(
            garden, jid: try JID(parsing: Self.juliet), affiliation: .admin, reason: nil, actor: nil)
    }

    func list(from: String, _ items: [[String: String]]) -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.mucAdmin)
        for attributes in items {
            query.append(XMLElement("item", namespace: Namespace.mucAdmin, attributes: attributes))
        }
        return XMLElement(
            "iq", namespace: Namespace.component,
            attributes: ["from": from, "to": "garden@chat.localhost", "type": "set", "id": "list"]
        ).adding(query)
    }

    func condition(_ outcome: StanzaOutcome) -> String? {
        guard outcome.before.count == 1, outcome.before[0]["type"] == "error" else { return nil }
        return outcome.before[0].child("error")?.elements.first?.name
    }

    /// Fails on the code before change lists were all or nothing: the nurse's kick stayed applied.
    @Test mutating func twoKicksWhereTheSecondIsRefusedKickNobody() throws {
        try threeInTheRoom()
        let before = try registry.room(garden)
        let outcome = service.handle(
            list(from: Self.juliet, [["nick": "Nurse", "role": "none"], ["nick": "Romeo", "role": "none"]]),
            registry: &registry)
        #expect(condition(outcome) == "not-allowed")
        #expect(outcome.events.isEmpty && outcome.after.isEmpty)
        #expect(service.render(outcome.events, registry: registry).isEmpty)
        let after = try registry.room(garden)
        #expect(after.occupants == before.occupants)
        #expect(after.affiliations == before.affiliations)
    }

    @Test mutating func aMalformedItemAfterAGoodOneChangesNothing() throws {
        try threeInTheRoom()
        let before = try registry.room(garden)
        // A role XEP-0045 does not define is not-acceptable (as Prosody answers), a role without a nick, an
        // unknown affiliation and an item that names neither a role nor an affiliation are bad requests; a JID
        // that does not parse is jid-malformed (RFC 6120 §8.3.3.8, as Prosody answers).
        for (bad, expected) in [
            (["nick": "Juliet", "role": "king"], "not-acceptable"), (["role": "visitor"], "bad-request"),
            (["affiliation": "emperor", "jid": "nurse@localhost"], "bad-request"), (["x": "y"], "bad-request"),
            (["affiliation": "outcast", "jid": "tybalt@@localhost"], "jid-malformed"),
            (["affiliation": "outcast"], "bad-request"),
        ] {
            let outcome = service.handle(
                list(from: Self.romeo, [["jid": "nurse@localhost", "affiliation": "outcast"], bad]), registry: &registry
            )
            #expect(condition(outcome) != nil, "\(bad)")
            #expect(condition(outcome) == expected, "\(bad)")
            #expect(outcome.events.isEmpty)
            #expect(try registry.room(garden).occupants == before.occupants)
            #expect(try registry.room(garden).affiliations == before.affiliations)
        }
    }

    /// The error is the first bad item's, as if the items were taken one by one: an earlier item the core
    /// refuses wins over a later malformed one, and the list changes nothing.
    @Test mutating func anEarlierRefusalWinsOverALaterMalformedItem() throws {
        try threeInTheRoom()
        let before = try registry.room(garden)
        for (items, expected) in [
            // An admin may not kick an owner.
            ([["nick": "Romeo", "role": "none"], ["x": "y"]], "not-allowed"),
            // Nor make anyone an owner.
            (
                [
                    ["jid": "nurse@localhost", "affiliation": "owner"],
                    ["affiliation": "emperor", "jid": "nurse@localhost"],
                ], "not-allowed"
            ),
            // The second kick names someone the first removed.
            ([["nick": "Nurse", "role": "none"], ["nick": "Nurse", "role": "none"], ["x": "y"]], "item-not-found"),
        ] {
            let outcome = service.handle(list(from: Self.juliet, items), registry: &registry)
            #expect(condition(outcome) == expected, "\(items)")
            #expect(outcome.events.isEmpty && outcome.after.isEmpty, "\(items)")
            #expect(service.render(outcome.events, registry: registry).isEmpty)
            let after = try registry.room(garden)
            #expect(after.occupants == before.occupants, "\(items)")
            #expect(after.affiliations == before.affiliations, "\(items)")
        }
    }

    @Test mutating func aKickOfSomeoneAnEarlierItemRemovedIsItemNotFoundAndChangesNothing() throws {
        try threeInTheRoom()
        let outcome = service.handle(
            list(from: Self.romeo, [["nick": "Nurse", "role": "none"], ["nick": "Nurse", "role": "none"]]),
            registry: &registry)
        #expect(condition(outcome) == "item-not-found")
        #expect(try registry.room(garden).occupants.count == 3)
    }

    @Test mutating func aWholeListThatPassesIsAppliedAndAnsweredOnce() throws {
        try threeInTheRoom()
        let outcome = service.handle(
            list(
                from: Self.romeo,
                [["nick": "Nurse", "role": "none"], ["jid": "juliet@localhost", "affiliation": "member"]]),
            registry: &registry)
        #expect(outcome.before.isEmpty)
        #expect(outcome.events.count == 2)
        #expect(outcome.after.count == 1 && outcome.after[0]["type"] == "result")
        let room = try registry.room(garden)
        #expect(room.occupants.count == 2)
        #expect(room.affiliation(of: try JID(parsing: Self.juliet)) == .member)
    }

    @Test mutating func refusalsKeepXEP0045sConditions() throws {
        try threeInTheRoom()
        // A participant may not kick (forbidden), even with a role it could not ask for.
        #expect(
            condition(
                service.handle(list(from: Self.nurse, [["nick": "Romeo", "role": "moderator"]]), registry: &registry))
                == "forbidden")
        // A moderator taking an admin's voice, which §8.4 lets nobody do.
        #expect(
            condition(
                service.handle(list(from: Self.romeo, [["nick": "Juliet", "role": "visitor"]]), registry: &registry))
                == "not-allowed")
        // An admin may not make anyone an owner, nor change an affiliation at all as a plain member.
        #expect(
            condition(
                service.handle(
                    list(from: Self.juliet, [["jid": "nurse@localhost", "affiliation": "owner"]]), registry: &registry))
                == "not-allowed")
        #expect(
            condition(
                service.handle(
                    list(from: Self.nurse, [["jid": "juliet@localhost", "affiliation": "none"]]), registry: &registry))
                == "forbidden")
        #expect(try registry.room(garden).occupants.count == 3)
    }

    /// §7.11, as Prosody: in a members-only room that shows real JIDs to everyone, a member may get the
    /// affiliation lists (Conversations reads them to show a private group's members); elsewhere only owners
    /// and admins may.
    @Test mutating func aMemberOfAPrivateGroupGetsTheMemberList() throws {
        try threeInTheRoom()
        _ = try registry.setAffiliation(
            garden, jid: try JID(parsing: Self.nurse), affiliation: .member, reason: nil, actor: nil)
        func memberList(from: String) -> StanzaOutcome {
            let query = XMLElement("query", namespace: Namespace.mucAdmin).adding(
                XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["affiliation": "member"]))
            return service.handle(
                XMLElement(
                    "iq", namespace: Namespace.component,
                    attributes: ["from": from, "to": "garden@chat.localhost", "type": "get", "id": "m"]
                ).adding(query), registry: &registry)
        }
        #expect(condition(memberList(from: Self.nurse)) == "forbidden")
        var configuration = try registry.room(garden).configuration
        configuration.membersOnly = true
        _ = try registry.configure(garden, configuration)
        #expect(condition(memberList(from: Self.nurse)) == "forbidden")
        configuration.whois = .anyone
        _ = try registry.configure(garden, configuration)
        let answer = memberList(from: Self.nurse)
        #expect(answer.after.first?["type"] == "result")
        let items = answer.after.first?.child("query", namespace: Namespace.mucAdmin)?.children("item") ?? []
        #expect(items.map { $0["jid"] } == ["nurse@localhost"])
        // Someone who is not a member still may not.
        #expect(condition(memberList(from: "tybalt@localhost/x")) == "forbidden")
    }
}
