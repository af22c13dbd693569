import ControlProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import RoomDaemon

/// `Authenticate` and the levels of TLS callers, through roomd's dispatch: a TLS connection starts with no
/// level, a configured token gives its caller's, the audit log names that caller, and a reload that drops
/// the token disconnects it.
@Suite struct ControlAuthenticateTests {
    static let token = "Vq3x6mJb0tQmF4yH5Zp8cW2nLr7sKd9e"

    func remote(_ fixture: StorageFixture) throws -> (ControlConnection, EmbeddedChannel) {
        let channel = EmbeddedChannel(loop: fixture.loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let connection = ControlConnection(
            channel: channel, identity: ControlIdentity(peer: .remote(address: "192.0.2.7:40000"), level: .none))
        fixture.service.connectionOpened(connection)
        return (connection, channel)
    }

    func callers(_ lines: String) throws -> ControlCallers { try ControlCallers(parsing: lines) }

    @Test func aTokenGivesItsCallersLevelAndNamesTheAudit() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        fixture.service.replaceCallers(try callers("token web1 kick \(ControlCallers.hashedToken(Self.token))"))
        let (connection, _) = try remote(fixture)
        let before = fixture.call("org.muckick.Rooms.Kick", ["room": StorageFixture.room, "nick": "bob"], on: connection)
        #expect(before.contains("org.muckick.Rooms.PermissionDenied"), "\(before)")
        let reply = fixture.call("org.muckick.Rooms.Authenticate", ["token": Self.token], on: connection)
        #expect(reply == #"{"parameters":{"caller":"token:web1","level":"kick"}}"#)
        #expect(connection.level == .kick)
        let kicked = fixture.call("org.muckick.Rooms.Kick", ["room": StorageFixture.room, "nick": "bob"], on: connection)
        #expect(kicked.contains("\"kicked\""), "\(kicked)")
        let admin = fixture.call("org.muckick.Rooms.CreateRoom", ["room": "x@chat.example.org"], on: connection)
        #expect(admin.contains("org.muckick.Rooms.PermissionDenied"), "\(admin)")
        #expect(fixture.service.turn.end())
        let audit = fixture.rooms("GetAudit", ["room": StorageFixture.room])
        #expect(audit.contains(#""uid":-1,"caller":"token:web1""#), "\(audit)")
    }

    @Test func anUnknownTokenIsRefusedAndTheConnectionClosed() throws {
        let fixture = try StorageFixture()
        fixture.service.replaceCallers(try callers("token web1 kick \(ControlCallers.hashedToken(Self.token))"))
        let (connection, _) = try remote(fixture)
        let frame = #"{"method":"org.muckick.Rooms.Authenticate","parameters":{"token":"nope"}}"#
        guard case .replyAndClose(let bytes) = fixture.service.handle(frame: ByteBuffer(string: frame), connection: connection)
        else {
            Issue.record("not closed")
            return
        }
        let reply = String(decoding: bytes.dropLast(), as: UTF8.self)
        #expect(reply.contains("org.muckick.Rooms.AuthenticationFailed"), "\(reply)")
        #expect(!reply.contains("nope"))
        #expect(connection.level == .none)
    }

    @Test func tokensAreRefusedOnTheUnixSocket() throws {
        let fixture = try StorageFixture()
        fixture.service.replaceCallers(try callers("token web1 admin \(ControlCallers.hashedToken(Self.token))"))
        let frame = #"{"method":"org.muckick.Rooms.Authenticate","parameters":{"token":"\#(Self.token)"}}"#
        guard case .replyAndClose(let bytes) = fixture.service.handle(frame: ByteBuffer(string: frame), connection: fixture.caller)
        else {
            Issue.record("not closed")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self).contains("AuthenticationFailed"))
    }

    @Test func aSecondAuthenticateIsRefused() throws {
        let fixture = try StorageFixture()
        fixture.service.replaceCallers(try callers("token web1 kick \(ControlCallers.hashedToken(Self.token))"))
        let (connection, _) = try remote(fixture)
        _ = fixture.call("org.muckick.Rooms.Authenticate", ["token": Self.token], on: connection)
        let again = fixture.call("org.muckick.Rooms.Authenticate", ["token": Self.token], on: connection)
        #expect(again.contains("AuthenticationFailed"), "\(again)")
    }

    @Test func aReloadWithoutTheTokenDisconnectsItsCaller() throws {
        let fixture = try StorageFixture()
        let line = "token web1 kick \(ControlCallers.hashedToken(Self.token))"
        fixture.service.replaceCallers(try callers(line))
        let (connection, channel) = try remote(fixture)
        _ = fixture.call("org.muckick.Rooms.Authenticate", ["token": Self.token], on: connection)
        fixture.service.replaceCallers(try callers(line.replacingKick(with: "admin")))
        #expect(connection.level == .admin)
        #expect(channel.isActive)
        fixture.service.replaceCallers(try callers("# revoked\n"))
        #expect(connection.level == .none)
        #expect(!channel.isActive)
    }
}

extension String {
    fileprivate func replacingKick(with level: String) -> String {
        split(separator: " ").map { $0 == "kick" ? Substring(level) : $0 }.joined(separator: " ")
    }
}
