import Testing

@testable import MUCCore

/// XEP-0045 §10.2 (322) and §9.4 (321): a members-only room keeps no occupant below member, whether the room
/// became members-only or the occupant's membership was revoked.
@Suite struct MembersOnlyRemovalTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let romeo = try! JID(parsing: "romeo@example.org/phone")
    let juliet = try! JID(parsing: "juliet@example.org/balcony")
    let nurse = try! JID(parsing: "nurse@example.org/kitchen")
    let nurseAgain = try! JID(parsing: "nurse@example.org/garden")
    let prince = try! JID(parsing: "prince@verona.example/palace")
    let romeoNick = try! Nickname(parsing: "Romeo")
    let julietNick = try! Nickname(parsing: "Juliet")
    let nurseNick = try! Nickname(parsing: "Nurse")
    let princeNick = try! Nickname(parsing: "Prince")

    /// An open room with its owner Romeo, the member Juliet, the unaffiliated Nurse (two sessions) and, when
    /// the service has admins, the service admin Prince.
    func openRoom(persistent: Bool = true, admins: Set<JID> = []) throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"], policy: ServicePolicy(admins: admins))
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: persistent))
        _ = try registry.setAffiliation(garden, jid: romeo, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: romeoNick, session: romeo)
        _ = try registry.join(garden, nick: julietNick, session: juliet)
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        _ = try registry.join(garden, nick: nurseNick, session: nurseAgain)
        if !admins.isEmpty { _ = try registry.join(garden, nick: princeNick, session: prince) }
        return registry
    }

    func membersOnly(_ registry: RoomRegistry) throws -> RoomConfiguration {
        var configuration = try registry.room(garden).configuration
        configuration.membersOnly = true
        return configuration
    }

    @Test func aRoomMadeMembersOnlyRemovesItsNonMembersWith322BeforeTheNotice() throws {
        var registry = try openRoom(admins: [prince.bare])
        let before = try registry.room(garden)
        let nurseBefore = try #require(before.occupants[nurseNick])
        let configuration = try membersOnly(registry)
        let events = try registry.configure(garden, configuration)
        #expect(
            events == [
                .removed(
                    RemovedOccupant(room: garden, occupant: nurseBefore), .membersOnly, reason: nil, actor: nil),
                .configured(garden, configuration, previous: before.configuration, unlocked: false),
            ])
        // The owner, the member and the service admin (an owner of every room) stay.
        #expect(try registry.room(garden).sortedOccupants.map(\.nick) == [julietNick, princeNick, romeoNick])
        #expect(try registry.room(garden).occupant(withSession: nurseAgain) == nil)
        // Already members-only: a later form removes nobody.
        #expect(
            try registry.configure(garden, configuration) == [
                .configured(garden, configuration, previous: configuration, unlocked: false)
            ])
    }

    @Test func aTemporaryRoomLeftEmptyByTheRemovalsGoes() throws {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: false))
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        let events = try registry.configure(garden, try membersOnly(registry))
        #expect(events.count == 3)
        #expect(events.last == .destroyed(garden, removed: [], reason: nil))
        #expect(registry.rooms[garden] == nil)
    }

    @Test func aRevokedMembershipInAMembersOnlyRoomRemovesTheOccupantWith321() throws {
        var registry = try openRoom()
        _ = try registry.configure(garden, try membersOnly(registry))
        let julietBefore = try #require(try registry.room(garden).occupants[julietNick])
        let events = try registry.setAffiliation(
            garden, jid: juliet, affiliation: .none, reason: "Banished", actor: "Romeo")
        #expect(
            events == [
                .affiliationChanged(
                    garden, jid: juliet.bare, entry: AffiliationEntry(affiliation: .none, reason: "Banished"),
                    actor: "Romeo"),
                .removed(
                    RemovedOccupant(room: garden, occupant: julietBefore), .affiliationChanged, reason: "Banished",
                    actor: "Romeo"),
            ])
        #expect(try registry.room(garden).occupants[julietNick] == nil)
        // Not a ban: she may come back once she is a member again.
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        try registry.room(garden).admit(juliet, nick: julietNick, password: nil)
    }

    @Test func theSameChangeThroughAnOwnersChangeListRemovesWith321() throws {
        var registry = try openRoom()
        _ = try registry.configure(garden, try membersOnly(registry))
        let owner = try registry.room(garden).actor(withSession: romeo)
        let events = try registry.apply([.setAffiliation(juliet.bare, .none, reason: nil)], to: garden, by: owner)
        #expect(events.count == 2)
        guard case .removed(let removed, .affiliationChanged, nil, "Romeo")? = events.last else {
            Issue.record("not a 321 removal: \(events)")
            return
        }
        #expect(removed.nick == julietNick && removed.affiliation == .member)
    }

    @Test func inAnOpenRoomARevokedMemberStaysAndABanIsStillA301() throws {
        var registry = try openRoom()
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .none, reason: nil, actor: nil)
        #expect(try registry.room(garden).occupants[julietNick]?.affiliation == Affiliation.none)
        #expect(try registry.room(garden).occupants[julietNick]?.role == .participant)

        _ = try registry.configure(garden, try membersOnly(registry))
        let events = try registry.setAffiliation(garden, jid: nurse, affiliation: .outcast, reason: nil, actor: nil)
        // Nurse is already gone (322); a ban of someone present in a members-only room is still a ban.
        #expect(events.count == 1)
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: julietNick, session: juliet)
        let ban = try registry.setAffiliation(garden, jid: juliet, affiliation: .outcast, reason: nil, actor: nil)
        guard case .banned? = ban.last else {
            Issue.record("not a ban: \(ban)")
            return
        }
    }
}
