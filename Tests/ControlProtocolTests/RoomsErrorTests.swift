import MUCCore
import StrictJSON
import Testing

@testable import ControlProtocol

/// Every error both ways: written as roomd writes it (`framed()`), read back as a client reads it
/// (`VarlinkReply.parse` -> `RoomsError(name:parameters:)`), to the same value; the texts are the wire's.
@Suite struct RoomsErrorTests {
    static let room = try! RoomAddress(parsing: "lobby@chat.example.org")
    static let bob = try! Nickname(parsing: "Bob")
    static let jid = try! JID(parsing: "bob@example.org/phone")

    static let cases: [(RoomsError, String)] = [
        (
            .room(.serviceNotFound("x.org")),
            #"{"error":"org.muckick.Rooms.ServiceNotFound","parameters":{"service":"x.org"}}"#
        ),
        (
            .room(.roomNotFound(room)),
            #"{"error":"org.muckick.Rooms.RoomNotFound","parameters":{"room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.roomExists(room)),
            #"{"error":"org.muckick.Rooms.RoomExists","parameters":{"room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.occupantNotFound(room, nick: bob, jid: nil)),
            #"{"error":"org.muckick.Rooms.OccupantNotFound","parameters":{"nick":"Bob","room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.occupantNotFound(room, nick: nil, jid: jid)),
            #"{"error":"org.muckick.Rooms.OccupantNotFound","parameters":{"jid":"bob@example.org/phone","room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.nickConflict(room, nick: bob)),
            #"{"error":"org.muckick.Rooms.NickConflict","parameters":{"nick":"Bob","room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.alreadyJoined(room, jid: jid, nick: bob)),
            #"{"error":"org.muckick.Rooms.AlreadyJoined","parameters":{"jid":"bob@example.org/phone","nick":"Bob","room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.banned(room, jid: jid)),
            #"{"error":"org.muckick.Rooms.Banned","parameters":{"jid":"bob@example.org/phone","room":"lobby@chat.example.org"}}"#
        ),
        (
            .room(.notAllowed(room, nick: bob, affiliation: .admin)),
            #"{"error":"org.muckick.Rooms.NotAllowed","parameters":{"affiliation":"admin","nick":"Bob","room":"lobby@chat.example.org"}}"#
        ),
        (
            .invalidAddress(field: "nick", value: "", reason: "empty"),
            #"{"error":"org.muckick.Rooms.InvalidAddress","parameters":{"field":"nick","reason":"empty","value":""}}"#
        ),
        (
            .permissionDenied(method: "org.muckick.Rooms.Kick", required: .kick),
            #"{"error":"org.muckick.Rooms.PermissionDenied","parameters":{"method":"org.muckick.Rooms.Kick","required":"kick"}}"#
        ),
        (
            .permissionDenied(method: "org.muckick.Rooms.Join", required: .admin),
            #"{"error":"org.muckick.Rooms.PermissionDenied","parameters":{"method":"org.muckick.Rooms.Join","required":"admin"}}"#
        ),
        (.invalidMessage("no"), #"{"error":"org.muckick.Rooms.InvalidMessage","parameters":{"reason":"no"}}"#),
        (
            .messageTooLarge(limit: 65536),
            #"{"error":"org.muckick.Rooms.MessageTooLarge","parameters":{"limit":65536}}"#
        ),
        (
            .deadlineExceeded(deadline: 1_767_225_600_000),
            #"{"error":"org.muckick.Rooms.DeadlineExceeded","parameters":{"deadline":1767225600000}}"#
        ),
        (
            .storageUnavailable(reason: "disk full"),
            #"{"error":"org.muckick.Rooms.StorageUnavailable","parameters":{"reason":"disk full"}}"#
        ),
        (
            .interfaceNotFound("x.y"),
            #"{"error":"org.varlink.service.InterfaceNotFound","parameters":{"interface":"x.y"}}"#
        ),
        (.methodNotFound("x.y.Z"), #"{"error":"org.varlink.service.MethodNotFound","parameters":{"method":"x.y.Z"}}"#),
        (
            .invalidParameter("nick"),
            #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"nick"}}"#
        ),
        (.expectedMore, #"{"error":"org.varlink.service.ExpectedMore","parameters":{}}"#),
        (.internalError, #"{"error":"org.varlink.service.InternalError","parameters":{}}"#),
        (
            .unknown(name: "org.example.Other", parameters: ["a": .number(1)]),
            #"{"error":"org.example.Other","parameters":{"a":1}}"#
        ),
    ]

    @Test(arguments: cases)
    func everyErrorRoundTrips(error: RoomsError, golden: String) throws {
        let frame = error.framed()
        #expect(frame.last == VarlinkFraming.terminator)
        #expect(String(decoding: frame.dropLast(), as: UTF8.self) == golden)
        #expect(throws: VarlinkReplyError.remote(error)) { try VarlinkReply.parse(Array(frame.dropLast())) }
        #expect(RoomsError(name: error.name, parameters: .object(error.parameters)) == error)
    }

    /// Every case of the core's error has its wire error and reads back as itself, except the one the wire
    /// does not tell apart.
    @Test func coreErrorsReadBackIntoTheCore() throws {
        let errors: [MUCError] = [
            .serviceNotFound("x.org"), .roomNotFound(Self.room), .roomExists(Self.room),
            .occupantNotFound(Self.room, nick: Self.bob, jid: Self.jid), .nickConflict(Self.room, nick: Self.bob),
            .alreadyJoined(Self.room, jid: Self.jid, nick: Self.bob), .banned(Self.room, jid: Self.jid),
            .notAllowed(Self.room, nick: Self.bob, affiliation: .owner), .lastOwner(Self.room, jid: Self.jid),
        ]
        for error in errors {
            let wire = RoomsError.room(error)
            #expect(RoomsError(name: wire.name, parameters: .object(wire.parameters)) == .room(error))
        }
        let refused = RoomsError.room(.nickChangeRefused(Self.room, nick: Self.bob))
        #expect(refused.name == RoomsError.Name.nickConflict)
        #expect(
            RoomsError(name: refused.name, parameters: .object(refused.parameters))
                == .room(.nickConflict(Self.room, nick: Self.bob)))
    }

    /// Whatever a peer sends as an error is read without a crash; what does not read as the named error is
    /// kept as received.
    @Test func hostileErrorsReadAsUnknown() {
        let hostile: [(String, JSONValue?)] = [
            (RoomsError.Name.roomNotFound, nil),
            (RoomsError.Name.roomNotFound, .object(["room": .string("not a room")])),
            (RoomsError.Name.roomNotFound, .object(["room": .number(1)])),
            (
                RoomsError.Name.notAllowed,
                .object(["room": .string("a@b"), "nick": .string("n"), "affiliation": .string("king")])
            ),
            (RoomsError.Name.permissionDenied, .object(["method": .string("m"), "required": .string("root")])),
            (RoomsError.Name.messageTooLarge, .object(["limit": .number(1e300)])),
            (RoomsError.Name.deadlineExceeded, .object(["deadline": .number(0.5)])),
            (RoomsError.Name.expectedMore, .object(["x": .null])),
            (RoomsError.Name.invalidParameter, .array([])),
        ]
        for (name, parameters) in hostile {
            let error = RoomsError(name: name, parameters: parameters)
            guard case .unknown(let kept, _) = error else {
                Issue.record("\(name) \(String(describing: parameters)) read as \(error)")
                continue
            }
            #expect(kept == name)
            _ = error.description
            _ = error.framed()
        }
        let huge = RoomsError.unknown(name: "x", parameters: ["n": .number(1e300), "m": .number(-.infinity)])
        #expect(huge.description.hasPrefix("x (m="))
    }

    @Test func descriptionIsNameAndSortedParameters() {
        #expect(
            RoomsError.invalidAddress(field: "room", value: "x", reason: "no node").description
                == "org.muckick.Rooms.InvalidAddress (field=room, reason=no node, value=x)")
        #expect(
            RoomsError.messageTooLarge(limit: 65536).description == "org.muckick.Rooms.MessageTooLarge (limit=65536)")
        #expect(RoomsError.expectedMore.description == "org.varlink.service.ExpectedMore")
    }
}
