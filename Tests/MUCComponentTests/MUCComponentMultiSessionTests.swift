import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// XEP-0045 §7.2.2: one user joined under one nickname from two resources, shown as Prosody 0.12 shows it.
/// Juliet's balcony session joins first, her chamber session second; Romeo is the owner (a moderator: he
/// sees real JIDs), the Nurse a participant (she does not).
@Suite struct MUCComponentMultiSessionTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let balcony = "juliet@localhost/balcony"
    static let chamber = "juliet@localhost/chamber"
    static let nurse = "nurse@localhost/kitchen"
    static let juliet = "garden@chat.localhost/Juliet"

    /// Romeo, the Nurse, and Juliet from her balcony (away), then from her chamber (dnd): what the second
    /// join sent.
    @discardableResult
    mutating func julietTwice() -> [XMLElement] {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(join(Self.nurse, as: "Nurse"))
        _ = send(join(Self.balcony, as: "Juliet", [text("show", "away")]))
        return send(join(Self.chamber, as: "Juliet", [text("show", "dnd")]))
    }

    func items(_ stanza: XMLElement) -> [XMLElement] {
        stanza.child("x", namespace: Namespace.mucUser)?.children("item", namespace: Namespace.mucUser) ?? []
    }

    func jids(_ stanza: XMLElement) -> [String?] { items(stanza).map { $0["jid"] } }

    func show(_ stanza: XMLElement) -> String? { stanza.child("show", namespace: Namespace.component)?.text }

    func to(_ session: String, _ stanzas: [XMLElement]) -> [XMLElement] { stanzas.filter { $0["to"] == session } }

    @Test mutating func aSecondSessionJoinsTheOccupant() throws {
        let out = julietTwice()
        let juliet = try #require(registry.rooms[garden]?.occupants[try Nickname(parsing: "Juliet")])
        #expect(juliet.sessions.map(\.description) == [Self.balcony, Self.chamber])

        // The joiner: the others (her own occupant not among them), her self-presence, the subject.
        let chamber = to(Self.chamber, out)
        #expect(
            chamber.map { $0["from"] } == [
                "garden@chat.localhost/Nurse", "garden@chat.localhost/Romeo", Self.juliet, "garden@chat.localhost",
            ])
        #expect(codes(chamber[2]) == ["110"] && show(chamber[2]) == "dnd")
        #expect(jids(chamber[2]) == [Self.chamber, Self.balcony])

        // Her first session gets a self-presence too (fails before: it got an occupant's presence, no 110).
        let balcony = to(Self.balcony, out)
        #expect(balcony.count == 1)
        #expect(codes(balcony[0]) == ["110"] && show(balcony[0]) == "away")
        #expect(jids(balcony[0]) == [Self.balcony, Self.chamber])

        // The others see the occupant again, with its first session's presence; a moderator sees every session.
        let romeo = to(Self.romeo, out)
        #expect(romeo.count == 1 && codes(romeo[0]).isEmpty && show(romeo[0]) == "away")
        #expect(jids(romeo[0]) == [Self.balcony, Self.chamber])
        let nurse = to(Self.nurse, out)
        #expect(nurse.count == 1 && jids(nurse[0]) == [nil])
        #expect(items(nurse[0]).first?["role"] == "participant")
    }

    @Test mutating func aNewcomerSeesEverySessionOnlyIfItMaySeeRealJIDs() {
        julietTwice()
        let out = send(join("benvolio@localhost/street", as: "Benvolio"))
        let julietSeen = out.first { $0["from"] == Self.juliet && $0["to"] == "benvolio@localhost/street" }
        #expect(julietSeen.map(jids) == [nil])
        _ = send(
            OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_whois": ["anyone"]]))
        let again = send(join("mercutio@localhost/street", as: "Mercutio"))
        let seen = again.first { $0["from"] == Self.juliet && $0["to"] == "mercutio@localhost/street" }
        #expect(seen.map(jids) == [Self.balcony, Self.chamber])
    }

    @Test mutating func aPresenceChangeShowsEachSessionItsOwn() {
        julietTwice()
        let out = send(
            stanza("presence", from: Self.chamber, to: Self.juliet, [text("show", "xa"), text("status", "hi")]))
        // Each of her sessions its own presence with 110; the others the first session's (Prosody's "primary").
        #expect(to(Self.balcony, out).map { [show($0), codes($0).joined()] } == [["away", "110"]])
        #expect(to(Self.chamber, out).map { [show($0), codes($0).joined()] } == [["xa", "110"]])
        #expect(to(Self.romeo, out).map { [show($0), codes($0).joined()] } == [["away", ""]])
        #expect(to(Self.nurse, out).map(show) == ["away"])
    }

    /// Fails before: a session leaving while another stays was sent nothing, and nobody saw a change.
    @Test mutating func aSessionLeavingWhileAnotherStays() throws {
        julietTwice()
        let out = send(
            stanza("presence", from: Self.balcony, to: Self.juliet, type: "unavailable", [text("status", "bye")]))
        let juliet = try #require(registry.rooms[garden]?.occupants[try Nickname(parsing: "Juliet")])
        #expect(juliet.sessions.map(\.description) == [Self.chamber])

        // The session that left: its own unavailable presence, 110, still the occupant's role.
        let balcony = to(Self.balcony, out)
        #expect(balcony.count == 1 && balcony[0]["type"] == "unavailable")
        #expect(codes(balcony[0]) == ["110"])
        #expect(balcony[0].child("status", namespace: Namespace.component)?.text == "bye")
        #expect(jids(balcony[0]) == [Self.balcony, Self.chamber])
        #expect(items(balcony[0]).first?["role"] == "participant")

        // Everyone else: an available presence, now the chamber's (the first session left), not an unavailable.
        for session in [Self.romeo, Self.nurse, Self.chamber] {
            let got = to(session, out)
            #expect(got.count == 1 && got[0]["type"] == nil && show(got[0]) == "dnd", "\(session)")
        }
        #expect(codes(to(Self.chamber, out)[0]) == ["110"])
        #expect(jids(to(Self.romeo, out)[0]) == [Self.chamber])

        // The last session leaving is the occupant leaving: everyone sees it unavailable.
        let last = send(stanza("presence", from: Self.chamber, to: Self.juliet, type: "unavailable"))
        #expect(last.count == 3 && last.allSatisfy { $0["type"] == "unavailable" })
        #expect(registry.rooms[garden]?.occupants[try Nickname(parsing: "Juliet")] == nil)
    }

    @Test mutating func aKickReachesEverySession() {
        julietTwice()
        var query = XMLElement("query", namespace: Namespace.mucAdmin)
        query.append(XMLElement("item", namespace: Namespace.mucAdmin, attributes: ["nick": "Juliet", "role": "none"]))
        let out = send(stanza("iq", from: Self.romeo, to: "garden@chat.localhost", type: "set", [query]))
        for session in [Self.balcony, Self.chamber] {
            let got = to(session, out)
            #expect(got.count == 1 && got[0]["type"] == "unavailable", "\(session)")
            #expect(Set(codes(got[0])) == ["110", "307"])
            #expect(jids(got[0]).first == session && jids(got[0]).count == 2)
        }
        #expect(to(Self.romeo, out).filter { $0.name == "presence" }.map(jids) == [[Self.balcony, Self.chamber]])
        #expect(to(Self.nurse, out).map(jids) == [[nil]])
    }

    @Test mutating func aBouncedErrorFromOneSessionRemovesOnlyThatSession() throws {
        julietTwice()
        let error = XMLElement("error", namespace: Namespace.component, attributes: ["type": "cancel"])
            .adding(XMLElement("recipient-unavailable", namespace: Namespace.stanzaErrors))
        let out = send(stanza("presence", from: Self.balcony, to: Self.juliet, type: "error", [error]))
        let juliet = try #require(registry.rooms[garden]?.occupants[try Nickname(parsing: "Juliet")])
        #expect(juliet.sessions.map(\.description) == [Self.chamber])
        // As Prosody: the session that bounced is not written to again (it would bounce that too), and the
        // others see the occupant as it is now, no 333 while it stays.
        #expect(to(Self.balcony, out).isEmpty)
        for session in [Self.romeo, Self.nurse, Self.chamber] {
            #expect(to(session, out).map { $0["type"] } == [nil], "\(session)")
            #expect(to(session, out).allSatisfy { !codes($0).contains("333") })
        }
        #expect(codes(to(Self.chamber, out)[0]) == ["110"])
    }

    @Test mutating func aJoinAgainFromAJoinedSessionIsShownLikeAJoin() {
        julietTwice()
        let out = send(join(Self.balcony, as: "Juliet", [text("show", "chat")]))
        // As Prosody: the room again for the session, every session of the occupant its self-presence, and
        // the others the occupant's presence.
        let balcony = to(Self.balcony, out)
        #expect(
            balcony.map { $0["from"] } == [
                "garden@chat.localhost/Nurse", "garden@chat.localhost/Romeo", Self.juliet, "garden@chat.localhost",
            ])
        #expect(codes(balcony[2]) == ["110"] && show(balcony[2]) == "chat")
        #expect(to(Self.chamber, out).map { [show($0), codes($0).joined()] } == [["dnd", "110"]])
        #expect(to(Self.romeo, out).map(show) == ["chat"])
        #expect(to(Self.nurse, out).map(show) == ["chat"])
    }

    @Test mutating func aPrivateMessageReachesEverySession() {
        julietTwice()
        let out = send(stanza("message", from: Self.romeo, to: Self.juliet, type: "chat", [text("body", "hi")]))
        #expect(out.map { $0["to"] } == [Self.balcony, Self.chamber])
        #expect(out.allSatisfy { $0["from"] == "garden@chat.localhost/Romeo" })
    }

    /// §7.6 says nothing of several sessions: roomd refuses the rename (each session would have to change at
    /// once), where Prosody splits the session off under the new nickname (docs/occupant-routing.md).
    @Test mutating func aNicknameChangeOfAMultiSessionOccupantIsNotAcceptable() throws {
        julietTwice()
        let out = send(stanza("presence", from: Self.chamber, to: "garden@chat.localhost/Capulet"))
        #expect(out.count == 1 && out[0]["to"] == Self.chamber && out[0]["type"] == "error")
        #expect(out[0].child("error")?.child("not-acceptable", namespace: Namespace.stanzaErrors) != nil)
        let juliet = try #require(registry.rooms[garden]?.occupants[try Nickname(parsing: "Juliet")])
        #expect(juliet.sessions.map(\.description) == [Self.balcony, Self.chamber])
        #expect(registry.rooms[garden]?.occupants[try Nickname(parsing: "Capulet")] == nil)
    }
}
