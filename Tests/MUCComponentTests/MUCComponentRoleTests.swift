import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Role changes over muc#admin: voice (XEP-0045 §8.3–8.5) and moderator (§9.6–9.8), with the core's rule
/// of who may change whose role, all or nothing, and the presence everyone sees.
@Suite struct MUCComponentRoleTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    func admin(from: String, type: String = "set", _ items: [[String: String]], reason: String? = nil) -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.mucAdmin)
        for attributes in items {
            var item = XMLElement("item", namespace: Namespace.mucAdmin, attributes: attributes)
            if let reason { item.append(XMLElement("reason", namespace: Namespace.mucAdmin).adding(text: reason)) }
            query.append(item)
        }
        return stanza("iq", from: from, to: "garden@chat.localhost", type: type, id: "r1", [query])
    }

    func groupchat(from: String, id: String) -> XMLElement {
        stanza("message", from: from, to: "garden@chat.localhost", type: "groupchat", id: id, [text("body", "Hear me")])
    }

    func item(_ stanza: XMLElement) -> XMLElement? {
        stanza.child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)
    }

    func condition(_ stanza: XMLElement) -> String? {
        guard stanza["type"] == "error" else { return nil }
        return stanza.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors }?.name
    }

    /// Romeo (owner), Juliet (member) and the nurse (a visitor) in a moderated room.
    mutating func moderatedRoom() {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_moderatedroom": ["1"]]))
        _ = send(admin(from: Self.romeo, [["jid": "juliet@localhost", "affiliation": "member"]]))
        _ = send(join(Self.juliet, as: "Juliet"))
        _ = send(join(Self.nurse, as: "Nurse"))
    }

    func role(_ nick: String) -> Role? {
        registry.rooms[garden]?.occupants[try! Nickname(parsing: nick)]?.role
    }

    @Test mutating func voiceGrantedAndRevokedIsShownToEveryoneAndDecidesWhoSpeaks() throws {
        moderatedRoom()
        #expect(role("Nurse") == .visitor)
        var out = send(groupchat(from: Self.nurse, id: "m1"))
        #expect(out.count == 1 && condition(out[0]) == "forbidden")

        // §8.3: the nurse's presence with its new role, the actor and the reason, to everyone; then the result.
        out = send(admin(from: Self.romeo, [["nick": "Nurse", "role": "participant"]], reason: "Speak"))
        #expect(out.map { $0["to"] } == [Self.juliet, Self.nurse, Self.romeo, Self.romeo])
        for presence in out.prefix(3) {
            #expect(presence.name == "presence" && presence["type"] == nil)
            #expect(presence["from"] == "garden@chat.localhost/Nurse")
            #expect(item(presence)?["role"] == "participant" && item(presence)?["affiliation"] == "none")
            #expect(item(presence)?.child("actor", namespace: Namespace.mucUser)?["nick"] == "Romeo")
            #expect(item(presence)?.child("reason", namespace: Namespace.mucUser)?.text == "Speak")
        }
        #expect(out.prefix(3).map(codes) == [[], ["110"], []])
        #expect(out.prefix(3).map { item($0)?["jid"] } == [nil, Self.nurse, Self.nurse])
        #expect(out[3].name == "iq" && out[3]["type"] == "result" && out[3]["id"] == "r1")
        #expect(role("Nurse") == .participant)
        out = send(groupchat(from: Self.nurse, id: "m2"))
        #expect(out.count == 3 && out.allSatisfy { $0["type"] == "groupchat" })

        // §8.4: revoked again, she is a visitor whose messages are refused.
        out = send(admin(from: Self.romeo, [["nick": "Nurse", "role": "visitor"]]))
        #expect(out.prefix(3).allSatisfy { item($0)?["role"] == "visitor" && item($0)?.elements.count == 1 })
        out = send(groupchat(from: Self.nurse, id: "m3"))
        #expect(out.count == 1 && condition(out[0]) == "forbidden")
    }

    @Test mutating func moderatorIsGrantedByOwnersAndAdminsOnly() throws {
        moderatedRoom()
        var out = send(admin(from: Self.romeo, [["nick": "Juliet", "role": "moderator"]]))
        #expect(out.last?["type"] == "result")
        #expect(role("Juliet") == .moderator)
        // A moderator who is a member changes voices, not moderators.
        out = send(admin(from: Self.juliet, [["nick": "Nurse", "role": "moderator"]]))
        #expect(out.count == 1 && condition(out[0]) == "not-allowed")
        out = send(admin(from: Self.juliet, [["nick": "Nurse", "role": "participant"]]))
        #expect(out.last?["type"] == "result")
        // Nobody takes an owner's voice; a participant changes no role.
        out = send(admin(from: Self.romeo, [["nick": "Romeo", "role": "visitor"]]))
        #expect(out.count == 1 && condition(out[0]) == "not-allowed")
        out = send(admin(from: Self.nurse, [["nick": "Juliet", "role": "participant"]]))
        #expect(out.count == 1 && condition(out[0]) == "forbidden")
        out = send(admin(from: Self.romeo, [["nick": "Juliet", "role": "participant"]]))
        #expect(out.last?["type"] == "result")
        #expect(role("Juliet") == .participant)
    }

    @Test mutating func aListWithOneRefusedRoleChangesNothingAndSendsOnlyTheError() throws {
        moderatedRoom()
        let out = send(
            admin(
                from: Self.romeo,
                [["nick": "Nurse", "role": "participant"], ["nick": "Romeo", "role": "visitor"]]))
        #expect(out.count == 1 && condition(out[0]) == "not-allowed")
        #expect(role("Nurse") == .visitor && role("Romeo") == .moderator)
        // A role XEP-0045 does not define, as Prosody answers it; a nickname nobody holds.
        let unknown = send(admin(from: Self.romeo, [["nick": "Nurse", "role": "king"]]))
        #expect(unknown.count == 1 && condition(unknown[0]) == "not-acceptable")
        let nobody = send(admin(from: Self.romeo, [["nick": "Tybalt", "role": "participant"]]))
        #expect(nobody.count == 1 && condition(nobody[0]) == "item-not-found")
    }

    @Test mutating func theVoiceAndModeratorListsAreForModerators() throws {
        moderatedRoom()
        let voices = send(admin(from: Self.romeo, type: "get", [["role": "participant"]]))
        #expect(voices.count == 1 && voices[0]["type"] == "result")
        let items = voices[0].child("query", namespace: Namespace.mucAdmin)?.children(
            "item", namespace: Namespace.mucAdmin)
        #expect(
            items?.map { $0.attributes } == [
                ["affiliation": "member", "role": "participant", "jid": Self.juliet, "nick": "Juliet"]
            ])
        let moderators = send(admin(from: Self.romeo, type: "get", [["role": "moderator"]]))
        let listed = moderators[0].child("query", namespace: Namespace.mucAdmin)?.children(
            "item", namespace: Namespace.mucAdmin)
        #expect(listed?.map { $0["nick"] } == ["Romeo"])
        let refused = send(admin(from: Self.juliet, type: "get", [["role": "participant"]]))
        #expect(refused.count == 1 && condition(refused[0]) == "forbidden")
        // An owner who is not in the room would be a moderator: it may ask, as in Prosody.
        let outside = send(admin(from: "romeo@localhost/phone", type: "get", [["role": "visitor"]]))
        #expect(outside[0]["type"] == "result")
    }
}
