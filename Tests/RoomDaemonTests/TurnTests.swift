import ControlProtocol
import Foundation
import Logging
import MUCCore
import NIOCore
import NIOEmbedded
import Testing

@testable import RoomDaemon

/// Records, for every write that reaches the socket's end of the pipeline, whether the store still held
/// uncommitted writes: it never may.
final class WriteProbe: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private let store: RoomStore
    private(set) var writes = 0
    private(set) var writesBeforeCommit = 0

    init(store: RoomStore) {
        self.store = store
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        if store.inTransaction { writesBeforeCommit += 1 }
        context.write(data, promise: promise)
    }
}

/// A room service on a real SQLite store, with control connections on `EmbeddedChannel`s that have the
/// production pipeline (framing, back-pressure, the connection handler) and a `WriteProbe` at the socket's end.
final class TurnFixture {
    let loop = EmbeddedEventLoop()
    let directory: String
    let store: RoomStore
    let service: RoomService
    static let room = "pantry@chat.example.org"

    init() throws {
        directory = NSTemporaryDirectory() + "turn-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try RoomStore(directory: directory, sync: .normal)
        service = RoomService(
            eventLoop: loop, registry: RoomRegistry(services: ["chat.example.org"]), store: store,
            policy: AccessPolicy(), protectPrivilegedAlways: false, logger: Logger(label: "turn-tests"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func client() throws -> (channel: EmbeddedChannel, probe: WriteProbe) {
        let channel = EmbeddedChannel(loop: loop)
        let probe = WriteProbe(store: store)
        try channel.pipeline.syncOperations.addHandler(probe)
        try ControlServer.configure(
            channel, service: service, idleTimeout: .minutes(5), logger: Logger(label: "turn-tests"),
            credentials: { channel in
                channel.eventLoop.makeSucceededFuture(PeerCredentials(pid: 1, uid: 0, gid: 0, groups: []))
            })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, probe)
    }

    static func call(_ method: String, _ parameters: [String: String] = [:], more: Bool = false) -> String {
        let body = parameters.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            .joined(separator: ",")
        return "{\"method\":\"org.muckick.Rooms.\(method)\",\"parameters\":{\(body)}\(more ? ",\"more\":true" : "")}\0"
    }

    static func join(_ nick: String) -> String {
        call("Join", ["room": room, "nick": nick, "jid": "\(nick)@example.com/r"])
    }

    /// The messages written to `channel` so far, without their NULs.
    static func messages(_ channel: EmbeddedChannel) throws -> [String] {
        var messages: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            messages += String(buffer: buffer).split(separator: "\0", omittingEmptySubsequences: false).dropLast()
                .map(String.init)
        }
        return messages
    }

    func nicks() -> [String] {
        guard let room = service.registry.rooms[try! RoomAddress(parsing: Self.room)] else { return [] }
        return room.sortedOccupants.map(\.nick.description)
    }
}

