import NIOCore
import Testing

@testable import RoomDaemon

@Suite struct RefusedWatchTests {
    /// A Watch answered with StorageUnavailable (it followed a change in a turn whose commit failed) did not
    /// start: the connection gets no events, and may make calls again.
    @Test func aWatchRefusedWithItsTurnDoesNotWatch() throws {
        let fixture = try TurnFixture()
        let (client, _) = try fixture.client()
        let (other, _) = try fixture.client()
        try client.writeInbound(
            ByteBuffer(
                string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room]) + TurnFixture.join("alice")
                    + TurnFixture.join("bob")))
        fixture.loop.run()
        #expect(try TurnFixture.messages(client).count == 3)

        fixture.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
        try client.writeInbound(
            ByteBuffer(
                string: TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "bob"])
                    + TurnFixture.call("Watch", ["room": TurnFixture.room], more: true)))
        fixture.loop.run()
        let refused = try TurnFixture.messages(client)
        #expect(refused.count == 2, "\(refused)")
        #expect(refused.allSatisfy { $0.contains("org.muckick.Rooms.StorageUnavailable") }, "\(refused)")

        fixture.store.commitFault = nil
        try other.writeInbound(ByteBuffer(string: TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "alice"])))
        fixture.loop.run()
        #expect(try TurnFixture.messages(other).first?.contains("\"kicked\"") == true)
        #expect(try TurnFixture.messages(client) == [])
        try client.writeInbound(ByteBuffer(string: TurnFixture.call("GetRoom", ["room": TurnFixture.room])))
        fixture.loop.run()
        let answer = try TurnFixture.messages(client)
        #expect(answer.count == 1 && answer.first?.contains("\"bob\"") == true, "\(answer)")
        #expect(client.isActive)
    }
}
