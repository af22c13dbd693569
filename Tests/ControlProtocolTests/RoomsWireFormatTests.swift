import FoundationEssentials
import Testing

@testable import ControlProtocol

/// roomd writes replies with `JSONWriter`; clients read them with `JSONDecoder`. Both must agree.
@Suite struct RoomsWireFormatTests {
    func roundTrip<T: JSONWritable & Decodable & Equatable>(_ value: T) throws {
        var writer = JSONWriter()
        value.write(to: &writer)
        #expect(try JSONDecoder().decode(T.self, from: Data(writer.bytes)) == value)
    }

    @Test func everyWireTypeRoundTrips() throws {
        let occupant = Rooms.Occupant(nick: "Bob \"B\"", jids: ["bob@example.org/a", "bob@example.org/b"], role: "moderator", affiliation: "owner")
        try roundTrip(occupant)
        try roundTrip(Rooms.RoomSummary(room: "r@c.org", name: nil, persistent: true, occupants: 3))
        try roundTrip(Rooms.RoomSummary(room: "r@c.org", name: "Lobby\n", persistent: false, occupants: 0))
        try roundTrip(Rooms.Affiliation(jid: "x@y", affiliation: "outcast", reason: "spam"))
        try roundTrip(
            Rooms.Room(
                room: "r@c.org", name: "n", persistent: true, occupants: [occupant],
                affiliations: [Rooms.Affiliation(jid: "x@y", affiliation: "member", reason: nil)]))
        try roundTrip(Rooms.Removed(room: "r@c.org", nick: "é", jids: ["a@b/c"], role: "participant", affiliation: "none"))
        try roundTrip(Rooms.Event(kind: "kicked", room: "r@c.org", nick: "n", jids: ["a@b"], reason: "r", actor: "op"))
        try roundTrip(Rooms.Event(kind: "watching"))
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