@Suite struct TurnTests {
    @Test func pipelinedCallsShareOneCommitAndTheirRepliesLeaveAfterIt() throws {
        let fixture = try TurnFixture()
        let (client, probe) = try fixture.client()
        let commits = fixture.service.turn.commits
        try client.writeInbound(
            ByteBuffer(
                string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room]) + TurnFixture.join("alice")
                    + TurnFixture.join("bob") + TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "bob"])))
        // Handled, but nothing leaves before the end of the event loop's turn.
        #expect(fixture.nicks() == ["alice"])
        #expect(fixture.store.inTransaction)
        #expect(try TurnFixture.messages(client).isEmpty)
        fixture.loop.run()
        let replies = try TurnFixture.messages(client)
        #expect(replies.count == 4, "\(replies)")
        #expect(replies.last?.contains("\"kicked\"") == true)
        #expect(fixture.service.turn.commits == commits + 1)
        #expect(probe.writes > 0 && probe.writesBeforeCommit == 0)
    }

    @Test func callsOfConcurrentClientsShareOneCommit() throws {
        let fixture = try TurnFixture()
        let (first, firstProbe) = try fixture.client()
        let (second, secondProbe) = try fixture.client()
        try first.writeInbound(ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room])))
        try second.writeInbound(ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": "annex@chat.example.org"])))
        let commits = fixture.service.turn.commits
        fixture.loop.run()
        #expect(fixture.service.turn.commits == commits + 1)
        #expect(try TurnFixture.messages(first).count == 1)
        #expect(try TurnFixture.messages(second).count == 1)
        #expect(firstProbe.writesBeforeCommit == 0 && secondProbe.writesBeforeCommit == 0)
    }

    @Test func watcherEventsLeaveAfterTheCommit() throws {
        let fixture = try TurnFixture()
        let (watcher, watcherProbe) = try fixture.client()
        let (client, _) = try fixture.client()
        try client.writeInbound(ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room])))
        fixture.loop.run()
        try watcher.writeInbound(ByteBuffer(string: TurnFixture.call("Watch", ["room": TurnFixture.room], more: true)))
        try client.writeInbound(ByteBuffer(string: TurnFixture.join("alice")))
        #expect(try TurnFixture.messages(watcher).isEmpty)
        fixture.loop.run()
        let messages = try TurnFixture.messages(watcher)
        // The Watch call's reply comes before the events it asked for.
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.contains("\"watching\"") == true)
        #expect(messages.last?.contains("\"joined\"") == true)
        #expect(watcherProbe.writes > 0 && watcherProbe.writesBeforeCommit == 0)
    }

    @Test func aFailedCommitSendsNothingOfItsTurnButTheRefusals() throws {
        let fixture = try TurnFixture()
        let (watcher, _) = try fixture.client()
        let (client, _) = try fixture.client()
        try client.writeInbound(ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room])))
        try watcher.writeInbound(ByteBuffer(string: TurnFixture.call("Watch", ["room": TurnFixture.room], more: true)))
        fixture.loop.run()
        _ = try TurnFixture.messages(client)
        _ = try TurnFixture.messages(watcher)

        fixture.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
        try client.writeInbound(
            ByteBuffer(
                string: TurnFixture.join("alice") + TurnFixture.call("CreateRoom", ["room": "annex@chat.example.org"])
                    + TurnFixture.call("Kick", ["room": TurnFixture.room, "nick": "alice"])))
        fixture.loop.run()
        let replies = try TurnFixture.messages(client)
        #expect(replies.count == 3 && replies.allSatisfy { $0.contains("StorageUnavailable") }, "\(replies)")
        #expect(try TurnFixture.messages(watcher).isEmpty)
        #expect(fixture.nicks() == [])
        #expect(fixture.service.registry.rooms[try RoomAddress(parsing: "annex@chat.example.org")] == nil)

        fixture.store.commitFault = nil
        try client.writeInbound(ByteBuffer(string: TurnFixture.join("alice")))
        fixture.loop.run()
        #expect(try TurnFixture.messages(client).first?.contains("\"occupant\"") == true)
        #expect(try TurnFixture.messages(watcher).count == 1)
    }

    @Test func aWatcherThatDoesNotReadIsDropped() throws {
        let fixture = try TurnFixture()
        let (watcher, _) = try fixture.client()
        let (client, _) = try fixture.client()
        try client.writeInbound(ByteBuffer(string: TurnFixture.call("CreateRoom", ["room": TurnFixture.room])))
        try watcher.writeInbound(ByteBuffer(string: TurnFixture.call("Watch", [:], more: true)))
        fixture.loop.run()
        #expect(fixture.service.watchers.count == 1)
        watcher.isWritable = false
        try client.writeInbound(ByteBuffer(string: TurnFixture.join("alice")))
        fixture.loop.run()
        #expect(fixture.service.watchers.isEmpty)
        #expect(!watcher.isActive)
        #expect(fixture.nicks() == ["alice"])
    }

    @Test func anOversizedMessageIsAnsweredWithMessageTooLargeThenClosed() throws {
        let fixture = try TurnFixture()
        let (client, _) = try fixture.client()
        try client.writeInbound(ByteBuffer(string: TurnFixture.call("ListServices")))
        try client.writeInbound(ByteBuffer(repeating: UInt8(ascii: "x"), count: VarlinkFraming.maxRequestSize + 1))
        fixture.loop.run()
        let replies = try TurnFixture.messages(client)
        #expect(replies.count == 2, "\(replies)")
        #expect(replies.first?.contains("\"services\"") == true)
        #expect(replies.last?.contains("org.muckick.Rooms.MessageTooLarge") == true)
        #expect(!client.isActive)
    }

    /// One read can carry more calls than their replies should take of roomd's memory: past
    /// `maxBufferedReplies` the connection stops being read and its calls wait until the replies are written
    /// and the socket takes more.
    @Test func aClientThatDoesNotReadItsRepliesIsNotRead() throws {
        let fixture = try TurnFixture()
        let (client, _) = try fixture.client()
        let call = TurnFixture.call("ListServices")
        let reply = "{\"parameters\":{\"services\":[\"chat.example.org\"]}}\0".utf8.count
        let count = ControlConnectionHandler.maxBufferedReplies / reply * 2
        var input = ByteBuffer()
        for _ in 0..<count { input.writeString(call) }
        try client.writeInbound(input)
        #expect(autoRead(client) == false)
        client.isWritable = false
        fixture.loop.run()
        // The first share of replies went out; the rest waits for the socket.
        let first = try TurnFixture.messages(client).count
        #expect(first > 0 && first < count)
        fixture.loop.run()
        #expect(try TurnFixture.messages(client).isEmpty)
        #expect(autoRead(client) == false)
        client.isWritable = true
        client.pipeline.fireChannelWritabilityChanged()
        fixture.loop.run()
        fixture.loop.run()
        #expect(try TurnFixture.messages(client).count == count - first)
        #expect(autoRead(client) == true)
    }

    func autoRead(_ channel: EmbeddedChannel) -> Bool? {
        channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
    }
}
