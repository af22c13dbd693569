import MUCCore
import StrictJSON
import Testing

@testable import ControlProtocol

/// Every message of `org.muckick.Rooms` both ways: a call written by the client side (`VarlinkCall.framed`)
/// and read by roomd's side (the envelope's `parameters` through `init(reading:)`); a reply written by
/// roomd's side (`JSONWriter.varlinkReply`) and read by the client side (`VarlinkReply.parse`). The golden
/// texts pin the wire as it was before the contract had one owner: the responder's Kick call, roomd's replies.
@Suite struct ContractMessageTests {
    static let room = try! RoomAddress(parsing: "lobby@chat.example.org")
    static let bob = try! Nickname(parsing: "Bob")
    static let bobJID = try! JID(parsing: "bob@example.org/phone")

    /// Writes the call as a client does, reads it back as roomd does; returns the text without the NUL.
    @discardableResult
    func call<Call: RoomsCall & Equatable>(_ call: Call, more: Bool = false, golden: String) throws -> String {
        let frame = VarlinkCall.framed(call, more: more)
        #expect(frame.last == VarlinkFraming.terminator)
        let text = String(decoding: frame.dropLast(), as: UTF8.self)
        #expect(text == golden)
        let envelope = try JSONParser.parse(Array(frame.dropLast()))
        #expect(envelope["method"] == .string(Call.method.qualifiedName))
        #expect(try Call(reading: ParameterReader(envelope["parameters"])) == call)
        return text
    }

    /// Writes the reply as roomd does, reads it back as a client does.
    func reply<Reply: VarlinkParameters & Equatable>(_ reply: Reply, continues: Bool = false, golden: String) throws {
        let frame = JSONWriter.varlinkReply(continues: continues, reply)
        #expect(frame.last == VarlinkFraming.terminator)
        #expect(String(decoding: frame.dropLast(), as: UTF8.self) == golden)
        let (read, more) = try VarlinkReply.parse(Array(frame.dropLast()), as: Reply.self)
        #expect(read == reply)
        #expect(more == continues)
    }

    static var removed: Rooms.Removed {
        Rooms.Removed(room: room, nick: bob, jids: [bobJID], role: .participant, affiliation: .member)
    }
    static let removedJSON =
        #"{"room":"lobby@chat.example.org","nick":"Bob","jids":["bob@example.org/phone"],"role":"participant","affiliation":"member"}"#

