import ControlProtocol
import MUCCore
import NIOCore
import Testing

@testable import RoomDaemon

/// The control socket's nicknames go through RFC 8266's nickname profile as the XMPP ones do
/// (docs/nicknames.md): a kick finds its occupant by the comparison form.
@Suite struct ContractNicknameTests {
    static let room = try! RoomAddress(parsing: StorageFixture.room)

    func frame(_ fixture: StorageFixture, _ bytes: [UInt8]) -> [UInt8] {
        switch fixture.service.handle(frame: ByteBuffer(bytes: bytes.dropLast()), connection: fixture.caller) {
        case .reply(let reply), .replyAndClose(let reply): return Array(reply.dropLast())
        case .none: return []
        }
    }

    func call<Call: RoomsCall>(_ fixture: StorageFixture, _ call: Call) throws -> Call.Reply {
        try VarlinkReply.parse(frame(fixture, VarlinkCall.framed(call)), as: Call.Reply.self).reply
    }

    func refusal<Call: RoomsCall>(_ fixture: StorageFixture, _ call: Call) -> RoomsError? {
        do {
            _ = try VarlinkReply.parse(frame(fixture, VarlinkCall.framed(call)), as: Call.Reply.self)
            return nil
        } catch .remote(let error) {
            return error
        } catch {
            Issue.record("not a varlink error: \(error)")
            return nil
        }
    }

    func nick(_ text: String) throws -> Nickname { try Nickname(parsing: text) }

    @Test func joinIsEnforcedAndKickFindsTheOccupantWhateverFormComparesEqual() throws {
        let fixture = try StorageFixture()
        _ = try call(fixture, Rooms.CreateRoomParameters(room: Self.room))
        let joined = try call(
            fixture,
            Rooms.JoinParameters(
                room: Self.room, nick: try nick("\u{FF22}ob\u{3000}\u{3000}\u{FB01}"),
                jid: try JID(parsing: "bob@example.com/r")))
        #expect(joined.occupant.nick.description == "Bob fi")
        let kicked = try call(fixture, Rooms.KickParameters(room: Self.room, target: .nick(try nick("BOB  FI"))))
        #expect(kicked.kicked.map(\.nick.description) == ["Bob fi"])
        #expect(try fixture.service.registry.room(Self.room).occupants.isEmpty)
    }

    @Test func aJoinComparingEqualToAnotherUsersNicknameIsAConflict() throws {
        let fixture = try StorageFixture()
        _ = try call(fixture, Rooms.CreateRoomParameters(room: Self.room))
        _ = try call(
            fixture,
            Rooms.JoinParameters(room: Self.room, nick: try nick("Bob"), jid: try JID(parsing: "bob@example.com/r")))
        let refused = refusal(
            fixture,
            Rooms.JoinParameters(
                room: Self.room, nick: try nick("\u{FF42}\u{FF4F}\u{FF42}"),
                jid: try JID(parsing: "mallory@example.com/x")))
        guard case .room(.nickConflict(let room, _))? = refused else {
            Issue.record("expected NickConflict, got \(String(describing: refused))")
            return
        }
        #expect(room == Self.room)
    }

    @Test func aNicknameTheProfileRefuses() throws {
        let fixture = try StorageFixture()
        _ = try call(fixture, Rooms.CreateRoomParameters(room: Self.room))
        let invisible = try nick("\u{200B}")
        let joinRefusal = refusal(
            fixture, Rooms.JoinParameters(room: Self.room, nick: invisible, jid: try JID(parsing: "a@example.com/r")))
        guard case .invalidAddress(let field, _, let reason)? = joinRefusal else {
            Issue.record("expected InvalidAddress, got \(String(describing: joinRefusal))")
            return
        }
        #expect(field == "nick")
        #expect(reason.contains("U+200B"))
        // A kick by a nickname no occupant can have: not found, after the room is.
        #expect(
            refusal(fixture, Rooms.KickParameters(room: Self.room, target: .nick(invisible)))
                == .room(.occupantNotFound(Self.room, nick: invisible, jid: nil)))
        let ghost = try RoomAddress(parsing: "ghost@chat.example.org")
        #expect(
            refusal(fixture, Rooms.KickParameters(room: ghost, target: .nick(invisible))) == .room(.roomNotFound(ghost))
        )
        #expect(try fixture.service.registry.room(Self.room).occupants.isEmpty)
    }
}
