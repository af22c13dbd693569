import FoundationEssentials
import MUCCore
import StrictJSON
import Testing

@testable import ControlProtocol

@Suite struct RoomsContractTests {
    /// The IDL marks kick-level methods with `[kick]` in the comment above them; the access table must say
    /// the same, method by method.
    @Test func everyMethodIsInTheIDLWithItsLevel() throws {
        let lines = Rooms.interfaceDescription.split(separator: "\n", omittingEmptySubsequences: false)
        var documentedLevels: [String: Rooms.AccessLevel] = [:]
        for (index, line) in lines.enumerated() where line.hasPrefix("method ") {
            let name = String(line.dropFirst("method ".count).prefix { $0 != "(" })
            var comment = index - 1
            var marked: Rooms.AccessLevel = .admin
            while comment >= 0, lines[comment].hasPrefix("#") {
                if lines[comment].contains("[kick]") { marked = .kick }
                if lines[comment].contains("[any]") { marked = .none }
                comment -= 1
            }
            documentedLevels[name] = marked
        }
        #expect(Set(documentedLevels.keys) == Set(Rooms.Method.allCases.map(\.rawValue)))
        for method in Rooms.Method.allCases {
            #expect(documentedLevels[method.rawValue] == method.requiredLevel, "\(method.rawValue)")
        }
        let kickLevel = Rooms.Method.allCases.filter { $0.requiredLevel == .kick }.map(\.rawValue).sorted()
        #expect(kickLevel == ["GetAudit", "GetRoom", "Kick", "ListRooms", "ListServices", "Watch"])
        #expect(Rooms.Method.allCases.filter { $0.requiredLevel == .none } == [.authenticate])
    }

    @Test func everyErrorNameIsDeclared() throws {
        let names = [
            RoomsError.Name.serviceNotFound, RoomsError.Name.roomNotFound, RoomsError.Name.roomExists,
            RoomsError.Name.occupantNotFound, RoomsError.Name.nickConflict, RoomsError.Name.alreadyJoined,
            RoomsError.Name.banned, RoomsError.Name.invalidAddress, RoomsError.Name.notAllowed,
            RoomsError.Name.permissionDenied, RoomsError.Name.invalidMessage, RoomsError.Name.messageTooLarge,
            RoomsError.Name.deadlineExceeded, RoomsError.Name.storageUnavailable,
            RoomsError.Name.authenticationFailed,
        ]
        for name in names {
            let member = try #require(name.split(separator: ".").last)
            #expect(Rooms.interfaceDescription.contains("error \(member) ("), "\(name) not in the IDL")
        }
    }

    @Test func coreErrorsMapToNamedVarlinkErrors() throws {
        let room = try RoomAddress(parsing: "lobby@chat.example.org")
        let reply = RoomsError.room(.notAllowed(room, nick: try Nickname(parsing: "Bob"), affiliation: .owner))
        #expect(reply.name == "org.muckick.Rooms.NotAllowed")
        #expect(reply.parameters["affiliation"] == .string("owner"))
        #expect(RoomsError.room(.serviceNotFound("x.org")).parameters["service"] == .string("x.org"))
    }

    @Test func invalidAddressTruncatesHugeValues() {
        let value = String(repeating: "x", count: 5000)
        let reply = RoomsError.invalidAddress(field: "room", value: value, error: .tooLong(part: "node"))
        #expect((reply.parameters["value"]?.stringValue?.utf8.count ?? 0) < 300)
        #expect(reply.parameters["field"] == .string("room"))
    }

    /// Calls are written by the contract's writer in the IDL's field order (the order the responder has
    /// always used), no longer with keys sorted as `JSONEncoder` wrote roomctl's: the same JSON value.
    @Test func callsEncodeAsVarlinkExpects() throws {
        let call = Rooms.KickParameters(
            room: try RoomAddress(parsing: "r@c.org"), target: .nick(try Nickname(parsing: "Bob")))
        let frame = VarlinkCall.framed(call)
        #expect(frame.last == VarlinkFraming.terminator)
        let text = String(decoding: frame.dropLast(), as: UTF8.self)
        #expect(text == #"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"r@c.org","nick":"Bob"}}"#)
        #expect(
            try JSONParser.parse(Array(text.utf8))
                == JSONParser.parse(
                    Array(#"{"method":"org.muckick.Rooms.Kick","parameters":{"nick":"Bob","room":"r@c.org"}}"#.utf8)))
    }

    @Test func jsonValueRoundTrips() throws {
        let text = #"{"a":[1,2.5,"x",null,true],"b":{"c":false}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .array([.number(1), .number(2.5), .string("x"), .null, .bool(true)]))
        let again = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        #expect(again == value)
    }

    @Test func methodNamesSplitIntoInterfaceAndMember() {
        let parts = VarlinkMethodName.split("org.muckick.Rooms.Kick")
        #expect(parts?.interface == "org.muckick.Rooms")
        #expect(parts?.member == "Kick")
        for bad in ["Kick", ".Kick", "org.muckick.Rooms."] {
            #expect(VarlinkMethodName.split(bad) == nil)
        }
    }
}
