import MUCCore
import Testing

@testable import ControlProtocol

/// The one mapping from the core's rooms, occupants and events to the wire's records: every field of the
/// record comes from the core value, and every event kind maps to its own `Rooms.Event.Kind`.
@Suite struct CoreToWireTests {
    static let address = try! RoomAddress(parsing: "garden@chat.example.org")
    static let romeo = try! JID(parsing: "romeo@example.org/orchard")
    static let romeoPhone = try! JID(parsing: "romeo@example.org/phone")
    static let juliet = try! JID(parsing: "juliet@example.org/balcony")
    static let nurse = try! JID(parsing: "nurse@example.org")

    static func garden() throws -> MUCCore.Room {
        var room = MUCCore.Room(address: address, configuration: RoomConfiguration(name: "Garden", persistent: false))
        room.restore(jid: nurse, entry: AffiliationEntry(affiliation: .member, reason: "trusted"))
        room.restore(jid: romeo.bare, entry: AffiliationEntry(affiliation: .owner))
        _ = try room.join(nick: Nickname(parsing: "Romeo"), session: romeo)
        _ = try room.join(nick: Nickname(parsing: "Romeo"), session: romeoPhone)
        _ = try room.join(nick: Nickname(parsing: "Juliet"), session: juliet, role: .visitor)
        return room
    }

    @Test func aSummaryCountsOccupantsNotSessions() throws {
        let summary = Rooms.RoomSummary(try Self.garden())
        #expect(summary == Rooms.RoomSummary(room: Self.address, name: "Garden", persistent: false, occupants: 2))
    }

    @Test func anOccupantKeepsEverySession() throws {
        let occupant = Occupant(
            nick: try Nickname(parsing: "Romeo"), sessions: [Self.romeo, Self.romeoPhone], role: .moderator,
            affiliation: .owner)
        #expect(
            Rooms.Occupant(occupant)
                == Rooms.Occupant(
                    nick: occupant.nick, jids: [Self.romeo, Self.romeoPhone], role: .moderator, affiliation: .owner))
    }

    @Test func aRoomListsOccupantsByNickAndAffiliationsByJID() throws {
        let room = try Self.garden()
        let wire = Rooms.Room(room)
        #expect(wire.room == Self.address)
        #expect(wire.name == "Garden")
        #expect(wire.persistent == false)
        #expect(wire.occupants.map(\.nick.description) == ["Juliet", "Romeo"])
        #expect(wire.occupants == room.sortedOccupants.map(Rooms.Occupant.init))
        #expect(wire.occupants[0].role == .visitor)
        #expect(wire.occupants[1].jids == [Self.romeo, Self.romeoPhone])
        #expect(
            wire.affiliations == [
                Rooms.AffiliationEntry(jid: Self.nurse, affiliation: .member, reason: "trusted"),
                Rooms.AffiliationEntry(jid: Self.romeo.bare, affiliation: .owner, reason: nil),
            ])
    }

    @Test func everyEventKindMaps() throws {
        let romeo = Occupant(
            nick: try Nickname(parsing: "Romeo"), sessions: [Self.romeo, Self.romeoPhone], role: .moderator,
            affiliation: .owner)
        let removed = RemovedOccupant(room: Self.address, occupant: romeo)
        let cases: [(RoomEvent, Rooms.Event)] = [
            (.created(Self.address, RoomConfiguration()), Rooms.Event(kind: .created, room: Self.address)),
            (
                .destroyed(Self.address, removed: [removed], reason: "closing"),
                Rooms.Event(kind: .destroyed, room: Self.address, reason: "closing")
            ),
            (
                .joined(Self.address, romeo, session: Self.romeoPhone),
                Rooms.Event(
                    kind: .joined, room: Self.address, nick: romeo.nick, jids: [Self.romeoPhone], role: .moderator,
                    affiliation: .owner)
            ),
            (
                .left(Self.address, nick: romeo.nick, session: Self.romeo, lastSession: false),
                Rooms.Event(kind: .left, room: Self.address, nick: romeo.nick, jids: [Self.romeo])
            ),
            (
                .kicked(removed, reason: "noise", actor: "ops"),
                Rooms.Event(
                    kind: .kicked, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner, reason: "noise", actor: "ops")
            ),
            (
                .banned(removed, reason: nil, actor: nil),
                Rooms.Event(
                    kind: .banned, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner)
            ),
            (
                .removed(removed, .affiliationChanged, reason: "revoked", actor: "Juliet"),
                Rooms.Event(
                    kind: .revoked, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner, reason: "revoked", actor: "Juliet")
            ),
            (
                .removed(removed, .membersOnly, reason: nil, actor: nil),
                Rooms.Event(
                    kind: .membersonly, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner)
            ),
            (
                .roleChanged(Self.address, romeo, previous: .participant, reason: "trusted", actor: "Juliet"),
                Rooms.Event(
                    kind: .role, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner, reason: "trusted", actor: "Juliet")
            ),
            (
                .nickChanged(Self.address, from: try Nickname(parsing: "Montague"), to: romeo),
                Rooms.Event(
                    kind: .nick, room: Self.address, nick: romeo.nick, jids: [Self.romeo, Self.romeoPhone],
                    role: .moderator, affiliation: .owner, reason: "was Montague")
            ),
            (
                .affiliationChanged(
                    Self.address, jid: Self.nurse, entry: AffiliationEntry(affiliation: .admin, reason: "promoted"),
                    actor: "ops"),
                Rooms.Event(
                    kind: .affiliation, room: Self.address, jids: [Self.nurse], affiliation: .admin,
                    reason: "promoted", actor: "ops")
            ),
            (
                .configured(
                    Self.address, RoomConfiguration(name: "Garden", persistent: true),
                    previous: RoomConfiguration(name: nil, persistent: false), unlocked: true),
                Rooms.Event(kind: .configured, room: Self.address)
            ),
            (
                .subjectChanged(Self.address, RoomSubject(text: "Roses", by: "Romeo")),
                Rooms.Event(kind: .subject, room: Self.address, reason: "Roses", actor: "Romeo")
            ),
        ]
        for (event, expected) in cases {
            #expect(Rooms.Event(event) == expected)
        }
        #expect(Set(cases.map { Rooms.Event($0.0).kind }).count == Rooms.Event.Kind.allCases.count - 1)
    }
}
