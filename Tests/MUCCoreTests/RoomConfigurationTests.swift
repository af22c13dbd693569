import Testing

@testable import MUCCore

/// XEP-0045 §10: a locked new room, the configuration's entry rules, and the owner's changes.
@Suite struct RoomConfigurationTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let romeo = try! JID(parsing: "romeo@example.org/phone")
    let juliet = try! JID(parsing: "juliet@example.org/balcony")
    let nurse = try! JID(parsing: "nurse@example.org/kitchen")
    let romeoNick = try! Nickname(parsing: "Romeo")
    let julietNick = try! Nickname(parsing: "Juliet")
    let nurseNick = try! Nickname(parsing: "Nurse")

    func lockedRoom() throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: false), locked: true)
        _ = try registry.setAffiliation(garden, jid: romeo, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: romeoNick, session: romeo)
        return registry
    }

    @Test func aLockedRoomAdmitsOnlyItsOwnersUntilConfigured() throws {
        var registry = try lockedRoom()
        let room = try registry.room(garden)
        #expect(room.locked)
        #expect(throws: JoinRefusal.locked) { try room.admit(juliet, nick: julietNick, password: nil) }
        try room.admit(try JID(parsing: "romeo@example.org/laptop"), nick: romeoNick, password: nil)
        let events = try registry.configure(garden, room.configuration)
        #expect(events == [.configured(garden, room.configuration, previous: room.configuration, unlocked: true)])
        #expect(try !registry.room(garden).locked)
        try registry.room(garden).admit(juliet, nick: julietNick, password: nil)
    }

    @Test func membersOnlyPasswordAndMaxUsersKeepOthersOut() throws {
        var registry = try lockedRoom()
        var configuration = try registry.room(garden).configuration
        configuration.membersOnly = true
        _ = try registry.configure(garden, configuration)
        #expect(throws: JoinRefusal.membersOnly) {
            try registry.room(garden).admit(juliet, nick: julietNick, password: nil)
        }
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        try registry.room(garden).admit(juliet, nick: julietNick, password: nil)

        configuration.membersOnly = false
        configuration.password = "capulet"
        _ = try registry.configure(garden, configuration)
        #expect(throws: JoinRefusal.passwordRequired) {
            try registry.room(garden).admit(nurse, nick: nurseNick, password: nil)
        }
        #expect(throws: JoinRefusal.passwordRequired) {
            try registry.room(garden).admit(nurse, nick: nurseNick, password: "montague")
        }
        try registry.room(garden).admit(nurse, nick: nurseNick, password: "capulet")
        // Owners and admins need no password.
        try registry.room(garden).admit(try JID(parsing: "romeo@example.org/laptop"), nick: romeoNick, password: nil)

        configuration.password = nil
        configuration.maxUsers = 1
        _ = try registry.configure(garden, configuration)
        #expect(throws: JoinRefusal.full) { try registry.room(garden).admit(nurse, nick: nurseNick, password: nil) }
        // Another session of an occupant already present adds no occupant; owners pass the limit.
        try registry.room(garden).admit(try JID(parsing: "romeo@example.org/laptop"), nick: romeoNick, password: nil)
    }

    @Test func aModeratedRoomLetsTheUnaffiliatedInAsVisitors() throws {
        var registry = try lockedRoom()
        var configuration = try registry.room(garden).configuration
        configuration.moderated = true
        _ = try registry.configure(garden, configuration)
        _ = try registry.join(garden, nick: nurseNick, session: nurse)
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.join(garden, nick: julietNick, session: juliet)
        let room = try registry.room(garden)
        #expect(room.occupants[nurseNick]?.role == .visitor)
        #expect(room.occupants[julietNick]?.role == .participant)
    }

    @Test func anEmptyRoomMadeTemporaryGoesAtOnce() throws {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration())
        let events = try registry.configure(garden, RoomConfiguration(persistent: false))
        #expect(events.last == .destroyed(garden, removed: [], reason: nil))
        #expect(registry.rooms[garden] == nil)
    }

    @Test func privateMessagesFollowTheRoomsSetting() {
        #expect(PrivateMessages.anyone.allows(.visitor))
        #expect(!PrivateMessages.participants.allows(.visitor))
        #expect(PrivateMessages.participants.allows(.participant))
        #expect(!PrivateMessages.moderators.allows(.participant))
        #expect(PrivateMessages.moderators.allows(.moderator))
        #expect(!PrivateMessages.none.allows(.moderator))
    }
}
