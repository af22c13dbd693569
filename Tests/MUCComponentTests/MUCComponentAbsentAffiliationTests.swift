import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// The affiliation change of a user who is not in the room, told to the occupants who may see real JIDs in
/// a message from the room (XEP-0045 v1.31.2 example 195), as Prosody 0.12's `set_affiliation` does.
@Suite struct MUCComponentAbsentAffiliationTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"

    func admin(from: String, jid: String, affiliation: String, reason: String? = nil) -> XMLElement {
        var item = XMLElement(
            "item", namespace: Namespace.mucAdmin, attributes: ["jid": jid, "affiliation": affiliation])
        if let reason { item.append(XMLElement("reason", namespace: Namespace.mucAdmin).adding(text: reason)) }
        let query = XMLElement("query", namespace: Namespace.mucAdmin).adding(item)
        return stanza("iq", from: from, to: "garden@chat.localhost", type: "set", id: "a1", [query])
    }

    func item(_ stanza: XMLElement) -> XMLElement? {
        stanza.child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)
    }

    /// Romeo (owner, moderator) and Juliet (participant) in a room configured with `fields`.
    mutating func twoInTheRoom(_ fields: [String: [String]] = [:]) {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.submit(from: Self.romeo, fields))
        _ = send(join(Self.juliet, as: "Juliet"))
    }

    @Test mutating func aSemiAnonymousRoomTellsItsModeratorsOnly() throws {
        twoInTheRoom()
        let out = send(admin(from: Self.romeo, jid: "nurse@localhost", affiliation: "member", reason: "Kin"))
        #expect(out.count == 2)
        let told = out[0]
        #expect(told.name == "message" && told["from"] == "garden@chat.localhost" && told["to"] == Self.romeo)
        #expect(told["type"] == nil && told["id"] == nil)
        #expect(codes(told) == [])
        // The bare JID, the new affiliation and the reason; no role (the user has none), no actor.
        #expect(item(told)?["jid"] == "nurse@localhost" && item(told)?["affiliation"] == "member")
        #expect(item(told)?["role"] == nil && item(told)?["nick"] == nil)
        #expect(item(told)?.elements.map(\.name) == ["reason"])
        #expect(item(told)?.child("reason", namespace: Namespace.mucUser)?.text == "Kin")
        #expect(out[1].name == "iq" && out[1]["type"] == "result")
    }

    @Test mutating func aNonAnonymousRoomTellsEveryoneAndABanSays301() throws {
        twoInTheRoom(["muc#roomconfig_whois": ["anyone"]])
        let out = send(admin(from: Self.romeo, jid: "tybalt@localhost", affiliation: "outcast"))
        #expect(out.filter { $0.name == "message" }.map { $0["to"] } == [Self.juliet, Self.romeo])
        #expect(out.filter { $0.name == "message" }.map(codes) == [["301"], ["301"]])
        #expect(item(out[0])?["affiliation"] == "outcast" && item(out[0])?.elements.isEmpty == true)
    }

    @Test mutating func aMembershipRevokedInAMembersOnlyRoomSays321() throws {
        twoInTheRoom(["muc#roomconfig_membersonly": ["1"]])
        _ = send(admin(from: Self.romeo, jid: "nurse@localhost", affiliation: "member"))
        let out = send(admin(from: Self.romeo, jid: "nurse@localhost", affiliation: "none"))
        #expect(out.count == 2)
        #expect(codes(out[0]) == ["321"] && item(out[0])?["affiliation"] == "none")
    }

    @Test mutating func aChangeThatReachesOccupantsIsToldByTheirPresencesAlone() throws {
        twoInTheRoom()
        var out = send(admin(from: Self.romeo, jid: "juliet@localhost", affiliation: "member"))
        #expect(out.filter { $0.name == "message" }.isEmpty)
        #expect(out.filter { $0.name == "presence" }.count == 2)
        out = send(admin(from: Self.romeo, jid: "juliet@localhost", affiliation: "outcast"))
        #expect(out.filter { $0.name == "message" }.isEmpty)
        #expect(out.filter { $0.name == "presence" }.map(codes) == [["110", "301"], ["301"]])
        // The creator's own affiliation, given as its join creates the room, is told by its join.
        registry = RoomRegistry(services: ["chat.localhost"])
        out = send(join(Self.romeo, as: "Romeo"))
        #expect(out.map(\.name) == ["presence", "message"])
        #expect(out[1].child("subject") != nil && out[1].child("x", namespace: Namespace.mucUser) == nil)
    }
}
