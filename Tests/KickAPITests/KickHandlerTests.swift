import HTTPTypes
import MUCCore
import Testing

@testable import KickAPI

/// Stands in for roomd in the transport-free core's tests; the integration tests use the real one.
final class RecordingKicker: RoomKicker {
    var result: Result<[KickedOccupant], KickFailure>
    var commands: [KickCommand] = []

    init(_ result: Result<[KickedOccupant], KickFailure> = .success([KickedOccupant(nickname: "Bob", jids: ["bob@example.org/phone"])])) {
        self.result = result
    }

    func kick(_ command: KickCommand) throws(KickFailure) -> [KickedOccupant] {
        commands.append(command)
        return try result.get()
    }
}

let secret = "Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"

func handler(_ configure: (inout KickPolicy) -> Void = { _ in }) throws -> KickHandler {
    var policy = KickPolicy(authorization: try AuthorizationCheck(values: [secret]))
    configure(&policy)
    return KickHandler(policy: policy)
}

extension KickResponse {
    func header(_ name: String) -> String? { headerFields[HTTPField.Name(name)!] }
}

func post(_ body: String, authorization: String? = secret, contentType: String? = "application/json") -> KickRequest {
    KickRequest(method: .post, authorization: authorization, contentType: contentType, body: Array(body.utf8))
}

let bobInLobby = #"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":"spam"}"#

