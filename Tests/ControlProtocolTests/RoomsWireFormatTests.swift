import MUCCore
import StrictJSON
import Testing

@testable import ControlProtocol

/// roomd writes replies with the records' `write(to:)`; clients read them with `init(reading:)`. Both must
/// agree.
@Suite struct RoomsWireFormatTests {
    func roundTrip<T: VarlinkRecord & Equatable>(_ value: T) throws {
        var writer = JSONWriter()
        value.write(to: &writer)
        guard case .object(let object) = try JSONParser.parse(writer.bytes) else {
            Issue.record("not an object")
            return
        }
        #expect(try T(reading: ParameterReader(object: object)) == value)
    }

    @Test func everyWireTypeRoundTrips() throws {
        let occupant = Rooms.Occupant(
            nick: try Nickname(parsing: "Bob \"B\""),
            jids: [try JID(parsing: "bob@example.org/a"), try JID(parsing: "bob@example.org/b")], role: .moderator,
            affiliation: .owner)
        let room = try RoomAddress(parsing: "r@c.org")
        try roundTrip(occupant)
        try roundTrip(Rooms.RoomSummary(room: room, name: nil, persistent: true, occupants: 3))
        try roundTrip(Rooms.RoomSummary(room: room, name: "Lobby\n", persistent: false, occupants: 0))
        try roundTrip(Rooms.AffiliationEntry(jid: try JID(parsing: "x@y"), affiliation: .outcast, reason: "spam"))
        try roundTrip(
            Rooms.Room(
                room: room, name: "n", persistent: true, occupants: [occupant],
                affiliations: [Rooms.AffiliationEntry(jid: try JID(parsing: "x@y"), affiliation: .member, reason: nil)])
        )
        try roundTrip(
            Rooms.Removed(
                room: room, nick: try Nickname(parsing: "é"), jids: [try JID(parsing: "a@b/c")], role: .participant,
                affiliation: .none))
        try roundTrip(
            Rooms.Event(
                kind: .kicked, room: room, nick: try Nickname(parsing: "n"), jids: [try JID(parsing: "a@b")],
                reason: "r", actor: "op"))
        try roundTrip(Rooms.Event(kind: .watching))
        try roundTrip(
            Rooms.AuditRecord(
                id: 7, time: "2026-11-25T00:00:00.000Z", action: "kick", room: "r@c.org", nick: "n", jids: [],
                reason: nil, actor: nil, uid: 33))
    }

    @Test func repliesAndErrorsAreFramed() throws {
        let reply = JSONWriter.varlinkReply { $0.field("services", ["a.org"]) }
        #expect(reply.last == 0)
        #expect(String(decoding: reply.dropLast(), as: UTF8.self) == #"{"parameters":{"services":["a.org"]}}"#)
        let stream = JSONWriter.varlinkReply(continues: true) { _ in }
        #expect(String(decoding: stream.dropLast(), as: UTF8.self) == #"{"continues":true,"parameters":{}}"#)
        let error = RoomsError.messageTooLarge(limit: 65536).framed()
        #expect(
            String(decoding: error.dropLast(), as: UTF8.self)
                == #"{"error":"org.muckick.Rooms.MessageTooLarge","parameters":{"limit":65536}}"#)
    }
}
