import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Mediated invitations and declines (XEP-0045 §7.8.2) and the service policy's refusals, as stanzas.
@Suite struct MUCComponentInviteTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    func join(from: String, nick: String) -> XMLElement {
        XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": from, "to": "garden@chat.localhost/\(nick)"]
        ).adding(XMLElement("x", namespace: Namespace.muc))
    }

    func invite(from: String, _ invitees: [String], reason: String? = nil, type: String? = nil) -> XMLElement {
        var x = XMLElement("x", namespace: Namespace.mucUser)
        for invitee in invitees {
            var invite = XMLElement("invite", namespace: Namespace.mucUser, attributes: ["to": invitee])
            if let reason { invite.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: reason)) }
            x.append(invite)
        }
        var message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": from, "to": "garden@chat.localhost", "id": "i1"]
        ).adding(x)
        if let type { message["type"] = type }
        return message
    }

    func condition(_ stanza: XMLElement) -> String? {
        guard stanza["type"] == "error" else { return nil }
        return stanza.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors }?.name
    }

    /// A members-only room of Romeo's, configured.
    mutating func privateGroup(_ extra: [String: [String]] = [:]) {
        _ = send(join(from: Self.romeo, nick: "Romeo"))
        var fields: [String: [String]] = ["muc#roomconfig_membersonly": ["1"], "muc#roomconfig_persistentroom": ["1"]]
        fields.merge(extra) { $1 }
        _ = send(OwnerStanzas.submit(from: Self.romeo, fields))
    }

    @Test mutating func anOwnersInvitationToAMembersOnlyRoomMakesTheInviteeAMember() throws {
        privateGroup(["muc#roomconfig_roomsecret": ["capulet"]])
        let out = send(invite(from: Self.romeo, ["juliet@localhost"], reason: "Come"))
        // The membership it grants, told to the occupants who may see real JIDs (the owner), then the invitation.
        #expect(out.count == 2)
        let told = try #require(out.first)
        #expect(told.name == "message" && told["from"] == "garden@chat.localhost" && told["to"] == Self.romeo)
        let item = told.child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)
        #expect(item?["jid"] == "juliet@localhost" && item?["affiliation"] == "member")
        #expect(item?.child("reason", namespace: Namespace.mucUser)?.text == "Invited by \(Self.romeo)")
        let message = try #require(out.last)
        #expect(message["from"] == "garden@chat.localhost" && message["to"] == "juliet@localhost")
        #expect(message["id"] == "i1")
        let x = message.child("x", namespace: Namespace.mucUser)
        #expect(x?.child("invite", namespace: Namespace.mucUser)?["from"] == Self.romeo)
        #expect(
            x?.child("invite", namespace: Namespace.mucUser)?.child("reason", namespace: Namespace.mucUser)?.text
                == "Come")
        #expect(x?.child("password", namespace: Namespace.mucUser)?.text == "capulet")
        #expect(message.child("x", namespace: "jabber:x:conference")?["jid"] == "garden@chat.localhost")
        #expect(message.child("body")?.text == "\(Self.romeo) invited you to the room garden@chat.localhost (Come)")
        let juliet = try JID(parsing: "juliet@localhost")
        #expect(registry.rooms[garden]?.affiliations[juliet]?.affiliation == .member)
        #expect(registry.rooms[garden]?.affiliations[juliet]?.reason == "Invited by \(Self.romeo)")
    }

    @Test mutating func refusedInvitationsSendNothingAndChangeNothing() throws {
        privateGroup()
        // A member may not invite when the owner does not allow it.
        let member = try JID(parsing: "juliet@localhost")
        _ = try registry.setAffiliation(garden, jid: member, affiliation: .member, reason: nil, actor: nil)
        var out = send(invite(from: Self.juliet, ["nurse@localhost"]))
        #expect(out.count == 1 && condition(out[0]) == "forbidden")
        // Too many in one message: none goes.
        out = send(invite(from: Self.romeo, (0...MUCComponentService.maxInvitations).map { "u\($0)@localhost" }))
        #expect(out.count == 1 && condition(out[0]) == "policy-violation")
        // Not a JID, or an address of the service itself.
        out = send(invite(from: Self.romeo, ["nurse@localhost", "@@"]))
        #expect(out.count == 1 && condition(out[0]) == "jid-malformed")
        out = send(invite(from: Self.romeo, ["garden@chat.localhost/Romeo"]))
        #expect(out.count == 1 && condition(out[0]) == "jid-malformed")
        #expect(registry.rooms[garden]?.affiliations[try JID(parsing: "nurse@localhost")] == nil)
        // A muc#user element that is neither: bad-request.
        let other = XMLElement(
            "message", namespace: Namespace.component, attributes: ["from": Self.romeo, "to": "garden@chat.localhost"]
        ).adding(XMLElement("x", namespace: Namespace.mucUser).adding(XMLElement("item", namespace: Namespace.mucUser)))
        out = send(other)
        #expect(out.count == 1 && condition(out[0]) == "bad-request")
    }

    @Test mutating func aDeclineReachesTheInviterEvenFromOutside() throws {
        privateGroup()
        var decline = XMLElement("decline", namespace: Namespace.mucUser, attributes: ["to": "romeo@localhost"])
        decline.append(XMLElement("reason", namespace: Namespace.mucUser).adding(text: "Busy"))
        let message = XMLElement(
            "message", namespace: Namespace.component, attributes: ["from": Self.nurse, "to": "garden@chat.localhost"]
        ).adding(XMLElement("x", namespace: Namespace.mucUser).adding(decline))
        var out = send(message)
        #expect(out.count == 1)
        #expect(out[0]["to"] == "romeo@localhost" && out[0]["from"] == "garden@chat.localhost")
        let forwarded = out[0].child("x", namespace: Namespace.mucUser)?.child("decline", namespace: Namespace.mucUser)
        #expect(forwarded?["from"] == Self.nurse && forwarded?["to"] == nil)
        // To an occupant JID: that occupant's sessions.
        var toOccupant = message
        toOccupant.children = [
            .element(
                XMLElement("x", namespace: Namespace.mucUser).adding(
                    XMLElement(
                        "decline", namespace: Namespace.mucUser, attributes: ["to": "garden@chat.localhost/Romeo"])))
        ]
        out = send(toOccupant)
        #expect(out.map { $0["to"] } == [Self.romeo])
    }

    @Test mutating func aGroupchatOrChatMessageIsNotAnInvitation() throws {
        privateGroup()
        let out = send(invite(from: Self.romeo, ["juliet@localhost"], type: "chat"))
        #expect(out.count == 1 && condition(out[0]) == "bad-request")
        #expect(registry.rooms[garden]?.affiliations[try JID(parsing: "juliet@localhost")] == nil)
    }

    @Test mutating func restrictedCreationAndTheRoomLimitAnswerAsDocumented() throws {
        registry = RoomRegistry(
            services: ["chat.localhost"], policy: ServicePolicy(creation: .local, maxRoomsPerUser: 1))
        var out = send(join(from: "mallory@other.example/x", nick: "Mallory"))
        #expect(out.count == 1 && condition(out[0]) == "not-allowed")
        #expect(
            out[0].child("error")?.child("text", namespace: Namespace.stanzaErrors)?.text
                == "Room creation is restricted")
        #expect(registry.rooms[garden] == nil)
        out = send(join(from: Self.romeo, nick: "Romeo"))
        #expect(out.first?["type"] == nil)
        #expect(registry.rooms[garden]?.creator == (try JID(parsing: "romeo@localhost")))
        let orchard = XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": Self.romeo, "to": "orchard@chat.localhost/Romeo"]
        ).adding(XMLElement("x", namespace: Namespace.muc))
        out = send(orchard)
        #expect(out.count == 1 && condition(out[0]) == "policy-violation")
    }
}