@Suite struct KickHandlerTests {
    @Test func successKicksOnceAndDescribesWhatWasRemoved() throws {
        let kicker = RecordingKicker()
        let response = try handler().respond(to: post(bobInLobby), using: kicker)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(
            response.bodyText
                == #"{"kicked":{"jids":["bob@example.org/phone"],"muc":"lobby@chat.example.org","nickname":"Bob","nicknames":["Bob"]}}"#
        )
        #expect(
            kicker.commands == [
                KickCommand(
                    room: try RoomAddress(parsing: "lobby@chat.example.org"), target: .nick(try Nickname(parsing: "Bob")),
                    reason: "spam", protectPrivileged: false)
            ])
        #expect(response.logRoom == "lobby@chat.example.org")
        #expect(response.logNickname == "Bob")
    }

    @Test(arguments: [nil, "", "Basic nope", "basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5", secret + " ", " " + secret])
    func wrongOrMissingAuthorizationIs401(authorization: String?) throws {
        let kicker = RecordingKicker()
        let response = try handler().respond(to: post(bobInLobby, authorization: authorization), using: kicker)
        #expect(response.status == 401)
        #expect(response.bodyText == #"{"error":"Authorization failed"}"#)
        #expect(response.header("WWW-Authenticate") != nil)
        #expect(kicker.commands.isEmpty)
    }

    @Test(arguments: ["GET", "HEAD", "PUT", "DELETE", "PATCH", "BREW"])
    func otherMethodsAre405WithAllow(method: String) throws {
        let response = try handler().respond(to: KickRequest(method: HTTPRequest.Method(method), authorization: secret), using: RecordingKicker())
        #expect(response.status == 405)
        #expect(response.header("Allow") == "POST, OPTIONS")
        #expect(response.bodyText == #"{"error":"Method not allowed"}"#)
    }

    @Test func optionsIs204WithAllowAndCORSOnlyWhenConfigured() throws {
        let plain = try handler().respond(to: KickRequest(method: .options), using: RecordingKicker())
        #expect(plain.status == 204)
        #expect(plain.header("Allow") == "POST, OPTIONS")
        #expect(plain.header("Access-Control-Allow-Origin") == nil)
        #expect(plain.body.isEmpty)
        let cors = try handler { $0.corsAllowOrigin = "https://app.example.org" }
            .respond(to: KickRequest(method: .options), using: RecordingKicker())
        #expect(cors.header("Access-Control-Allow-Origin") == "https://app.example.org")
        #expect(cors.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
    }

    @Test func tooLargeIs413ButOnlyAfterAuthorization() throws {
        var request = post("")
        request.bodyTooLarge = true
        #expect(try handler().respond(to: request, using: RecordingKicker()).status == 413)
        request.authorization = "wrong"
        #expect(try handler().respond(to: request, using: RecordingKicker()).status == 401)
    }

    @Test(arguments: [
        ("", "Request body is empty: expected a JSON object"),
        ("  \n", "Request body is empty: expected a JSON object"),
        ("{", "Request body is not valid JSON"),
        (#"{"nickname":"Bob","muc":"a@b"} trailing"#, "Request body is not valid JSON"),
        (#"{"nickname":"Bob","muc":"a@b"}{}"#, "Request body is not valid JSON"),
        ("nickname=Bob&muc=a@b", "Request body is not valid JSON"),
        ("[]", "Request body is not a JSON object"),
        (#"["nickname"]"#, "Request body is not a JSON object"),
        ("42", "Request body is not a JSON object"),
        ("true", "Request body is not a JSON object"),
        ("null", "Request body is not a JSON object"),
        (#""text""#, "Request body is not a JSON object"),
    ])
    func bodiesThatAreNotAJSONObjectAre400(body: String, message: String) throws {
        let response = try handler().respond(to: post(body), using: RecordingKicker())
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"\#(message)"}"#)
    }

    @Test func invalidUTF8IsInvalidJSON() throws {
        var request = post("")
        request.body = Array(#"{"nickname":""#.utf8) + [0xFF, 0xFE] + Array(#"","muc":"a@b"}"#.utf8)
        #expect(try handler().respond(to: request, using: RecordingKicker()).status == 400)
    }

    @Test(arguments: [
        "{}", #"{"muc":"lobby@chat.example.org"}"#, #"{"nickname":"Bob"}"#,
        #"{"nickname":null,"muc":"lobby@chat.example.org"}"#, #"{"nickname":"Bob","muc":null}"#,
        #"{"jid":null,"muc":"lobby@chat.example.org"}"#,
    ])
    func missingOrNullFieldsUseTheOriginalsText(body: String) throws {
        let response = try handler().respond(to: post(body), using: RecordingKicker())
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"Missing nickname and/or MUC"}"#)
    }

    @Test(arguments: [
        (#"{"nickname":{},"muc":"lobby@chat.example.org"}"#, "Invalid nickname: expected a string"),
        (#"{"nickname":true,"muc":"lobby@chat.example.org"}"#, "Invalid nickname: expected a string"),
        (#"{"nickname":7,"muc":"lobby@chat.example.org"}"#, "Invalid nickname: expected a string"),
        (#"{"nickname":"Bob","muc":12}"#, "Invalid MUC: expected a string"),
        (#"{"nickname":"Bob","muc":["a@b"]}"#, "Invalid MUC: expected a string"),
        (#"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":5}"#, "Invalid reason: expected a string"),
        (#"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":{"a":1}}"#, "Invalid reason: expected a string"),
        (#"{"jid":42,"muc":"lobby@chat.example.org"}"#, "Invalid jid: expected a string"),
    ])
    func wrongTypesNameTheField(body: String, message: String) throws {
        let kicker = RecordingKicker()
        let response = try handler().respond(to: post(body), using: kicker)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"\#(message)"}"#)
        // Unlike the original, a bad reason never silently removes the occupant.
        #expect(kicker.commands.isEmpty)
    }

    @Test(arguments: [
        (#"{"nickname":"Bob","muc":""}"#, "Invalid MUC address: is empty"),
        (#"{"nickname":"Bob","muc":"chat.example.org"}"#, "Invalid MUC address: has no '@': a room address is node@service"),
        (#"{"nickname":"Bob","muc":"@chat.example.org"}"#, "Invalid MUC address: has an empty node"),
        (#"{"nickname":"Bob","muc":"lobby@chat.example.org/Bob"}"#, "Invalid MUC address: has a '/resource' part, which a room address must not have"),
        (#"{"nickname":"Bob","muc":"a@b@c"}"#, "Invalid MUC address: has more than one '@'"),
        (#"{"nickname":"Bob","muc":"lob\u0000by@chat.example.org"}"#, "Invalid MUC address: contains a control character"),
        (#"{"nickname":"","muc":"lobby@chat.example.org"}"#, "Invalid nickname: is empty"),
        (#"{"nickname":"Bo\nb","muc":"lobby@chat.example.org"}"#, "Invalid nickname: contains a control character"),
        (#"{"jid":"not a jid@x","muc":"lobby@chat.example.org"}"#, "Invalid jid: has a forbidden character ' ' in its node"),
    ])
    func invalidAddressesNameTheField(body: String, message: String) throws {
        let response = try handler().respond(to: post(body), using: RecordingKicker())
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"\#(message)"}"#)
    }

    @Test func tooLongNicknameAndMUCAre400() throws {
        let long = String(repeating: "x", count: 1024)
        let nick = try handler().respond(
            to: post(#"{"nickname":"\#(long)","muc":"lobby@chat.example.org"}"#), using: RecordingKicker())
        #expect(nick.bodyText == #"{"error":"Invalid nickname: nickname is longer than 1023 bytes"}"#)
        let muc = try handler().respond(to: post(#"{"nickname":"Bob","muc":"\#(long)@chat.example.org"}"#), using: RecordingKicker())
        #expect(muc.bodyText == #"{"error":"Invalid MUC address: node is longer than 1023 bytes"}"#)
    }

    @Test func bothNicknameAndJIDIs400() throws {
        let response = try handler().respond(
            to: post(#"{"nickname":"Bob","jid":"bob@example.org","muc":"lobby@chat.example.org"}"#), using: RecordingKicker())
        #expect(response.status == 400)
    }

    @Test func kickByJIDNormalisesAndReportsEveryNickname() throws {
        let kicker = RecordingKicker(
            .success([
                KickedOccupant(nickname: "Bob", jids: ["bob@example.org/a"]),
                KickedOccupant(nickname: "Bobby", jids: ["bob@example.org/b"]),
            ]))
        let response = try handler().respond(
            to: post(#"{"jid":"Bob@Example.org","muc":"lobby@chat.example.org"}"#), using: kicker)
        #expect(response.status == 200)
        #expect(kicker.commands.first?.target == .jid(try JID(parsing: "bob@example.org")))
        #expect(
            response.bodyText
                == #"{"kicked":{"jid":"bob@example.org","jids":["bob@example.org/a","bob@example.org/b"],"muc":"lobby@chat.example.org","nicknames":["Bob","Bobby"]}}"#
        )
    }

    @Test func roomAddressIsNormalisedNicknameIsNot() throws {
        let kicker = RecordingKicker()
        _ = try handler().respond(to: post(#"{"nickname":"bOB","muc":"Snuggery@Chat.Example.org"}"#), using: kicker)
        #expect(kicker.commands.first?.room.description == "snuggery@chat.example.org")
        #expect(kicker.commands.first?.target == .nick(try Nickname(parsing: "bOB")))
    }

    @Test func extraFieldsAreIgnoredAndEmptyOrNullReasonIsNone() throws {
        let kicker = RecordingKicker()
        let body = #"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":"","extra":[1,{"x":null}]}"#
        #expect(try handler().respond(to: post(body), using: kicker).status == 200)
        _ = try handler().respond(to: post(#"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":null}"#), using: kicker)
        #expect(kicker.commands.map(\.reason) == [nil, nil])
    }

    @Test func strictContentTypeIs415() throws {
        let strict = try handler { $0.requireJSONContentType = true }
        #expect(strict.respond(to: post(bobInLobby, contentType: "text/plain"), using: RecordingKicker()).status == 415)
        #expect(strict.respond(to: post(bobInLobby, contentType: nil), using: RecordingKicker()).status == 415)
        #expect(strict.respond(to: post(bobInLobby, contentType: "application/json; charset=utf-8"), using: RecordingKicker()).status == 200)
        #expect(strict.respond(to: post(bobInLobby, contentType: "Application/JSON"), using: RecordingKicker()).status == 200)
        #expect(strict.respond(to: post(bobInLobby, contentType: "application/merge-patch+json"), using: RecordingKicker()).status == 200)
        // Lenient by default, like the original.
        #expect(try handler().respond(to: post(bobInLobby, contentType: "text/plain"), using: RecordingKicker()).status == 200)
    }

    @Test func protectionIsPassedToRoomd() throws {
        let kicker = RecordingKicker()
        _ = try handler { $0.protectPrivileged = true }.respond(to: post(bobInLobby), using: kicker)
        #expect(kicker.commands.first?.protectPrivileged == true)
    }

    @Test(arguments: [
        (KickFailure.serviceNotFound(domain: "chat.example.org"), 404, #"{"error":"MUC not found: No such host: chat.example.org"}"#),
        (.roomNotFound, 404, #"{"error":"MUC not found: No MUC 'lobby' found for host: chat.example.org"}"#),
        (.occupantNotFound, 404, #"{"error":"Nickname not found in MUC: Bob"}"#),
        (.notAllowed(nickname: "Bob", affiliation: "owner"), 403, #"{"error":"Not allowed to kick Bob: occupant is owner"}"#),
        (.unavailable("no socket"), 503, #"{"error":"Room service unavailable"}"#),
        (.timedOut, 504, #"{"error":"Room service did not answer in time"}"#),
        (.unexpected("boom"), 500, #"{"error":"Internal error"}"#),
    ])
    func roomdFailuresMapToOneStatusEach(failure: KickFailure, status: Int, body: String) throws {
        let response = try handler().respond(to: post(bobInLobby), using: RecordingKicker(.failure(failure)))
        #expect(response.status.code == status)
        #expect(response.bodyText == body)
        #expect(response.header("Content-Type") == "application/json")
        if status == 503 { #expect(response.header("Retry-After") == "5") }
    }

    @Test func cgiBytesCarryStatusHeadersAndLength() throws {
        let response = try handler().respond(to: KickRequest(method: .get), using: RecordingKicker())
        let text = String(decoding: response.cgiBytes(), as: UTF8.self)
        #expect(text.hasPrefix("Status: 405 Method Not Allowed\r\nContent-Type: application/json\r\nAllow: POST, OPTIONS\r\n"))
        #expect(text.hasSuffix("Content-Length: 30\r\n\r\n{\"error\":\"Method not allowed\"}"))
    }
}

@Suite struct KickHandlerFreeTextTests {
    @Test(arguments: [
        (#"\u0001"#, "U+0001"), (#"\u001b[2J"#, "U+001B"), (#"\u0000"#, "U+0000"), (#"\uFFFE"#, "U+FFFE"),
        (#"\u009b"#, "U+009B"),
    ])
    func aReasonWithACharacterXMLCannotCarryIs400AndNothingIsKicked(escape: String, named: String) throws {
        let kicker = RecordingKicker()
        let body = #"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":"x"# + escape + #"y"}"#
        let response = try handler().respond(to: post(body), using: kicker)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"Invalid reason: 'reason' contains the character "# + named + #", which is not allowed"}"#)
        #expect(kicker.commands.isEmpty)
    }

    @Test func aReasonOverTheCapIs400() throws {
        let kicker = RecordingKicker()
        let body = #"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":""# + String(repeating: "r", count: 1025) + #""}"#
        let response = try handler().respond(to: post(body), using: kicker)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"Invalid reason: 'reason' is longer than 1024 bytes"}"#)
        #expect(kicker.commands.isEmpty)
    }
}

@Suite struct KickHandlerContentLengthTests {
    @Test func anInvalidContentLengthIs400AfterAuthorization() throws {
        var request = post(bobInLobby)
        request.body = []
        request.contentLengthInvalid = true
        let kicker = RecordingKicker()
        let response = try handler().respond(to: request, using: kicker)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"Invalid Content-Length"}"#)
        #expect(kicker.commands.isEmpty)
        request.authorization = "Basic bm9wZQ=="
        #expect(try handler().respond(to: request, using: kicker).status == 401)
    }
}

@Suite struct KickHandlerMemberCapTests {
    @Test func anObjectOverTheMemberCapIs400NamingTheCap() throws {
        let kicker = RecordingKicker()
        let body = "{" + (0..<300).map { #""k\#($0)":0"# }.joined(separator: ",") + "}"
        let response = try handler().respond(to: post(body), using: kicker)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"error":"Request body has an object of more than 256 members"}"#)
        #expect(kicker.commands.isEmpty)
    }
}
