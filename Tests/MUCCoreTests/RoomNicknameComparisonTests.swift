import Testing

@testable import MUCCore

/// Nicknames compared by their comparison form (RFC 8266 §2.5) in the room's tables, shown as first given.
@Suite struct RoomNicknameComparisonTests {
    let lobby = try! RoomAddress(parsing: "lobby@chat.example.org")
    let bobPhone = try! JID(parsing: "bob@example.org/phone")
    let bobLaptop = try! JID(parsing: "bob@example.org/laptop")
    let mallory = try! JID(parsing: "mallory@example.org/x")

    func nick(_ shown: String, _ key: String) -> Nickname { Nickname(enforced: shown, comparisonKey: key) }

    func registry() throws -> RoomRegistry {
        var registry = RoomRegistry(services: ["chat.example.org"])
        _ = try registry.createRoom(lobby, configuration: RoomConfiguration(persistent: true))
        return registry
    }

    @Test func anotherUsersEqualFormConflictsTheSameUsersJoinsTheOccupant() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: nick("Bob", "bob"), session: bobPhone)
        #expect(throws: MUCError.nickConflict(lobby, nick: nick("BOB", "bob"))) {
            try registry.join(lobby, nick: nick("BOB", "bob"), session: mallory)
        }
        let events = try registry.join(lobby, nick: nick("BOB", "bob"), session: bobLaptop)
        guard case .joined(_, let occupant, _)? = events.first else {
            Issue.record("no join: \(events)")
            return
        }
        #expect(occupant.nick.description == "Bob")
        #expect(occupant.sessions == [bobPhone, bobLaptop])
        #expect(try registry.room(lobby).occupant(withSession: bobLaptop)?.nick.description == "Bob")
        // Leaving by another form names the occupant as shown.
        let left = try registry.leave(lobby, nick: nick("bob", "bob"), session: bobLaptop)
        guard case .left(_, let leftNick, _, _)? = left.first else {
            Issue.record("no leave: \(left)")
            return
        }
        #expect(leftNick.description == "Bob")
    }

    @Test func renamingToAnotherFormOfOnesOwnNicknameIsAChange() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: nick("Bob", "bob"), session: bobPhone)
        #expect(try registry.changeNick(lobby, session: bobPhone, to: nick("Bob", "bob")).isEmpty)
        let events = try registry.changeNick(lobby, session: bobPhone, to: nick("BOB", "bob"))
        guard case .nickChanged(_, let from, let occupant)? = events.first else {
            Issue.record("no change: \(events)")
            return
        }
        #expect(from.description == "Bob" && occupant.nick.description == "BOB")
        let room = try registry.room(lobby)
        #expect(room.occupants.count == 1)
        #expect(room.occupants.keys.first?.description == "BOB")
        #expect(room.occupant(withSession: bobPhone)?.nick.description == "BOB")
        _ = try registry.join(lobby, nick: nick("Eve", "eve"), session: mallory)
        #expect(throws: MUCError.nickConflict(lobby, nick: nick("bob", "bob"))) {
            try registry.changeNick(lobby, session: mallory, to: nick("bob", "bob"))
        }
    }

    @Test func aKickByAnotherFormIsRefusedNamingTheOccupantAsShown() throws {
        var registry = try registry()
        _ = try registry.join(lobby, nick: nick("Bob", "bob"), session: bobPhone)
        _ = try registry.setAffiliation(lobby, jid: bobPhone.bare, affiliation: .owner, reason: nil, actor: nil)
        do {
            _ = try registry.kick(
                lobby, target: .nick(nick("bob", "bob")), reason: nil,
                by: .system(name: nil, protectPrivileged: true))
            Issue.record("kicked an owner")
        } catch .notAllowed(_, let shown, _) {
            #expect(shown.description == "Bob")
        } catch {
            Issue.record("\(error)")
        }
    }
}
