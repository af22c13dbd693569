import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// What XMPP occupants receive when a members-only room removes someone: §10.2 (322, the room made
/// members-only) and §9.4 (321, a membership revoked), as Prosody's MUC sends them.
@Suite struct MUCComponentMembersOnlyTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    func admin(from: String, jid: String, affiliation: String) -> XMLElement {
        let query = XMLElement("query", namespace: Namespace.mucAdmin).adding(
            XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["jid": jid, "affiliation": affiliation]))
        return stanza("iq", from: from, to: "garden@chat.localhost", type: "set", id: "a1", [query])
    }

    func item(_ stanza: XMLElement) -> XMLElement? {
        stanza.child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)
    }

    /// Romeo (owner), Juliet (member) and the nurse (no affiliation) in an open room.
    mutating func threeInTheRoom() {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(join(Self.juliet, as: "Juliet"))
        _ = send(join(Self.nurse, as: "Nurse"))
        _ = send(admin(from: Self.romeo, jid: "juliet@localhost", affiliation: "member"))
    }

    @Test mutating func theNurseIsRemovedWith322ThenTheOthersAreToldOfTheChange() throws {
        threeInTheRoom()
        let out = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_membersonly": ["1"]]))
        let removals = out.filter { $0.name == "presence" }
        #expect(removals.map { $0["to"] } == [Self.nurse, Self.juliet, Self.romeo])
        #expect(removals.allSatisfy { $0["type"] == "unavailable" && $0["from"] == "garden@chat.localhost/Nurse" })
        #expect(removals.map(codes) == [["110", "322"], ["322"], ["322"]])
        #expect(removals.map { item($0)?["affiliation"] } == ["none", "none", "none"])
        #expect(removals.map { item($0)?["role"] } == ["none", "none", "none"])
        // Real JIDs to the moderator and to the removed occupant itself; no actor, no reason.
        #expect(removals.map { item($0)?["jid"] } == [Self.nurse, nil, Self.nurse])
        #expect(removals.allSatisfy { item($0)?.elements.isEmpty == true })
        // The removals, then the notice (104) to those who stay, then the answer.
        #expect(out.count == 6)
        #expect(out[3].name == "message" && codes(out[3]) == ["104"])
        #expect(out[3..<5].map { $0["to"] } == [Self.juliet, Self.romeo])
        #expect(out[5].name == "iq" && out[5]["type"] == "result")
        #expect(registry.rooms[garden]?.occupants.count == 2)
    }

    @Test mutating func aRevokedMemberIsRemovedWith321NamingTheActor() throws {
        threeInTheRoom()
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_membersonly": ["1"]]))
        let out = send(admin(from: Self.romeo, jid: "juliet@localhost", affiliation: "none"))
        #expect(out.map { $0["to"] } == [Self.juliet, Self.romeo, Self.romeo])
        #expect(out[0...1].map(codes) == [["110", "321"], ["321"]])
        #expect(out[0...1].allSatisfy { $0["type"] == "unavailable" && $0["from"] == "garden@chat.localhost/Juliet" })
        #expect(out[0...1].map { item($0)?["affiliation"] } == ["none", "none"])
        #expect(
            out[0...1].map { item($0)?.child("actor", namespace: Namespace.mucUser)?["nick"] } == ["Romeo", "Romeo"])
        #expect(out[2].name == "iq" && out[2]["type"] == "result")
        #expect(registry.rooms[garden]?.occupants.count == 1)
        // Not a ban: once a member again, she comes back.
        _ = send(admin(from: Self.romeo, jid: "juliet@localhost", affiliation: "member"))
        #expect(send(join(Self.juliet, as: "Juliet")).last?.child("subject") != nil)
    }
}
