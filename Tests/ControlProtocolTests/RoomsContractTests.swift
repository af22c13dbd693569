import FoundationEssentials
import MUCCore
import Testing

@testable import ControlProtocol

@Suite struct RoomsContractTests {
    @Test func servedDescriptionIsTheVarlinkFile() throws {
        let file = URL(filePath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Sources/ControlProtocol/org.muckick.Rooms.varlink")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(Rooms.interfaceDescription == text)
    }

    @Test func everyMethodIsInTheIDLWithItsLevel() {
        for method in Rooms.Method.allCases {
            #expect(Rooms.interfaceDescription.contains("method \(method.rawValue)("))
        }
        let kickLevel = Rooms.Method.allCases.filter { $0.requiredLevel == .kick }.map(\.rawValue).sorted()
        #expect(kickLevel == ["GetAudit", "GetRoom", "Kick", "ListRooms", "ListServices", "Watch"])
    }

    @Test func everyErrorNameIsDeclared() throws {
        let names = [
            RoomsError.serviceNotFound, RoomsError.roomNotFound, RoomsError.roomExists, RoomsError.occupantNotFound,
            RoomsError.nickConflict, RoomsError.alreadyJoined, RoomsError.banned, RoomsError.invalidAddress,
            RoomsError.notAllowed, RoomsError.permissionDenied, RoomsError.invalidMessage,
            RoomsError.messageTooLarge,
        ]
        for name in names {
            let member = try #require(name.split(separator: ".").last)
            #expect(Rooms.interfaceDescription.contains("error \(member) ("), "\(name) not in the IDL")
        }
    }

    @Test func coreErrorsMapToNamedVarlinkErrors() throws {
        let room = try RoomAddress(parsing: "lobby@chat.example.org")
        let reply = RoomsError.reply(for: .notAllowed(room, nick: try Nickname(parsing: "Bob"), affiliation: .owner))
        #expect(reply.error == "org.muckick.Rooms.NotAllowed")
        #expect(reply.parameters?["affiliation"] == .string("owner"))
        #expect(RoomsError.reply(for: .serviceNotFound("x.org")).parameters?["service"] == .string("x.org"))
    }

    @Test func invalidAddressTruncatesHugeValues() {
        let value = String(repeating: "x", count: 5000)
        let reply = RoomsError.invalidAddress(field: "room", value: value, error: .tooLong(part: "node"))
        #expect((reply.parameters?["value"]?.stringValue?.utf8.count ?? 0) < 300)
        #expect(reply.parameters?["field"] == .string("room"))
    }

    @Test func callsEncodeAsVarlinkExpects() throws {
        let call = VarlinkCall(
            method: Rooms.Method.kick.qualifiedName, parameters: Rooms.KickParameters(room: "r@c.org", nick: "Bob"))
        let text = String(decoding: try JSONEncoder.varlink().encode(call), as: UTF8.self)
        #expect(text == #"{"method":"org.muckick.Rooms.Kick","parameters":{"nick":"Bob","room":"r@c.org"}}"#)
    }

    @Test func jsonValueRoundTrips() throws {
        let text = #"{"a":[1,2.5,"x",null,true],"b":{"c":false}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .array([.number(1), .number(2.5), .string("x"), .null, .bool(true)]))
        let again = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        #expect(again == value)
    }

    @Test func methodNamesSplitIntoInterfaceAndMember() throws {
        let header = try JSONDecoder().decode(
            VarlinkCallHeader.self, from: Data(#"{"method":"org.muckick.Rooms.Kick"}"#.utf8))
        #expect(header.interfaceAndMember?.interface == "org.muckick.Rooms")
        #expect(header.interfaceAndMember?.member == "Kick")
        for bad in ["Kick", ".Kick", "org.muckick.Rooms."] {
            #expect(VarlinkCallHeader(method: bad).interfaceAndMember == nil)
        }
    }
}

