import ControlProtocol
import Foundation
import MUCCore
import NIOCore
import Testing

@testable import RoomDaemon

/// roomd's dispatch driven by the contract's client side: calls written by `VarlinkCall.framed`, replies and
/// errors read back by `VarlinkReply.parse` into the typed messages and the core's errors.
@Suite struct ContractDispatchTests {
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

    @Test func interfaceDescriptionIsTheVarlinkFile() throws {
        let fixture = try StorageFixture()
        let file = URL(filePath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Sources/Shared/ControlProtocol/org.muckick.Rooms.varlink")
        let bytes = Array(try Data(contentsOf: file))
        let reply = frame(
            fixture,
            VarlinkCall.framed(
                method: "org.varlink.service.GetInterfaceDescription",
                VarlinkService.InterfaceParameters(interface: Rooms.interface)))
        let description = try VarlinkReply.parse(reply, as: VarlinkService.InterfaceDescription.self).reply.description
        #expect(Array(description.utf8) == bytes)
    }

    @Test func everyMethodThroughRoomd() throws {
        let fixture = try StorageFixture()
        let alice = try Nickname(parsing: "alice")
        let aliceJID = try JID(parsing: "alice@example.com/r")
        #expect(try call(fixture, Rooms.ListServicesParameters()).services == ["chat.example.org"])
        let created = try call(fixture, Rooms.CreateRoomParameters(room: Self.room, name: "Pantry", persistent: true))
        #expect(created.room == Rooms.RoomSummary(room: Self.room, name: "Pantry", persistent: true, occupants: 0))
        let joined = try call(fixture, Rooms.JoinParameters(room: Self.room, nick: alice, jid: aliceJID))
        #expect(
            joined.occupant == Rooms.Occupant(nick: alice, jids: [aliceJID], role: .participant, affiliation: .none))
        let rooms = try call(fixture, Rooms.ListRoomsParameters(service: "chat.example.org")).rooms
        #expect(rooms.map(\.occupants) == [1])
        let details = try call(fixture, Rooms.GetRoomParameters(room: Self.room)).room
        #expect(details.occupants.map(\.nick) == [alice])
        let kicked = try call(
            fixture,
            Rooms.KickParameters(
                room: Self.room, target: .nick(alice), reason: "spam", actor: "op",
                deadline: WallClock.milliseconds() + 60_000)
        ).kicked
        #expect(
            kicked == [
                Rooms.Removed(room: Self.room, nick: alice, jids: [aliceJID], role: .participant, affiliation: .none)
            ])
        _ = try call(fixture, Rooms.JoinParameters(room: Self.room, nick: alice, jid: aliceJID))
        let banned = try call(
            fixture,
            Rooms.SetAffiliationParameters(room: Self.room, jid: aliceJID.bare, affiliation: .outcast, reason: "again")
        ).removed
        #expect(banned.map(\.nick) == [alice])
        #expect(fixture.service.turn.end())
        let records = try call(fixture, Rooms.GetAuditParameters(room: Self.room, limit: 10)).records
        #expect(records.map(\.action) == ["kick", "ban"])
        #expect(records.first?.actor == "op")
        #expect(records.first?.jids == ["alice@example.com/r"])
        #expect(records.first?.time.hasSuffix("Z") == true)
        let entries = try fixture.store.auditRecords(room: StorageFixture.room, limit: 10)
        #expect(records == entries.map(Rooms.AuditRecord.init))
        _ = try call(fixture, Rooms.SetAffiliationParameters(room: Self.room, jid: aliceJID.bare, affiliation: .none))
        _ = try call(fixture, Rooms.JoinParameters(room: Self.room, nick: alice, jid: aliceJID, role: .visitor))
        #expect(
            try call(fixture, Rooms.LeaveParameters(room: Self.room, nick: alice, jid: aliceJID)) == Rooms.EmptyReply())
        #expect(try call(fixture, Rooms.DestroyRoomParameters(room: Self.room, reason: "done")).removed == [])
    }

    /// XEP-0045 §10.2 and §9.4 over the control socket: a room made members-only removes its non-members,
    /// and revoking a membership there removes the member; each removal is audited, its revocation returned.
    @Test func membersOnlyRemovalsAreAuditedAndReturned() throws {
        let fixture = try StorageFixture()
        let alice = try Nickname(parsing: "alice")
        let bob = try Nickname(parsing: "bob")
        let aliceJID = try JID(parsing: "alice@example.com/r")
        let bobJID = try JID(parsing: "bob@example.com/r")
        _ = try call(fixture, Rooms.CreateRoomParameters(room: Self.room, persistent: true))
        _ = try call(fixture, Rooms.SetAffiliationParameters(room: Self.room, jid: aliceJID.bare, affiliation: .member))
        _ = try call(fixture, Rooms.JoinParameters(room: Self.room, nick: alice, jid: aliceJID))
        _ = try call(fixture, Rooms.JoinParameters(room: Self.room, nick: bob, jid: bobJID))
        var configure = Rooms.ConfigureRoomParameters(room: Self.room)
        configure.membersOnly = true
        _ = try call(fixture, configure)
        #expect(try call(fixture, Rooms.GetRoomParameters(room: Self.room)).room.occupants.map(\.nick) == [alice])
        let revoked = try call(
            fixture,
            Rooms.SetAffiliationParameters(
                room: Self.room, jid: aliceJID.bare, affiliation: .none, reason: "moved", actor: "op")
        ).removed
        #expect(
            revoked == [
                Rooms.Removed(room: Self.room, nick: alice, jids: [aliceJID], role: .participant, affiliation: .member)
            ])
        #expect(fixture.service.turn.end())
        let records = try call(fixture, Rooms.GetAuditParameters(room: Self.room, limit: 10)).records
        #expect(records.map(\.action) == ["membersonly", "revoke"])
        #expect(records.map(\.nick) == ["bob", "alice"])
        #expect(records.last?.reason == "moved" && records.last?.actor == "op")
    }

    @Test func refusalsReadBackAsTheCoresErrors() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        let ghost = try RoomAddress(parsing: "ghost@chat.example.org")
        #expect(refusal(fixture, Rooms.GetRoomParameters(room: ghost)) == .room(.roomNotFound(ghost)))
        #expect(
            refusal(fixture, Rooms.GetRoomParameters(room: try RoomAddress(parsing: "x@elsewhere.org")))
                == .room(.serviceNotFound("elsewhere.org")))
        #expect(refusal(fixture, Rooms.CreateRoomParameters(room: Self.room)) == .room(.roomExists(Self.room)))
        let nobody = try Nickname(parsing: "nobody")
        #expect(
            refusal(fixture, Rooms.KickParameters(room: Self.room, target: .nick(nobody)))
                == .room(.occupantNotFound(Self.room, nick: nobody, jid: nil)))
        #expect(
            refusal(fixture, Rooms.KickParameters(room: Self.room, target: .nick(nobody), deadline: 1))
                == .deadlineExceeded(deadline: 1))
        let owner = try JID(parsing: "alice@example.com")
        _ = try call(fixture, Rooms.SetAffiliationParameters(room: Self.room, jid: owner, affiliation: .owner))
        #expect(
            refusal(
                fixture,
                Rooms.KickParameters(room: Self.room, target: .nick(try Nickname(parsing: "alice")), protect: true))
                == .room(.notAllowed(Self.room, nick: try Nickname(parsing: "alice"), affiliation: .owner)))
        #expect(
            refusal(
                fixture,
                Rooms.JoinParameters(
                    room: Self.room, nick: try Nickname(parsing: "bob"), jid: try JID(parsing: "mallory@example.com/x"))
            )
                == .room(.nickConflict(Self.room, nick: try Nickname(parsing: "bob"))))
        #expect(refusal(fixture, Rooms.WatchParameters()) == .expectedMore)
    }

    /// Frames a client would not write, answered as roomd always has.
    @Test func badFieldsAreNamed() throws {
        let fixture = try StorageFixture()
        func answer(_ text: String) -> RoomsError? {
            do {
                _ = try VarlinkReply.parse(frame(fixture, Array(text.utf8) + [0]))
                return nil
            } catch .remote(let error) {
                return error
            } catch {
                return nil
            }
        }
        #expect(answer(#"{"method":"org.muckick.Rooms.Kick","parameters":[]}"#) == .invalidParameter("parameters"))
        #expect(
            answer(#"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"pantry@chat.example.org"}}"#)
                == .invalidParameter("nick"))
        #expect(
            answer(#"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"nonode"}}"#)
                == .invalidAddress(field: "room", value: "nonode", error: .missingNode))
        #expect(
            answer(#"{"method":"org.muckick.Rooms.GetAudit","parameters":{"limit":0}}"#) == .invalidParameter("limit"))
        #expect(answer(#"{"method":"org.muckick.Rooms.Watch","parameters":5}"#) == .invalidParameter("parameters"))
        #expect(answer(#"{"method":"org.muckick.Rooms.Frob"}"#) == .methodNotFound("org.muckick.Rooms.Frob"))
        #expect(answer(#"{"method":"org.example.X.Y"}"#) == .interfaceNotFound("org.example.X"))
        #expect(answer(#"{"method":"Y"}"#) == .invalidMessage("method 'Y' is not interface.Method"))
    }
}
