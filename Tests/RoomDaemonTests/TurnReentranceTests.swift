import Logging
import MUCCore
import NIOCore
import NIOEmbedded
import Testing

@testable import RoomDaemon

/// Runs `action` once, from inside the next flush that reaches the socket's end of the pipeline, before
/// passing the flush on. NIO does the same when a flush fails: it reads what the socket still holds before
/// closing it, so calls are handled while a turn is being sent.
final class ActionOnFlush: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var action: ((ChannelHandlerContext) -> Void)?

    func flush(context: ChannelHandlerContext) {
        if let action {
            self.action = nil
            action(context)
        }
        context.flush()
    }
}

@Suite struct TurnReentranceTests {
    /// A client on the production pipeline with `ActionOnFlush` next to the socket.
    func client(_ fixture: TurnFixture) throws -> (EmbeddedChannel, ActionOnFlush, WriteProbe) {
        let channel = EmbeddedChannel(loop: fixture.loop)
        let onFlush = ActionOnFlush()
        let probe = WriteProbe(store: fixture.store)
        try channel.pipeline.syncOperations.addHandlers(onFlush, probe)
        try ControlServer.configure(
            channel, service: fixture.service, idleTimeout: .minutes(5), logger: Logger(label: "turn-tests"),
            credentials: { channel in
                channel.eventLoop.makeSucceededFuture(PeerCredentials(pid: 1, uid: 0, gid: 0, groups: []))
            })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, onFlush, probe)
    }

    @Test func aCallReadWhileATurnIsSentBelongsToTheNextTurn() throws {
        let fixture = try TurnFixture()
        let (channel, onFlush, probe) = try client(fixture)
        try channel.writeInbound(
            ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room]) + TurnFixture.join("alice")))
        onFlush.action = { context in
            context.pipeline.fireChannelRead(
                ByteBuffer(string: TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "alice"])))
        }
        let commits = fixture.service.turn.commits
        fixture.loop.run()
        let replies = try TurnFixture.messages(channel)
        #expect(replies.count == 3, "\(replies)")
        #expect(replies.last?.contains("\"kicked\"") == true, "\(replies)")
        #expect(fixture.nicks() == [])
        // The kick (an audit row) had a commit of its own, and no byte left while a transaction was open.
        #expect(fixture.service.turn.commits == commits + 2)
        #expect(!fixture.store.inTransaction)
        #expect(probe.writes > 0 && probe.writesBeforeCommit == 0)
    }

    @Test func aRefusedCommitOfACallReadWhileATurnIsSentUndoesOnlyThatCall() throws {
        let fixture = try TurnFixture()
        let (channel, onFlush, _) = try client(fixture)
        try channel.writeInbound(
            ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room]) + TurnFixture.join("alice")))
        onFlush.action = { context in
            fixture.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
            context.pipeline.fireChannelRead(
                ByteBuffer(string: TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "alice"])))
        }
        fixture.loop.run()
        let replies = try TurnFixture.messages(channel)
        #expect(replies.count == 3, "\(replies)")
        #expect(replies.last?.contains("org.muckick.Rooms.StorageUnavailable") == true, "\(replies)")
        // The room and Alice's join were committed before the kick was read: they stay; the kick is undone.
        #expect(fixture.nicks() == ["alice"])
        fixture.store.commitFault = nil
        try channel.writeInbound(ByteBuffer(string: TurnFixture.call("GetRoom", ["room": TurnFixture.room])))
        fixture.loop.run()
        #expect(try TurnFixture.messages(channel).first?.contains("\"alice\"") == true)
    }
}
