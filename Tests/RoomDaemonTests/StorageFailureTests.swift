import ControlProtocol
import Foundation
import Logging
import MUCCore
import NIOCore
import NIOEmbedded
import Testing

@testable import RoomDaemon

/// A room service on a real SQLite store in a temporary directory, called the way its connections call it.
final class StorageFixture {
    let loop = EmbeddedEventLoop()
    let directory: String
    let store: RoomStore
    let service: RoomService
    let caller: ControlConnection
    let callerChannel: EmbeddedChannel
    let watcher: ControlConnection
    let watcherChannel: EmbeddedChannel
    static let room = "pantry@chat.example.org"

    init() throws {
        directory = NSTemporaryDirectory() + "storage-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try RoomStore(directory: directory, sync: .normal)
        service = RoomService(
            eventLoop: loop, registry: RoomRegistry(services: ["chat.example.org"]), store: store,
            policy: AccessPolicy(), protectPrivilegedAlways: false, logger: Logger(label: "storage-tests"))
        let root = PeerCredentials(pid: 1, uid: 0, gid: 0, groups: [])
        callerChannel = EmbeddedChannel(loop: loop)
        caller = ControlConnection(channel: callerChannel, peer: root, level: .admin)
        try callerChannel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        watcherChannel = EmbeddedChannel(loop: loop)
        watcher = ControlConnection(channel: watcherChannel, peer: root, level: .admin)
        try watcherChannel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let watching = call("org.muckick.Rooms.Watch", ["room": Self.room], more: true, on: watcher)
        #expect(watching.contains("\"watching\""), "\(watching)")
        service.turn.end()
        _ = try events()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The reply as text, without its NUL. Like the connection handler, the fixture gives the reply to the
    /// turn, which sends it to the connection once it has committed (`replies()`).
    @discardableResult
    func call(
        _ method: String, _ parameters: [String: String], more: Bool = false, on connection: ControlConnection? = nil
    ) -> String {
        let body = parameters.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        let frame = "{\"method\":\"\(method)\",\"parameters\":{\(body)}\(more ? ",\"more\":true" : "")}"
        let connection = connection ?? caller
        switch service.handle(frame: ByteBuffer(string: frame), connection: connection) {
        case .reply(let bytes), .replyAndClose(let bytes):
            service.turn.reply(bytes, to: connection)
            return String(decoding: bytes.dropLast(), as: UTF8.self)
        case .none: return ""
        }
    }

    /// The replies the caller's connection was sent so far.
    func replies() throws -> [String] {
        var replies: [String] = []
        while let buffer = try callerChannel.readOutbound(as: ByteBuffer.self) {
            replies += String(buffer: buffer).split(separator: "\0").map(String.init)
        }
        return replies
    }

    @discardableResult
    func rooms(_ method: String, _ parameters: [String: String]) -> String {
        call("org.muckick.Rooms." + method, parameters)
    }

    func nicks() -> [String] {
        guard let room = service.registry.rooms[try! RoomAddress(parsing: Self.room)] else { return [] }
        return room.sortedOccupants.map(\.nick.description)
    }

    func events() throws -> [String] {
        var events: [String] = []
        while let buffer = try watcherChannel.readOutbound(as: ByteBuffer.self) {
            events += String(buffer: buffer).split(separator: "\0").map(String.init)
        }
        return events
    }

    func populate() throws {
        rooms("CreateRoom", ["room": Self.room])
        for nick in ["alice", "bob", "carol"] {
            rooms("Join", ["room": Self.room, "nick": nick, "jid": "\(nick)@example.com/r"])
        }
        #expect(service.turn.end())
        _ = try events()
        _ = try replies()
    }
}

@Suite struct StorageFailureTests {
    /// A record larger than a page: it needs new pages, which the cap on the database's size refuses.
    static let long: [String: String] = [
        "reason": String(repeating: "x", count: 1024), "actor": String(repeating: "y", count: 256),
    ]

    static func kick(_ nick: String, long: Bool = true) -> [String: String] {
        ["room": StorageFixture.room, "nick": nick].merging(long ? Self.long : [:]) { $1 }
    }

    @Test func refusedKickChangesNothingAndTellsNobody() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        try fixture.store.capSize(extraPages: 0)
        let reply = fixture.rooms("Kick", Self.kick("bob"))
        #expect(reply.contains("org.muckick.Rooms.StorageUnavailable"), "\(reply)")
        #expect(fixture.service.storageFailure != nil)
        fixture.service.turn.end()
        #expect(fixture.nicks() == ["alice", "bob", "carol"])
        #expect(try fixture.events() == [])
        #expect(fixture.rooms("GetAudit", ["room": StorageFixture.room]).contains("\"records\":[]"))
        // A commit that wrote nothing (a pruning pass with nothing to delete) is no sign of recovery.
        fixture.service.pruneAudit()
        #expect(fixture.service.storageFailure != nil)

