import MUCCore
import NIOCore
import Testing

@testable import RoomDaemon

/// XEP-0045 §10.1.1: the lock of a room a join created lapses after `lockTimeout` when its owner never
/// configures it, on the event loop's clock.
@Suite struct LockTimeoutTests {
    let room = try! RoomAddress(parsing: "room@chat.example.org")

    func join(_ fixture: ComponentStreamFixture) throws {
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<presence from='romeo@example.org/r' to='room@chat.example.org/romeo'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'/></presence>"))
        fixture.loop.run()
    }

    @Test func theLockLapsesAtTheTimeout() throws {
        let fixture = try ComponentStreamFixture()
        fixture.service.lockTimeout = .seconds(10)
        try fixture.authenticate()
        try join(fixture)
        #expect(fixture.service.registry.rooms[room]?.locked == true)
        fixture.loop.advanceTime(by: .milliseconds(9_999))
        #expect(fixture.service.registry.rooms[room]?.locked == true)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(fixture.service.registry.rooms[room]?.locked == false)
        #expect(fixture.service.lockTimers.isEmpty)
    }

    @Test func aRoomMadeAgainKeepsItsOwnDeadline() throws {
        let fixture = try ComponentStreamFixture()
        fixture.service.lockTimeout = .seconds(10)
        try fixture.authenticate()
        try join(fixture)
        fixture.loop.advanceTime(by: .seconds(5))
        // The creator leaves: the temporary room ends; it joins again, making a new locked room.
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<presence type='unavailable' from='romeo@example.org/r' to='room@chat.example.org/romeo'/>"))
        fixture.loop.run()
        #expect(fixture.service.registry.rooms[room] == nil)
        #expect(fixture.service.lockTimers.isEmpty, "a destroyed room keeps no timer")
        fixture.loop.advanceTime(by: .seconds(1))
        try join(fixture)
        // The first room's timer is gone: the new room stays locked until its own, at 16 s.
        fixture.loop.advanceTime(by: .seconds(4))
        #expect(fixture.service.registry.rooms[room]?.locked == true)
        fixture.loop.advanceTime(by: .seconds(6))
        #expect(fixture.service.registry.rooms[room]?.locked == false)
    }

    @Test func aConfiguredRoomIsLeftAlone() throws {
        let fixture = try ComponentStreamFixture()
        fixture.service.lockTimeout = .seconds(10)
        try fixture.authenticate()
        try join(fixture)
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<iq type='set' id='c1' from='romeo@example.org/r' to='room@chat.example.org'>"
                    + "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/>"
                    + "</query></iq>"))
        fixture.loop.run()
        #expect(fixture.service.registry.rooms[room]?.locked == false)
        #expect(fixture.service.lockTimers.isEmpty, "a configured room keeps no timer")
        _ = try fixture.written()
        fixture.loop.advanceTime(by: .seconds(10))
        // Nothing more is sent for it.
        #expect(try !fixture.written().contains("room@chat.example.org"))
    }
}
