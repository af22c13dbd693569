import Testing

@testable import MUCCore

/// XEP-0045 §8.3–8.4, §9.6–9.7 in the core: a role change list, all or nothing, under the one rule of who may
/// change whose role.
@Suite struct RoleChangeTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let romeo = try! JID(parsing: "romeo@example.org/phone")
    let nurse = try! JID(parsing: "nurse@example.org/kitchen")
    let nurseAgain = try! JID(parsing: "nurse@example.org/garden")
    let romeoNick = try! Nickname(parsing: "Romeo")
    let nurseNick = try! Nickname(parsing: "Nurse")

    /// A moderated room: Romeo its owner, the nurse a visitor with two sessions.
    func moderatedRoom() throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: false, moderated: true))
        _ = try registry.setAffiliation(garden, jid: romeo, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: romeoNick, session: romeo)
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        _ = try registry.join(garden, nick: nurseNick, session: nurseAgain)
        return registry
    }

    @Test func aModeratorGivesVoiceToEverySessionOfTheOccupant() throws {
        var registry = try moderatedRoom()
        let owner = try registry.room(garden).actor(withSession: romeo)
        let events = try registry.apply([.setRole(nurseNick, .participant, reason: "Speak")], to: garden, by: owner)
        let voiced = try #require(try registry.room(garden).occupants[nurseNick])
        #expect(voiced.role == .participant && voiced.sessions == [nurse, nurseAgain])
        #expect(events == [.roleChanged(garden, voiced, previous: .visitor, reason: "Speak", actor: "Romeo")])
        // The role lasts while she stays: a new join takes the room's default again.
        _ = try registry.leave(garden, nick: nurseNick, session: nil)
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        #expect(try registry.room(garden).occupants[nurseNick]?.role == .visitor)
    }

    @Test func aListWithARefusedRoleChangesNothing() throws {
        var registry = try moderatedRoom()
        let owner = try registry.room(garden).actor(withSession: romeo)
        let before = try registry.room(garden).occupants
        #expect(throws: AdminChangeError.refused(.notAllowed)) {
            try registry.apply(
                [.setRole(nurseNick, .moderator, reason: nil), .setRole(romeoNick, .visitor, reason: nil)], to: garden,
                by: owner)
        }
        #expect(try registry.room(garden).occupants == before)
        // A visitor changes no role; a nickname nobody holds fails.
        let visitor = try registry.room(garden).actor(withSession: nurse)
        #expect(throws: AdminChangeError.refused(.forbidden)) {
            try registry.apply([.setRole(romeoNick, .participant, reason: nil)], to: garden, by: visitor)
        }
        let tybalt = try Nickname(parsing: "Tybalt")
        #expect(throws: AdminChangeError.failed(.occupantNotFound(garden, nick: tybalt, jid: nil))) {
            try registry.apply([.setRole(tybalt, .participant, reason: nil)], to: garden, by: owner)
        }
    }

    /// As Prosody's `set_affiliation`: an affiliation that goes up keeps a higher role a moderator gave; one
    /// that goes down gives the role it gives on entering (a visitor, in a moderated room, for none).
    @Test func anAffiliationChangeKeepsAHigherRoleAndADowngradeTakesTheEntryRole() throws {
        var registry = try moderatedRoom()
        let owner = try registry.room(garden).actor(withSession: romeo)
        _ = try registry.apply([.setRole(nurseNick, .moderator, reason: nil)], to: garden, by: owner)
        _ = try registry.setAffiliation(garden, jid: nurse, affiliation: .member, reason: nil, actor: nil)
        #expect(try registry.room(garden).occupants[nurseNick]?.role == .moderator)
        _ = try registry.setAffiliation(garden, jid: nurse, affiliation: .none, reason: nil, actor: nil)
        #expect(try registry.room(garden).occupants[nurseNick]?.role == .visitor)
        _ = try registry.setAffiliation(garden, jid: nurse, affiliation: .admin, reason: nil, actor: nil)
        #expect(try registry.room(garden).occupants[nurseNick]?.role == .moderator)
        _ = try registry.setAffiliation(garden, jid: nurse, affiliation: .member, reason: nil, actor: nil)
        #expect(try registry.room(garden).occupants[nurseNick]?.role == .participant)
    }
}
