import Testing

@testable import MUCCore

@Suite struct RoomRegistryTests {
    let lobby = try! RoomAddress(parsing: "lobby@chat.example.org")
    let bob = try! Nickname(parsing: "Bob")
    let bobPhone = try! JID(parsing: "bob@example.org/phone")
    let bobLaptop = try! JID(parsing: "bob@example.org/laptop")
    let alice = try! Nickname(parsing: "alice")
    let alicePC = try! JID(parsing: "alice@example.org/pc")

    func registry(persistent: Bool = true) throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(lobby, configuration: RoomConfiguration(persistent: persistent))
        return registry
    }

    @Test func roomsLoadedAtTheStartAreRestoredWholeAndWinOverRoomsAlreadyThere() throws {
        let garden = try RoomAddress(parsing: "garden@chat.example.org")
        var named = Room(address: lobby, configuration: RoomConfiguration(name: "Lobby", persistent: true))
        named.restore(subject: RoomSubject(text: "welcome", by: "Bob"))
        let loaded = [lobby: named, garden: Room(address: garden, configuration: RoomConfiguration(persistent: true))]

        var started = RoomRegistry(services: ["chat.example.org"])
        started.restore(contentsOf: loaded)
        #expect(Set(started.rooms.keys) == [lobby, garden])
        #expect(try started.room(lobby).configuration.name == "Lobby")
        #expect(try started.room(lobby).subject?.text == "welcome")
        _ = try started.join(garden, nick: bob, session: bobPhone)

        var running = try registry()
        running.restore(contentsOf: loaded)
        #expect(Set(running.rooms.keys) == [lobby, garden])
        #expect(try running.room(lobby).configuration.name == "Lobby")
    }

    @Test func unknownServiceAndUnknownRoomAreDistinct() throws {
        var registry = try registry()
        let elsewhere = try RoomAddress(parsing: "lobby@muc.other.org")
        let missing = try RoomAddress(parsing: "nope@chat.example.org")
        #expect(throws: MUCError.serviceNotFound("muc.other.org")) {
            try registry.join(elsewhere, nick: bob, session: bobPhone)
        }
        #expect(throws: MUCError.roomNotFound(missing)) { try registry.join(missing, nick: bob, session: bobPhone) }
        #expect(throws: MUCError.roomExists(lobby)) { try registry.createRoom(lobby, configuration: .init()) }
    }

    @Test func sameNickSameUserIsOneOccupantWithTwoSessions() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: bob, session: bobLaptop)
        let occupant = try #require(try registry.room(lobby).occupants[bob])
        #expect(occupant.sessions == [bobPhone, bobLaptop])
        #expect(occupant.role == .participant)
    }

    @Test func sameNickOtherUserConflictsAndSessionCannotHoldTwoNicks() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        #expect(throws: MUCError.nickConflict(lobby, nick: bob)) {
            try registry.join(lobby, nick: bob, session: alicePC)
        }
        #expect(throws: MUCError.alreadyJoined(lobby, jid: bobPhone, nick: bob)) {
            try registry.join(lobby, nick: alice, session: bobPhone)
        }
        // Joining again exactly as before changes nothing.
        let again = try registry.join(lobby, nick: bob, session: bobPhone)
        #expect(again.count == 1)
        #expect(try registry.room(lobby).occupants[bob]?.sessions == [bobPhone])
    }

    @Test func kickRemovesEverySessionKeepsAffiliationAndAllowsRejoin() throws {
        var registry = try registry()
        _ = try registry.setAffiliation(lobby, jid: bobPhone, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: bob, session: bobLaptop)
        let events = try registry.kick(
            lobby, target: .nick(bob), reason: "spam", by: .system(name: "ops", protectPrivileged: false))
        guard case .kicked(let removed, let reason, let actor) = try #require(events.first) else {
            Issue.record("expected a kick event, got \(events)")
            return
        }
        #expect(removed.nick == bob)
        #expect(removed.sessions == [bobPhone, bobLaptop])
        #expect(removed.affiliation == .member)
        #expect(removed.role == .participant)
        #expect(reason == "spam")
        #expect(actor == "ops")
        let room = try registry.room(lobby)
        #expect(room.occupants.isEmpty)
        #expect(room.occupant(withSession: bobPhone) == nil)
        #expect(room.affiliation(of: bobPhone) == .member)
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
    }

    @Test func kickByBareJIDTakesEveryOccupantOfThatUser() throws {
        var registry = try registry()
        let bob2 = try Nickname(parsing: "Bob2")
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: bob2, session: bobLaptop)
        _ = try registry.join(lobby, nick: alice, session: alicePC)
        let events = try registry.kick(
            lobby, target: .jid(try JID(parsing: "BOB@example.org")), reason: nil,
            by: .system(name: nil, protectPrivileged: false))
        #expect(events.count == 2)
        #expect(try registry.room(lobby).occupants.keys.map(\.description) == ["alice"])
    }

    @Test func kickByFullJIDTakesTheOccupantHoldingThatSession() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: bob, session: bobLaptop)
        let events = try registry.kick(
            lobby, target: .jid(bobLaptop), reason: nil, by: .system(name: nil, protectPrivileged: false))
        guard case .kicked(let removed, _, _)? = events.first else {
            Issue.record("no kick")
            return
        }
        #expect(removed.sessions == [bobPhone, bobLaptop])
        #expect(throws: MUCError.occupantNotFound(lobby, nick: nil, jid: bobLaptop)) {
            try registry.kick(
                lobby, target: .jid(bobLaptop), reason: nil, by: .system(name: nil, protectPrivileged: false))
        }
    }

    @Test func protectedKickRefusesOwnersAndAdminsAndRemovesNobody() throws {
        var registry = try registry()
        _ = try registry.setAffiliation(lobby, jid: bobPhone, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        #expect(try registry.room(lobby).occupants[bob]?.role == .moderator)
        #expect(throws: MUCError.notAllowed(lobby, nick: bob, affiliation: .owner)) {
            try registry.kick(lobby, target: .nick(bob), reason: nil, by: .system(name: nil, protectPrivileged: true))
        }
        #expect(try registry.room(lobby).occupants[bob] != nil)
        // Like Prosody's module, an unprotected kick takes anyone.
        _ = try registry.kick(lobby, target: .nick(bob), reason: nil, by: .system(name: nil, protectPrivileged: false))
        #expect(try registry.room(lobby).occupants[bob] == nil)
    }

    @Test func banRemovesAndRefusesLaterJoinsUntilLifted() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        let events = try registry.setAffiliation(
            lobby, jid: bobLaptop, affiliation: .outcast, reason: "troll", actor: nil)
        #expect(events.count == 2)
        guard case .banned(let removed, "troll", nil) = events[1] else {
            Issue.record("expected a ban, got \(events)")
            return
        }
        #expect(removed.nick == bob)
        #expect(throws: MUCError.banned(lobby, jid: bobPhone.bare)) {
            try registry.join(lobby, nick: bob, session: bobPhone)
        }
        _ = try registry.setAffiliation(lobby, jid: bobPhone, affiliation: .none, reason: nil, actor: nil)
        #expect(try registry.room(lobby).affiliations.isEmpty)
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
    }

    @Test func temporaryRoomGoesWithItsLastOccupant() throws {
        var registry = try registry(persistent: false)
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: bob, session: bobLaptop)
        let first = try registry.leave(lobby, nick: bob, session: bobPhone)
        #expect(first == [.left(lobby, nick: bob, session: bobPhone, lastSession: false)])
        let events = try registry.leave(lobby, nick: bob, session: nil)
        #expect(events.last == .destroyed(lobby, removed: [], reason: nil))
        #expect(throws: MUCError.roomNotFound(lobby)) { try registry.room(lobby) }
    }

    @Test func kickingTheLastOccupantEndsATemporaryRoomOnly() throws {
        for persistent in [false, true] {
            var registry = try registry(persistent: persistent)
            _ = try registry.join(lobby, nick: bob, session: bobPhone)
            let events = try registry.kick(
                lobby, target: .nick(bob), reason: nil, by: .system(name: nil, protectPrivileged: false))
            if persistent {
                #expect(events.count == 1)
                #expect(try registry.room(lobby).isEmpty)
            } else {
                #expect(events.count == 2)
                #expect(events.last == .destroyed(lobby, removed: [], reason: nil))
                #expect(throws: MUCError.roomNotFound(lobby)) { try registry.room(lobby) }
            }
        }
    }

    @Test func failedTransitionChangesNothing() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        let before = try registry.room(lobby).occupants
        #expect(throws: MUCError.self) { try registry.leave(lobby, nick: alice, session: nil) }
        #expect(throws: MUCError.self) { try registry.leave(lobby, nick: bob, session: alicePC) }
        #expect(try registry.room(lobby).occupants == before)
    }

    @Test func destroyRemovesEveryone() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: bob, session: bobPhone)
        _ = try registry.join(lobby, nick: alice, session: alicePC)
        let events = try registry.destroyRoom(lobby, reason: "closing")
        guard case .destroyed(_, let removed, "closing") = try #require(events.first) else {
            Issue.record("no destroy")
            return
        }
        #expect(removed.map(\.nick) == [bob, alice].sorted())
        #expect(registry.rooms.isEmpty)
    }
}