    @Test func listServices() throws {
        try call(
            Rooms.ListServicesParameters(), golden: #"{"method":"org.muckick.Rooms.ListServices","parameters":{}}"#)
        try reply(
            Rooms.ListServicesReply(services: ["a.org", "chat.example.org"]),
            golden: #"{"parameters":{"services":["a.org","chat.example.org"]}}"#)
    }

    @Test func listRooms() throws {
        try call(Rooms.ListRoomsParameters(), golden: #"{"method":"org.muckick.Rooms.ListRooms","parameters":{}}"#)
        try call(
            Rooms.ListRoomsParameters(service: "chat.example.org"),
            golden: #"{"method":"org.muckick.Rooms.ListRooms","parameters":{"service":"chat.example.org"}}"#)
        try reply(
            Rooms.ListRoomsReply(rooms: [
                Rooms.RoomSummary(room: Self.room, name: "Lobby", persistent: true, occupants: 2),
                Rooms.RoomSummary(
                    room: try RoomAddress(parsing: "b@chat.example.org"), name: nil, persistent: false, occupants: 0),
            ]),
            golden:
                #"{"parameters":{"rooms":[{"room":"lobby@chat.example.org","name":"Lobby","persistent":true,"occupants":2},{"room":"b@chat.example.org","persistent":false,"occupants":0}]}}"#
        )
        try reply(Rooms.ListRoomsReply(rooms: []), golden: #"{"parameters":{"rooms":[]}}"#)
    }

    @Test func getRoom() throws {
        try call(
            Rooms.GetRoomParameters(room: Self.room),
            golden: #"{"method":"org.muckick.Rooms.GetRoom","parameters":{"room":"lobby@chat.example.org"}}"#)
        let room = Rooms.Room(
            room: Self.room, name: nil, persistent: true,
            occupants: [Rooms.Occupant(nick: Self.bob, jids: [Self.bobJID], role: .moderator, affiliation: .owner)],
            affiliations: [
                Rooms.AffiliationEntry(jid: try JID(parsing: "bob@example.org"), affiliation: .owner, reason: nil),
                Rooms.AffiliationEntry(jid: try JID(parsing: "eve@example.org"), affiliation: .outcast, reason: "spam"),
            ])
        try reply(
            Rooms.GetRoomReply(room: room),
            golden:
                #"{"parameters":{"room":{"room":"lobby@chat.example.org","persistent":true,"occupants":[{"nick":"Bob","jids":["bob@example.org/phone"],"role":"moderator","affiliation":"owner"}],"affiliations":[{"jid":"bob@example.org","affiliation":"owner"},{"jid":"eve@example.org","affiliation":"outcast","reason":"spam"}]}}}"#
        )
    }

    @Test func createRoom() throws {
        try call(
            Rooms.CreateRoomParameters(room: Self.room, name: "Lobby", persistent: false),
            golden:
                #"{"method":"org.muckick.Rooms.CreateRoom","parameters":{"room":"lobby@chat.example.org","name":"Lobby","persistent":false}}"#
        )
        try call(
            Rooms.CreateRoomParameters(room: Self.room),
            golden: #"{"method":"org.muckick.Rooms.CreateRoom","parameters":{"room":"lobby@chat.example.org"}}"#)
        try reply(
            Rooms.CreateRoomReply(room: Rooms.RoomSummary(room: Self.room, name: nil, persistent: true, occupants: 0)),
            golden: #"{"parameters":{"room":{"room":"lobby@chat.example.org","persistent":true,"occupants":0}}}"#)
    }

    @Test func destroyRoom() throws {
        try call(
            Rooms.DestroyRoomParameters(room: Self.room, reason: "closing"),
            golden:
                #"{"method":"org.muckick.Rooms.DestroyRoom","parameters":{"room":"lobby@chat.example.org","reason":"closing"}}"#
        )
        try reply(
            Rooms.RemovedReply(removed: [Self.removed]),
            golden: #"{"parameters":{"removed":["# + Self.removedJSON + "]}}")
        try reply(Rooms.RemovedReply(removed: []), golden: #"{"parameters":{"removed":[]}}"#)
    }

    @Test func join() throws {
        try call(
            Rooms.JoinParameters(room: Self.room, nick: Self.bob, jid: Self.bobJID, role: .visitor),
            golden:
                #"{"method":"org.muckick.Rooms.Join","parameters":{"room":"lobby@chat.example.org","nick":"Bob","jid":"bob@example.org/phone","role":"visitor"}}"#
        )
        try call(
            Rooms.JoinParameters(room: Self.room, nick: Self.bob, jid: Self.bobJID),
            golden:
                #"{"method":"org.muckick.Rooms.Join","parameters":{"room":"lobby@chat.example.org","nick":"Bob","jid":"bob@example.org/phone"}}"#
        )
        try reply(
            Rooms.JoinReply(
                occupant: Rooms.Occupant(nick: Self.bob, jids: [Self.bobJID], role: .participant, affiliation: .none)),
            golden:
                #"{"parameters":{"occupant":{"nick":"Bob","jids":["bob@example.org/phone"],"role":"participant","affiliation":"none"}}}"#
        )
    }

    @Test func leave() throws {
        try call(
            Rooms.LeaveParameters(room: Self.room, nick: Self.bob, jid: Self.bobJID),
            golden:
                #"{"method":"org.muckick.Rooms.Leave","parameters":{"room":"lobby@chat.example.org","nick":"Bob","jid":"bob@example.org/phone"}}"#
        )
        try call(
            Rooms.LeaveParameters(room: Self.room, nick: Self.bob),
            golden: #"{"method":"org.muckick.Rooms.Leave","parameters":{"room":"lobby@chat.example.org","nick":"Bob"}}"#
        )
        try reply(Rooms.EmptyReply(), golden: #"{"parameters":{}}"#)
    }

    /// The responder's call, byte for byte as it has always written it.
    @Test func kick() throws {
        try call(
            Rooms.KickParameters(
                room: Self.room, target: .nick(Self.bob), reason: "spam", actor: "api", protect: true,
                deadline: 1_767_225_600_000),
            golden:
                #"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"lobby@chat.example.org","nick":"Bob","reason":"spam","actor":"api","protect":true,"deadline":1767225600000}}"#
        )
        try call(
            Rooms.KickParameters(room: Self.room, target: .jid(try JID(parsing: "bob@example.org")), deadline: 5),
            golden:
                #"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"lobby@chat.example.org","jid":"bob@example.org","deadline":5}}"#
        )
        try call(
            Rooms.KickParameters(room: Self.room, target: .nick(Self.bob)),
            golden: #"{"method":"org.muckick.Rooms.Kick","parameters":{"room":"lobby@chat.example.org","nick":"Bob"}}"#)
        try reply(
            Rooms.KickReply(kicked: [Self.removed]), golden: #"{"parameters":{"kicked":["# + Self.removedJSON + "]}}")
        try reply(Rooms.KickReply(kicked: []), golden: #"{"parameters":{"kicked":[]}}"#)
    }

    @Test func setAffiliation() throws {
        try call(
            Rooms.SetAffiliationParameters(
                room: Self.room, jid: try JID(parsing: "eve@example.org"), affiliation: .outcast, reason: "spam",
                actor: "op"),
            golden:
                #"{"method":"org.muckick.Rooms.SetAffiliation","parameters":{"room":"lobby@chat.example.org","jid":"eve@example.org","affiliation":"outcast","reason":"spam","actor":"op"}}"#
        )
        try reply(
            Rooms.RemovedReply(removed: [Self.removed]),
            golden: #"{"parameters":{"removed":["# + Self.removedJSON + "]}}")
    }

    @Test func getAudit() throws {
        try call(
            Rooms.GetAuditParameters(room: Self.room, limit: 10),
            golden:
                #"{"method":"org.muckick.Rooms.GetAudit","parameters":{"room":"lobby@chat.example.org","limit":10}}"#)
        try call(Rooms.GetAuditParameters(), golden: #"{"method":"org.muckick.Rooms.GetAudit","parameters":{}}"#)
        try reply(
            Rooms.GetAuditReply(records: [
                Rooms.AuditRecord(
                    id: 1, time: "2026-11-25T14:36:32.123Z", action: "kick", room: "lobby@chat.example.org",
                    nick: "Bob",
                    jids: ["bob@example.org/a", "bob@example.org/b"], reason: "spam", actor: "api", uid: 33),
                Rooms.AuditRecord(
                    id: 2, time: "2026-11-25T14:36:33.000Z", action: "ban", room: "lobby@chat.example.org", nick: "Eve",
                    jids: [], reason: nil, actor: nil, uid: 0),
            ]),
            golden:
                #"{"parameters":{"records":[{"id":1,"time":"2026-11-25T14:36:32.123Z","action":"kick","room":"lobby@chat.example.org","nick":"Bob","jids":["bob@example.org/a","bob@example.org/b"],"reason":"spam","actor":"api","uid":33},{"id":2,"time":"2026-11-25T14:36:33.000Z","action":"ban","room":"lobby@chat.example.org","nick":"Eve","jids":[],"uid":0}]}}"#
        )
    }

    @Test func watch() throws {
        try call(
            Rooms.WatchParameters(room: Self.room), more: true,
            golden: #"{"method":"org.muckick.Rooms.Watch","more":true,"parameters":{"room":"lobby@chat.example.org"}}"#)
        try reply(
            Rooms.WatchReply(event: Rooms.Event(kind: .watching, room: Self.room)), continues: true,
            golden: #"{"continues":true,"parameters":{"event":{"kind":"watching","room":"lobby@chat.example.org"}}}"#)
        try reply(
            Rooms.WatchReply(event: Rooms.Event(kind: .watching)), continues: true,
            golden: #"{"continues":true,"parameters":{"event":{"kind":"watching"}}}"#)
        try reply(
            Rooms.WatchReply(
                event: Rooms.Event(
                    kind: .kicked, room: Self.room, nick: Self.bob, jids: [Self.bobJID], role: .participant,
                    affiliation: .member, reason: "spam", actor: "api")), continues: true,
            golden:
                #"{"continues":true,"parameters":{"event":{"kind":"kicked","room":"lobby@chat.example.org","nick":"Bob","jids":["bob@example.org/phone"],"role":"participant","affiliation":"member","reason":"spam","actor":"api"}}}"#
        )
        try reply(
            Rooms.WatchReply(
                event: Rooms.Event(
                    kind: .affiliation, room: Self.room, jids: [try JID(parsing: "eve@example.org")],
                    affiliation: .outcast, reason: nil, actor: "op")), continues: true,
            golden:
                #"{"continues":true,"parameters":{"event":{"kind":"affiliation","room":"lobby@chat.example.org","jids":["eve@example.org"],"affiliation":"outcast","actor":"op"}}}"#
        )
        for kind in Rooms.Event.Kind.allCases {
            try reply(
                Rooms.WatchReply(event: Rooms.Event(kind: kind)), continues: true,
                golden: #"{"continues":true,"parameters":{"event":{"kind":""# + kind.rawValue + #""}}}"#)
        }
    }

    @Test func varlinkService() throws {
        let info = VarlinkService.Info(
            vendor: "muc-kick", product: "roomd", version: "0.1.0", url: "https://github.com/muc-kick/muc-kick",
            interfaces: ["org.varlink.service", "org.muckick.Rooms"])
        try reply(
            info,
            golden:
                #"{"parameters":{"vendor":"muc-kick","product":"roomd","version":"0.1.0","url":"https://github.com/muc-kick/muc-kick","interfaces":["org.varlink.service","org.muckick.Rooms"]}}"#
        )
        try reply(
            VarlinkService.InterfaceDescription(description: "a\n"), golden: #"{"parameters":{"description":"a\n"}}"#)
        let parameters = VarlinkService.InterfaceParameters(interface: Rooms.interface)
        #expect(
            String(
                decoding: VarlinkCall.framed(method: "org.varlink.service.GetInterfaceDescription", parameters)
                    .dropLast(), as: UTF8.self)
                == #"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"org.muckick.Rooms"}}"#
        )
    }

    @Test func configureRoom() throws {
        try call(
            Rooms.ConfigureRoomParameters(room: Self.room),
            golden: #"{"method":"org.muckick.Rooms.ConfigureRoom","parameters":{"room":"lobby@chat.example.org"}}"#)
        var change = Rooms.ConfigureRoomParameters(room: Self.room)
        change.name = "Lobby"
        change.membersOnly = true
        change.whois = .anyone
        change.allowPM = .moderators
        change.maxUsers = 0
        try call(
            change,
            golden:
                #"{"method":"org.muckick.Rooms.ConfigureRoom","parameters":{"room":"lobby@chat.example.org","name":"Lobby","membersOnly":true,"whois":"anyone","allowPM":"moderators","maxUsers":0}}"#
        )
        #expect(!change.changesNothing && Rooms.ConfigureRoomParameters(room: Self.room).changesNothing)
        let applied = change.applied(to: RoomConfiguration(name: "Old", maxUsers: 5))
        #expect(applied.name == "Lobby" && applied.membersOnly && applied.whois == .anyone && applied.maxUsers == nil)
        try reply(
            Rooms.ConfigureRoomReply(configuration: .init(RoomConfiguration(name: "Lobby", password: "x", maxUsers: 20))),
            golden:
                #"{"parameters":{"configuration":{"name":"Lobby","persistent":true,"public":true,"membersOnly":false,"whois":"moderators","moderated":false,"passwordProtected":true,"changeSubject":false,"allowPM":"anyone","allowInvites":false,"maxUsers":20,"historyLength":20,"defaultHistoryMessages":20}}}"#
        )
        var history = Rooms.ConfigureRoomParameters(room: Self.room)
        history.historyLength = 5
        history.defaultHistoryMessages = 9
        try call(
            history,
            golden:
                #"{"method":"org.muckick.Rooms.ConfigureRoom","parameters":{"room":"lobby@chat.example.org","historyLength":5,"defaultHistoryMessages":9}}"#
        )
        let shorter = history.applied(to: RoomConfiguration())
        #expect(shorter.historyLength == 5 && shorter.defaultHistoryMessages == 5, "the default is at most the length")
        for bad in [
            #"{"room":"lobby@chat.example.org","whois":"all"}"#, #"{"room":"lobby@chat.example.org","maxUsers":-1}"#,
            #"{"room":"lobby@chat.example.org","historyLength":51}"#,
            #"{"room":"lobby@chat.example.org","defaultHistoryMessages":-1}"#,
            #"{"room":"lobby@chat.example.org","historyLength":"5"}"#,
        ] {
            let parameters = try JSONParser.parse(Array(bad.utf8))
            #expect(throws: RoomsError.self) { try Rooms.ConfigureRoomParameters(reading: ParameterReader(parameters)) }
        }
    }

    @Test func authenticate() throws {
        try call(
            Rooms.AuthenticateParameters(token: "t0k"),
            golden: #"{"method":"org.muckick.Rooms.Authenticate","parameters":{"token":"t0k"}}"#)
        try reply(
            Rooms.AuthenticateReply(caller: "token:web1", level: .kick),
            golden: #"{"parameters":{"caller":"token:web1","level":"kick"}}"#)
        let bad = try JSONParser.parse(Array(#"{"caller":"token:web1","level":"root"}"#.utf8))
        #expect(throws: RoomsError.invalidParameter("level")) {
            try Rooms.AuthenticateReply(reading: ParameterReader(bad))
        }
        let refusal = RoomsError.authenticationFailed(reason: "unknown or revoked token")
        #expect(RoomsError(name: refusal.name, parameters: .object(refusal.parameters)) == refusal)
    }

    /// Every method has its parameters type, and each names its own method.
    @Test func everyMethodHasItsMessages() {
        let methods: [Rooms.Method] = [
            Rooms.ListServicesParameters.method, Rooms.ListRoomsParameters.method, Rooms.GetRoomParameters.method,
            Rooms.CreateRoomParameters.method, Rooms.DestroyRoomParameters.method, Rooms.JoinParameters.method,
            Rooms.LeaveParameters.method, Rooms.KickParameters.method, Rooms.SetAffiliationParameters.method,
            Rooms.GetAuditParameters.method, Rooms.WatchParameters.method, Rooms.ConfigureRoomParameters.method,
            Rooms.AuthenticateParameters.method,
        ]
        #expect(Set(methods) == Set(Rooms.Method.allCases))
        #expect(methods.count == Rooms.Method.allCases.count)
    }

    @Test func repliesThatAreNotTheMethodsAreProtocolErrors() {
        #expect(throws: VarlinkReplyError.self) {
            try VarlinkReply.parse(Array(#"{"parameters":{"kicked":[{"nick":"Bob"}]}}"#.utf8), as: Rooms.KickReply.self)
        }
        #expect(throws: VarlinkReplyError.malformed("[1]")) { try VarlinkReply.parse(Array("[1]".utf8)) }
        #expect(throws: VarlinkReplyError.malformed(#"{"error":1}"#)) {
            try VarlinkReply.parse(Array(#"{"error":1}"#.utf8))
        }
        #expect(throws: VarlinkReplyError.malformed(#"{"parameters":[]}"#)) {
            try VarlinkReply.parse(Array(#"{"parameters":[]}"#.utf8))
        }
        // A reply without parameters is `{}`.
        #expect((try? VarlinkReply.parse(Array("{}".utf8), as: Rooms.EmptyReply.self).reply) == Rooms.EmptyReply())
    }
}