        try fixture.store.capSize(extraPages: nil)
        let retried = fixture.rooms("Kick", Self.kick("bob"))
        #expect(retried.contains("\"kicked\""), "\(retried)")
        #expect(fixture.service.turn.end())
        #expect(fixture.service.storageFailure == nil)
        #expect(fixture.nicks() == ["alice", "carol"])
        #expect(try fixture.events().count == 1)
    }

    @Test func aRefusedWriteUndoesTheWholeBatch() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        // Fits in the audit's last page: recorded, not committed yet.
        #expect(fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"]).contains("\"kicked\""))
        #expect(fixture.rooms("CreateRoom", ["room": "annex@chat.example.org"]).contains("\"room\""))
        #expect(fixture.caller.provisionalCount == 2)
        #expect(fixture.service.holdsUncommittedChanges)
        try fixture.store.capSize(extraPages: 0)
        let reply = fixture.rooms("Kick", Self.kick("bob"))
        #expect(reply.contains("StorageUnavailable"))
        // The earlier calls' replies are refused by their connections, and their changes are gone.
        let refused = try fixture.replies()
        #expect(refused.count == 2 && refused.allSatisfy { $0.contains("StorageUnavailable") }, "\(refused)")
        #expect(fixture.caller.provisionalCount == 0)
        #expect(!fixture.service.holdsUncommittedChanges)
        #expect(fixture.nicks() == ["alice", "bob", "carol"])
        #expect(fixture.service.registry.rooms[try RoomAddress(parsing: "annex@chat.example.org")] == nil)
        fixture.service.turn.end()
        #expect(try fixture.events() == [])

        // Reads and changes that write nothing go on while the disk refuses writes.
        #expect(fixture.rooms("Join", ["room": StorageFixture.room, "nick": "dave", "jid": "dave@example.com/r"])
            .contains("\"occupant\""))
        #expect(fixture.rooms("GetRoom", ["room": StorageFixture.room]).contains("\"dave\""))
        #expect(try fixture.events().count == 1)
    }

    /// The disk may take every write and refuse the COMMIT (the WAL cannot grow): the same undo as a refused
    /// write, found at the end of the turn instead of in the middle of a call.
    @Test func aRefusedCommitUndoesTheTurnAndSendsOnlyRefusals() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        #expect(fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"]).contains("\"kicked\""))
        #expect(fixture.rooms("CreateRoom", ["room": "annex@chat.example.org"]).contains("\"room\""))
        #expect(fixture.rooms("GetRoom", ["room": StorageFixture.room]).contains("\"bob\""))
        fixture.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
        #expect(!fixture.service.turn.end())
        let replies = try fixture.replies()
        #expect(replies.count == 3 && replies.allSatisfy { $0.contains("StorageUnavailable") }, "\(replies)")
        #expect(fixture.service.storageFailure != nil)
        #expect(!fixture.service.holdsUncommittedChanges)
        #expect(!fixture.store.inTransaction)
        #expect(fixture.nicks() == ["alice", "bob", "carol"])
        #expect(fixture.service.registry.rooms[try RoomAddress(parsing: "annex@chat.example.org")] == nil)
        #expect(try fixture.events() == [])
        #expect(fixture.rooms("GetAudit", ["room": StorageFixture.room]).contains("\"records\":[]"))

        // While the commits fail, each change is committed alone and refused alone.
        let refused = fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "bob"])
        #expect(refused.contains("StorageUnavailable"), "\(refused)")
        #expect(fixture.nicks() == ["alice", "bob", "carol"])

        fixture.store.commitFault = nil
        let retried = fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"])
        #expect(retried.contains("\"kicked\""), "\(retried)")
        #expect(fixture.service.storageFailure == nil)
        #expect(fixture.service.turn.end())
        #expect(fixture.nicks() == ["bob", "carol"])
        #expect(try fixture.events().count == 1)
    }

    /// Replies given before the turn's first change rest on nothing it changed: a refused commit lets them
    /// stand.
    @Test func aRefusedCommitKeepsTheRepliesGivenBeforeTheFirstChange() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        #expect(fixture.rooms("GetRoom", ["room": StorageFixture.room]).contains("\"alice\""))
        #expect(fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"]).contains("\"kicked\""))
        fixture.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
        #expect(!fixture.service.turn.end())
        let replies = try fixture.replies()
        #expect(replies.count == 2, "\(replies)")
        #expect(replies.first?.contains("\"alice\"") == true)
        #expect(replies.last?.contains("StorageUnavailable") == true)
    }

    @Test func aCommittedBatchKeepsItsReplies() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        #expect(fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"]).contains("\"kicked\""))
        #expect(fixture.caller.provisionalCount == 1)
        #expect(fixture.service.turn.end())
        let replies = try fixture.replies()
        #expect(replies.count == 1 && replies[0].contains("\"kicked\""), "\(replies)")
        #expect(try fixture.events().count == 1)
    }

    @Test func pruningKeepsTheNewestRowsInBoundedSteps() throws {
        let fixture = try StorageFixture()
        fixture.rooms("CreateRoom", ["room": StorageFixture.room])
        for index in 0..<1200 {
            fixture.rooms("Join", ["room": StorageFixture.room, "nick": "u\(index)", "jid": "u\(index)@example.com/r"])
            fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "u\(index)"])
        }
        #expect(fixture.service.turn.end())
        var steps: [Int] = []
        while true {
            let deleted = try fixture.store.pruneAudit(maxRows: 30, olderThan: nil, batch: 500)
            try fixture.store.commit()
            steps.append(deleted)
            if deleted == 0 { break }
        }
        #expect(steps == [500, 500, 170, 0])
        let records = try fixture.store.auditRecords(room: StorageFixture.room, limit: 10_000)
        #expect(records.map(\.nick) == (1170..<1200).map { "u\($0)" })
    }

    @Test func pruningByAgeStopsAtTheFirstRecentRecord() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        fixture.rooms("Kick", ["room": StorageFixture.room, "nick": "alice"])
        #expect(fixture.service.turn.end())
        let cutoff = WallClock.milliseconds() - 1000
        #expect(try fixture.store.pruneAudit(maxRows: nil, olderThan: cutoff, batch: 500) == 0)
        try fixture.store.commit()
        #expect(try fixture.store.pruneAudit(maxRows: nil, olderThan: cutoff + 60_000, batch: 500) == 1)
        try fixture.store.commit()
        #expect(try fixture.store.auditRecords(room: nil, limit: 10).isEmpty)
    }
}
