import MUCCore
import StrictJSON
import Testing

@testable import ControlProtocol

/// What roomd answers for each bad field, read by the contract's own readers: the first bad field in the
/// order roomd has always checked them.
@Suite struct ParameterValidationTests {
    func read<Call: RoomsCall>(_ type: Call.Type, _ json: String) throws(RoomsError) -> Call {
        guard case .object(let object)? = try? JSONParser.parse(Array(json.utf8)) else {
            Issue.record("not an object: \(json)")
            throw .internalError
        }
        return try Call(reading: ParameterReader(object: object))
    }

    func refusal<Call: RoomsCall>(_ type: Call.Type, _ json: String) -> RoomsError? {
        do {
            _ = try read(type, json)
            return nil
        } catch {
            return error
        }
    }

    @Test func parametersMustBeAnObject() {
        #expect(throws: RoomsError.invalidParameter("parameters")) { try ParameterReader(.array([])) }
        #expect(throws: RoomsError.invalidParameter("parameters")) { try ParameterReader(.string("x")) }
        #expect((try? ParameterReader(nil))?.object.isEmpty == true)
        #expect((try? ParameterReader(.null))?.object.isEmpty == true)
    }

    @Test func kickFields() throws {
        let room = #""room":"r@chat.example.org""#
        #expect(refusal(Rooms.KickParameters.self, #"{"nick":"Bob"}"#) == .invalidParameter("room"))
        #expect(refusal(Rooms.KickParameters.self, #"{"room":5,"nick":"Bob"}"#) == .invalidParameter("room"))
        #expect(
            refusal(Rooms.KickParameters.self, #"{"room":"nonode","nick":"Bob"}"#)
                == .invalidAddress(field: "room", value: "nonode", error: .missingNode))
        #expect(refusal(Rooms.KickParameters.self, "{\(room)}") == .invalidParameter("nick"))
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"jid\":\"b@c\"}") == .invalidParameter("nick"))
        #expect(refusal(Rooms.KickParameters.self, "{\(room),\"nick\":1}") == .invalidParameter("nick"))
        #expect(refusal(Rooms.KickParameters.self, "{\(room),\"jid\":true}") == .invalidParameter("jid"))
        if case .invalidAddress(let field, let value, _)? = refusal(
            Rooms.KickParameters.self, "{\(room),\"nick\":\"\"}")
        {
            #expect(field == "nick")
            #expect(value == "")
        } else {
            Issue.record("an empty nick is an InvalidAddress")
        }
        if case .invalidAddress(let field, _, _)? = refusal(Rooms.KickParameters.self, "{\(room),\"jid\":\"@\"}") {
            #expect(field == "jid")
        } else {
            Issue.record("a bad jid is an InvalidAddress")
        }
        // The room is checked before the target, the target before the texts.
        #expect(
            refusal(Rooms.KickParameters.self, #"{"room":"nonode","reason":1}"#)
                == .invalidAddress(field: "room", value: "nonode", error: .missingNode))
        #expect(refusal(Rooms.KickParameters.self, "{\(room),\"reason\":1}") == .invalidParameter("nick"))
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"reason\":\"a\\u0001\"}")
                == .invalidParameter("reason"))
        #expect(
            refusal(
                Rooms.KickParameters.self,
                "{\(room),\"nick\":\"a\",\"reason\":\"\(String(repeating: "x", count: 1025))\"}")
                == .invalidParameter("reason"))
        #expect(
            refusal(
                Rooms.KickParameters.self,
                "{\(room),\"nick\":\"a\",\"actor\":\"\(String(repeating: "x", count: 257))\"}")
                == .invalidParameter("actor"))
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"protect\":1}") == .invalidParameter("protect")
        )
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"deadline\":1.5}")
                == .invalidParameter("deadline"))
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"deadline\":1e300}")
                == .invalidParameter("deadline"))
        #expect(
            refusal(Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"deadline\":\"1\"}")
                == .invalidParameter("deadline"))
        // null is absent.
        let kick = try read(
            Rooms.KickParameters.self, "{\(room),\"nick\":\"a\",\"jid\":null,\"reason\":null,\"protect\":null}")
        #expect(kick.reason == nil)
        #expect(kick.protect == false)
        #expect(kick.target == .nick(try Nickname(parsing: "a")))
    }

    @Test func joinFields() {
        let base = #""room":"r@chat.example.org","nick":"n","jid":"u@example.org/r""#
        #expect(refusal(Rooms.JoinParameters.self, "{\(base),\"role\":\"none\"}") == .invalidParameter("role"))
        #expect(refusal(Rooms.JoinParameters.self, "{\(base),\"role\":\"king\"}") == .invalidParameter("role"))
        #expect(refusal(Rooms.JoinParameters.self, "{\(base),\"role\":3}") == .invalidParameter("role"))
        #expect(
            refusal(Rooms.JoinParameters.self, #"{"room":"r@chat.example.org","nick":"n"}"#) == .invalidParameter("jid")
        )
        #expect(
            refusal(Rooms.JoinParameters.self, #"{"room":"r@chat.example.org","jid":"u@e"}"#)
                == .invalidParameter("nick"))
        #expect(refusal(Rooms.JoinParameters.self, "{\(base),\"role\":\"visitor\"}") == nil)
    }

    @Test func otherMethodsFields() {
        #expect(
            refusal(
                Rooms.SetAffiliationParameters.self, #"{"room":"r@chat.example.org","jid":"u@e","affiliation":"king"}"#)
                == .invalidParameter("affiliation"))
        #expect(
            refusal(Rooms.SetAffiliationParameters.self, #"{"room":"r@chat.example.org","jid":"u@e"}"#)
                == .invalidParameter("affiliation"))
        #expect(
            refusal(Rooms.SetAffiliationParameters.self, #"{"room":"r@chat.example.org","affiliation":"none"}"#)
                == .invalidParameter("jid"))
        #expect(
            refusal(Rooms.CreateRoomParameters.self, #"{"room":"r@chat.example.org","name":"a\u001b[31m"}"#)
                == .invalidParameter("name"))
        #expect(
            refusal(Rooms.CreateRoomParameters.self, #"{"room":"r@chat.example.org","persistent":"yes"}"#)
                == .invalidParameter("persistent"))
        #expect(
            refusal(Rooms.DestroyRoomParameters.self, #"{"room":"r@chat.example.org","reason":"\u0000"}"#)
                == .invalidParameter("reason"))
        #expect(
            refusal(Rooms.LeaveParameters.self, #"{"room":"r@chat.example.org","nick":"n","jid":5}"#)
                == .invalidParameter("jid"))
        #expect(refusal(Rooms.ListRoomsParameters.self, #"{"service":5}"#) == .invalidParameter("service"))
        #expect(refusal(Rooms.GetRoomParameters.self, #"{}"#) == .invalidParameter("room"))
        #expect(refusal(Rooms.WatchParameters.self, #"{"room":5}"#) == .invalidParameter("room"))
        #expect(refusal(Rooms.ListServicesParameters.self, #"{"anything":5}"#) == nil)
    }

    @Test func auditLimitIsBounded() throws {
        for bad in ["0", "-1", "10001", "1.5", "\"5\"", "1e20"] {
            #expect(
                refusal(Rooms.GetAuditParameters.self, "{\"limit\":\(bad)}") == .invalidParameter("limit"), "\(bad)")
        }
        #expect(try read(Rooms.GetAuditParameters.self, #"{"limit":10000}"#).limit == 10_000)
        #expect(try read(Rooms.GetAuditParameters.self, #"{"limit":1}"#).limit == 1)
        #expect(try read(Rooms.GetAuditParameters.self, #"{}"#).limit == nil)
        if case .invalidAddress(let field, _, _)? = refusal(Rooms.GetAuditParameters.self, #"{"room":"x"}"#) {
            #expect(field == "room")
        } else {
            Issue.record("a bad room is an InvalidAddress")
        }
    }

    @Test func hugeAddressesAreShownShortened() {
        let value = String(repeating: "x", count: 5000)
        guard case .invalidAddress(_, let shown, _)? = refusal(Rooms.GetRoomParameters.self, "{\"room\":\"\(value)\"}")
        else {
            Issue.record("a huge room is an InvalidAddress")
            return
        }
        #expect(shown.utf8.count < 300)
    }
}