extension MUCComponentInviteTests {
    /// disco#info's muc#roominfo says whether members may invite, as Prosody's does.
    @Test mutating func roomInfoSaysWhetherMembersMayInvite() throws {
        privateGroup()
        func allowInvites(_ registry: RoomRegistry) throws -> [String]? {
            let form = service.roomInfoForm(try registry.room(garden))
            return form.children("field", namespace: Namespace.dataForms)
                .first { $0["var"] == "muc#roomconfig_allowinvites" }?
                .children("value", namespace: Namespace.dataForms).map(\.text)
        }
        #expect(try allowInvites(registry) == ["0"])
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_allowinvites": ["1"]]))
        #expect(try allowInvites(registry) == ["1"])
        _ = send(
            OwnerStanzas.submit(
                from: Self.romeo, ["muc#roomconfig_membersonly": ["0"], "muc#roomconfig_allowinvites": ["0"]]))
        #expect(try allowInvites(registry) == ["1"])
    }
}

extension MUCComponentInviteTests {
    /// With a service-wide occupant limit the form offers no `maxusers` above it, and refuses one.
    @Test mutating func theFormKeepsMaxUsersUnderTheServiceLimit() throws {
        registry = RoomRegistry(services: ["chat.localhost"], policy: ServicePolicy(maxOccupants: 25))
        _ = send(join(from: Self.romeo, nick: "Romeo"))
        let reply = send(OwnerStanzas.iq(from: Self.romeo, to: "garden@chat.localhost", type: "get", nil))
        let form = reply.first?.child("query", namespace: Namespace.mucOwner)?.child(
            "x", namespace: Namespace.dataForms)
        let field = form?.children("field", namespace: Namespace.dataForms).first {
            $0["var"] == "muc#roomconfig_maxusers"
        }
        let offered = field?.children("option", namespace: Namespace.dataForms).compactMap {
            $0.child("value", namespace: Namespace.dataForms)?.text
        }
        #expect(offered == ["10", "20", "25", "none"])
        let refused = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_maxusers": ["30"]]))
        #expect(refused.count == 1 && condition(refused[0]) == "not-acceptable")
        #expect(registry.rooms[garden]?.locked == true)
        let accepted = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_maxusers": ["25"]]))
        #expect(accepted.last?["type"] == "result")
        #expect(registry.rooms[garden]?.configuration.maxUsers == 25)
    }
}
