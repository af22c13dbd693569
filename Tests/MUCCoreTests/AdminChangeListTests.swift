import Testing

@testable import MUCCore

/// XEP-0045 change lists in the core: all or nothing, and every change through the one rule.
@Suite struct AdminChangeListTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let romeo = try! JID(parsing: "romeo@example.org/garden")
    let juliet = try! JID(parsing: "juliet@example.org/balcony")
    let nurse = try! JID(parsing: "nurse@example.org/kitchen")
    let romeoNick = try! Nickname(parsing: "Romeo")
    let julietNick = try! Nickname(parsing: "Juliet")
    let nurseNick = try! Nickname(parsing: "Nurse")

    /// Romeo owner, Juliet admin, the nurse with no affiliation; all three in the room.
    func registry(persistent: Bool = true) throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: persistent))
        _ = try registry.setAffiliation(garden, jid: romeo, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .admin, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: romeoNick, session: romeo)
        _ = try registry.join(garden, nick: julietNick, session: juliet)
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        return registry
    }

    func apply(_ changes: [AdminChange], by session: JID, _ registry: inout RoomRegistry) throws(AdminChangeError)
        -> [RoomEvent]
    {
        let actor = registry.rooms[garden]!.actor(withSession: session)
        return try registry.apply(changes, to: garden, by: actor)
    }

    @Test func aSessionActsWithItsOccupantsStandingOrItsAffiliationAlone() throws {
        let registry = try registry()
        let room = try registry.room(garden)
        #expect(room.actor(withSession: juliet) == .occupant(nick: julietNick, role: .moderator, affiliation: .admin))
        let away = try JID(parsing: "romeo@example.org/elsewhere")
        #expect(room.actor(withSession: away) == .occupant(nick: nil, role: .none, affiliation: .owner))
    }

    @Test func aListThatPassesIsAppliedInOrderWithTheActorsNickname() throws {
        var registry = try registry()
        let events = try apply(
            [.kick(nurseNick, reason: "noisy"), .setAffiliation(juliet.bare, .member, reason: nil)], by: romeo,
            &registry)
        #expect(events.count == 2)
        guard case .kicked(let removed, "noisy", "Romeo") = events[0] else {
            Issue.record("expected the nurse's kick by Romeo, got \(events)")
            return
        }
        #expect(removed.nick == nurseNick)
        let room = try registry.room(garden)
        #expect(room.occupants[nurseNick] == nil)
        #expect(room.affiliation(of: juliet) == .member)
        #expect(room.occupants[julietNick]?.role == .participant)
    }

    @Test func aRefusedChangeRefusesTheListAndChangesNothing() throws {
        var registry = try registry()
        let before = try registry.room(garden)
        // Juliet (admin) may kick the nurse, not Romeo (owner): the nurse's kick must not stand either.
        #expect(throws: AdminChangeError.refused(.notAllowed)) {
            try apply([.kick(nurseNick, reason: nil), .kick(romeoNick, reason: nil)], by: juliet, &registry)
        }
        // The nurse may change no affiliation at all.
        #expect(throws: AdminChangeError.refused(.forbidden)) {
            try apply([.setAffiliation(juliet.bare, .outcast, reason: nil)], by: nurse, &registry)
        }
        let after = try registry.room(garden)
        #expect(after.occupants == before.occupants)
        #expect(after.affiliations == before.affiliations)
    }

    @Test func aChangeSeesTheOnesBeforeIt() throws {
        var registry = try registry()
        let before = try registry.room(garden)
        // The ban takes the nurse away, so the kick that follows finds nobody.
        #expect(throws: AdminChangeError.failed(.occupantNotFound(garden, nick: nurseNick, jid: nil))) {
            try apply(
                [.setAffiliation(nurse.bare, .outcast, reason: nil), .kick(nurseNick, reason: nil)], by: romeo,
                &registry)
        }
        #expect(try registry.room(garden).occupants == before.occupants)
        #expect(try registry.room(garden).affiliation(of: nurse) == Affiliation.none)
    }

    @Test func theActorKeepsItsStandingForTheWholeList() throws {
        var registry = try registry()
        // Another owner, absent, so that Romeo is not the last owner (§10.4 would refuse his stepping down).
        _ = try registry.setAffiliation(
            garden, jid: try JID(parsing: "friar@example.org"), affiliation: .owner, reason: nil, actor: nil)
        // Romeo gives up ownership first; the list was asked by an owner, so its kick stands.
        let events = try apply(
            [.setAffiliation(romeo.bare, .member, reason: nil), .kick(julietNick, reason: nil)], by: romeo, &registry)
        #expect(events.count == 2)
        #expect(try registry.room(garden).occupants[julietNick] == nil)
    }

    @Test func aTemporaryRoomEndsWithTheListThatEmptiesItAndNothingFollowsItsEnd() throws {
        var registry = try registry(persistent: false)
        let kickEveryone: [AdminChange] = [
            .kick(nurseNick, reason: nil), .kick(julietNick, reason: nil), .kick(romeoNick, reason: nil),
        ]
        #expect(throws: AdminChangeError.failed(.roomNotFound(garden))) {
            try apply(kickEveryone + [.setAffiliation(nurse.bare, .member, reason: nil)], by: romeo, &registry)
        }
        #expect(try registry.room(garden).occupants.count == 3)
        let events = try apply(kickEveryone, by: romeo, &registry)
        #expect(events.count == 4)
        #expect(events.last == .destroyed(garden, removed: [], reason: nil))
        #expect(registry.rooms[garden] == nil)
    }

    @Test func aListForAMissingRoomOrServiceFails() throws {
        var registry = try registry()
        let elsewhere = try RoomAddress(parsing: "garden@muc.other.org")
        let actor = Actor.system(name: nil, protectPrivileged: false)
        #expect(throws: AdminChangeError.failed(.serviceNotFound("muc.other.org"))) {
            try registry.apply([.kick(nurseNick, reason: nil)], to: elsewhere, by: actor)
        }
        let missing = try RoomAddress(parsing: "tomb@chat.example.org")
        #expect(throws: AdminChangeError.failed(.roomNotFound(missing))) {
            try registry.apply([.kick(nurseNick, reason: nil)], to: missing, by: actor)
        }
    }

    @Test func aSystemKickByBareJIDNamesTheFirstProtectedTargetAndKicksNobody() throws {
        var registry = try registry()
        let romeo2 = try Nickname(parsing: "Romeo2")
        _ = try registry.join(garden, nick: romeo2, session: try JID(parsing: "romeo@example.org/phone"))
        #expect(throws: MUCError.notAllowed(garden, nick: romeoNick, affiliation: .owner)) {
            try registry.kick(
                garden, target: .jid(romeo.bare), reason: nil, by: .system(name: nil, protectPrivileged: true))
        }
        #expect(try registry.room(garden).occupants.count == 4)
        // An occupant's kick through the same entry point follows XEP-0045's rule.
        let byNurse = Actor.occupant(nick: nurseNick, role: .participant, affiliation: .none)
        #expect(throws: MUCError.notAllowed(garden, nick: julietNick, affiliation: .admin)) {
            try registry.kick(garden, target: .nick(julietNick), reason: nil, by: byNurse)
        }
        let events = try registry.kick(
            garden, target: .jid(romeo.bare), reason: nil, by: .system(name: "ops", protectPrivileged: false))
        #expect(events.count == 2)
    }
}
