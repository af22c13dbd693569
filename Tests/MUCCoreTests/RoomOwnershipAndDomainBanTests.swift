import Testing

@testable import MUCCore

/// XEP-0045 §10.4 / §10.6 (a room keeps an owner) and domain bans (an outcast entry on a bare domain), in the
/// core, so that XMPP and the control socket share them.
@Suite struct RoomOwnershipAndDomainBanTests {
    let lobby = try! RoomAddress(parsing: "lobby@chat.example.org")
    let alice = try! JID(parsing: "alice@example.org")
    let alicePC = try! JID(parsing: "alice@example.org/pc")
    let bob = try! JID(parsing: "bob@example.org")
    let evilDomain = try! JID(parsing: "evil.example")
    let mallory = try! JID(parsing: "mallory@evil.example/bot")
    let trudy = try! JID(parsing: "trudy@evil.example/laptop")

    func registry() throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(lobby, configuration: RoomConfiguration(persistent: true))
        _ = try registry.setAffiliation(lobby, jid: alice, affiliation: .owner, reason: nil, actor: nil)
        return registry
    }

    /// Fails before the fix: the control socket took the room's only owner away.
    @Test(arguments: [Affiliation.admin, .member, .none, .outcast])
    func theLastOwnerCannotBeTakenAwayThroughTheControlSocket(_ affiliation: Affiliation) throws {
        var registry = try registry()
        #expect(throws: MUCError.lastOwner(lobby, jid: alice)) {
            try registry.setAffiliation(lobby, jid: alicePC, affiliation: affiliation, reason: nil, actor: nil)
        }
        #expect(try registry.room(lobby).affiliation(of: alice) == .owner)
    }

    @Test func anOwnerGoesWhenAnotherOwnerStays() throws {
        var registry = try registry()
        _ = try registry.setAffiliation(lobby, jid: bob, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.setAffiliation(lobby, jid: alice, affiliation: .member, reason: nil, actor: nil)
        #expect(try registry.room(lobby).affiliation(of: alice) == .member)
        // Bob is now the last one.
        #expect(throws: MUCError.lastOwner(lobby, jid: bob)) {
            try registry.setAffiliation(lobby, jid: bob, affiliation: .none, reason: nil, actor: nil)
        }
        // Making an owner owner again, or changing someone else, is no loss.
        _ = try registry.setAffiliation(lobby, jid: bob, affiliation: .owner, reason: "again", actor: nil)
        _ = try registry.setAffiliation(lobby, jid: alice, affiliation: .none, reason: nil, actor: nil)
    }

    /// Fails before the fix: an owner's change list could take away the last owner, itself.
    @Test func aChangeListThatRemovesTheLastOwnerFailsWhole() throws {
        var registry = try registry()
        let actor = Actor.occupant(nick: nil, role: .none, affiliation: .owner)
        let changes: [AdminChange] = [
            .setAffiliation(bob, .member, reason: nil), .setAffiliation(alice, .outcast, reason: "bye"),
        ]
        #expect(throws: AdminChangeError.failed(.lastOwner(lobby, jid: alice))) {
            try registry.apply(changes, to: lobby, by: actor)
        }
        #expect(try registry.room(lobby).affiliation(of: bob) == .none, "nothing of the list applied")
        // A list that names a new owner first keeps the room owned.
        let handOver: [AdminChange] = [
            .setAffiliation(bob, .owner, reason: nil), .setAffiliation(alice, .none, reason: nil),
        ]
        _ = try registry.apply(handOver, to: lobby, by: actor)
        #expect(try registry.room(lobby).affiliation(of: bob) == .owner)
        #expect(try registry.room(lobby).affiliation(of: alice) == .none)
    }

    @Test func aRoomWithoutOwnersTakesAnyChange() throws {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(lobby, configuration: RoomConfiguration(persistent: true))
        _ = try registry.setAffiliation(lobby, jid: bob, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.setAffiliation(lobby, jid: bob, affiliation: .none, reason: nil, actor: nil)
    }

    /// Fails before the fix: a banned domain's users joined.
    @Test func aDomainBanRefusesTheDomainsUsersAtJoin() throws {
        var registry = try registry()
        _ = try registry.setAffiliation(lobby, jid: evilDomain, affiliation: .outcast, reason: "spam", actor: nil)
        let nick = try Nickname(parsing: "m")
        #expect(throws: MUCError.banned(lobby, jid: mallory.bare)) {
            try registry.join(lobby, nick: nick, session: mallory)
        }
        // Its own affiliation wins, as in Prosody; another domain is not touched, nor a subdomain.
        let trudyBare = trudy.bare
        _ = try registry.setAffiliation(lobby, jid: trudyBare, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.join(lobby, nick: try Nickname(parsing: "t"), session: trudy)
        _ = try registry.join(
            lobby, nick: try Nickname(parsing: "s"), session: try JID(parsing: "s@sub.evil.example/x"))
        #expect(try registry.room(lobby).affiliation(of: mallory) == .outcast)
        // Lifting the ban lets them in.
        _ = try registry.setAffiliation(lobby, jid: evilDomain, affiliation: .none, reason: nil, actor: nil)
        _ = try registry.join(lobby, nick: nick, session: mallory)
    }

    @Test func aDomainBanRemovesTheDomainsUsersPresentAndARestoredOneHolds() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: try Nickname(parsing: "m"), session: mallory)
        _ = try registry.join(lobby, nick: try Nickname(parsing: "a"), session: alicePC)
        let events = try registry.setAffiliation(lobby, jid: evilDomain, affiliation: .outcast, reason: nil, actor: nil)
        try #require(events.count == 2)
        guard case .banned(let removed, nil, nil) = events[1] else {
            Issue.record("expected a ban, got \(events)")
            return
        }
        #expect(removed.sessions == [mallory])
        #expect(try registry.room(lobby).occupants.count == 1)

        var restored = Room(address: lobby, configuration: RoomConfiguration(persistent: true))
        restored.restore(jid: evilDomain, entry: AffiliationEntry(affiliation: .outcast, reason: nil))
        #expect(throws: MUCError.banned(lobby, jid: trudy.bare)) {
            try restored.join(nick: try Nickname(parsing: "t"), session: trudy)
        }
        restored.restore(jid: evilDomain, entry: AffiliationEntry(affiliation: .member, reason: nil))
        _ = try restored.join(nick: try Nickname(parsing: "t"), session: trudy)
    }
}
