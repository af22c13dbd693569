import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Discussion history through the component (XEP-0045 §7.2.13–7.2.14), as Prosody 0.12's `history.lib.lua`
/// gives it.
@Suite("HistoryFlow") struct MUCComponentHistoryTests: ComponentSuite {
    let service: MUCComponentService = {
        let service = MUCComponentService(domain: "chat.localhost")
        service.wallClock = { 1_796_654_405 }
        return service
    }()
    var registry = RoomRegistry(services: ["chat.localhost"])

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    mutating func openRoom() {
        _ = send(join(Self.romeo, as: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
    }

    func say(_ body: String, from session: String = Self.romeo, _ extra: [XMLElement] = []) -> XMLElement {
        stanza(
            "message", from: session, to: "garden@chat.localhost", type: "groupchat", id: body,
            [text("body", body)] + extra)
    }

    func bodies(_ stanzas: [XMLElement]) -> [String] {
        stanzas.compactMap { $0.child("body", namespace: Namespace.component)?.text }
    }

    /// A join whose MUC element asks for history with `attributes`.
    func join(_ session: String, as nick: String, history attributes: [String: String]) -> XMLElement {
        let x = XMLElement("x", namespace: Namespace.muc).adding(
            XMLElement("history", namespace: Namespace.muc, attributes: attributes))
        return stanza("presence", from: session, to: "garden@chat.localhost/\(nick)", [x])
    }

    /// §7.2.3, §7.2.13: the others' presences, the joiner's own, the history, then the subject.
    @Test mutating func aJoinerGetsTheHistoryBetweenItsOwnPresenceAndTheSubject() throws {
        openRoom()
        _ = send(say("one"))
        _ = send(say("two"))
        let out = RecipientOrder.grouped(send(join(Self.juliet, as: "Juliet")))
        let toJuliet = out.filter { $0["to"] == Self.juliet }
        #expect(toJuliet.map(\.name) == ["presence", "presence", "message", "message", "message"])
        #expect(codes(toJuliet[1]) == ["110"])
        #expect(bodies(toJuliet) == ["one", "two"])
        #expect(toJuliet[4].child("subject", namespace: Namespace.component) != nil)
        #expect(out.first?["to"] == Self.juliet, "the joiner's answer still leaves first and whole")
        let first = toJuliet[2]
        #expect(first["from"] == "garden@chat.localhost/Romeo" && first["type"] == "groupchat" && first["id"] == "one")
        let delay = try #require(first.child("delay", namespace: Namespace.delay))
        #expect(delay.attributes == ["from": "garden@chat.localhost", "stamp": "2026-12-07T14:40:05Z"])
    }

    @Test mutating func eachFilterOfTheJoinIsApplied() {
        openRoom()
        for (i, body) in ["one", "two", "three"].enumerated() {
            service.wallClock = { 1_796_654_400 + Int64(i) * 100 }
            _ = send(say(body))
        }
        service.wallClock = { 1_796_654_650 }
        #expect(bodies(send(join(Self.juliet, as: "Juliet", history: ["maxstanzas": "1"]))) == ["three"])
        #expect(bodies(send(join(Self.nurse, as: "Nurse", history: ["seconds": "160"]))) == ["two", "three"])
        _ = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        #expect(bodies(send(join(Self.nurse, as: "Nurse", history: ["since": "2026-12-07T14:43:20Z"]))) == ["three"])
        _ = send(stanza("presence", from: Self.nurse, to: "garden@chat.localhost/Nurse", type: "unavailable"))
        #expect(bodies(send(join(Self.nurse, as: "Nurse", history: ["maxchars": "0"]))).isEmpty)
    }

    @Test mutating func aSubjectChangeAndANoStoreMessageAreNotKept() {
        openRoom()
        _ = send(
            stanza(
                "message", from: Self.romeo, to: "garden@chat.localhost", type: "groupchat", [text("subject", "Topic")])
        )
        _ = send(say("secret", [XMLElement("no-store", namespace: Namespace.hints)]))
        _ = send(say("kept"))
        #expect(bodies(send(join(Self.juliet, as: "Juliet"))) == ["kept"])
    }

    /// Prosody's `muc-occupant-groupchat` drops a delay claiming the room: only the room stamps its history,
    /// so a sender cannot make its message look like an old one from the room.
    @Test mutating func aDelayASenderClaimsTheRoomAddedIsDropped() throws {
        openRoom()
        _ = send(join(Self.juliet, as: "Juliet"))
        let forged = XMLElement(
            "delay", namespace: Namespace.delay,
            attributes: ["from": "Garden@chat.localhost", "stamp": "2001-01-01T00:00:00Z"])
        let own = XMLElement(
            "delay", namespace: Namespace.delay,
            attributes: ["from": "romeo@localhost", "stamp": "2001-01-01T00:00:00Z"])
        let live = send(say("old news", [forged, own]))
        #expect(live.count == 2)
        for copy in live {
            #expect(copy.children("delay", namespace: Namespace.delay).map { $0["from"] } == ["romeo@localhost"])
        }
        let kept = send(join(Self.nurse, as: "Nurse")).filter { $0.name == "message" && $0["to"] == Self.nurse }
        #expect(
            kept[0].children("delay", namespace: Namespace.delay).map { $0["from"] } == [
                "romeo@localhost", "garden@chat.localhost",
            ])
    }

    /// As in Prosody, history keeps the nickname a message was sent under, and a kicked sender's messages.
    @Test mutating func historyKeepsTheNicknameOfTheSenderAfterARenameOrAKick() {
        openRoom()
        _ = send(join(Self.juliet, as: "Juliet"))
        _ = send(say("hello", from: Self.juliet))
        _ = send(stanza("presence", from: Self.juliet, to: "garden@chat.localhost/Jules"))
        _ = send(say("again", from: Self.juliet))
        let kick = XMLElement(
            "item", namespace: Namespace.mucAdmin, attributes: ["nick": "Jules", "role": "none"])
        _ = send(
            stanza(
                "iq", from: Self.romeo, to: "garden@chat.localhost", type: "set",
                [
                    XMLElement("query", namespace: Namespace.mucAdmin).adding(kick)
                ]))
        let out = send(join(Self.nurse, as: "Nurse")).filter { $0.name == "message" && $0["to"] == Self.nurse }
        #expect(
            out.compactMap { $0.child("body") == nil ? nil : $0["from"] } == [
                "garden@chat.localhost/Juliet", "garden@chat.localhost/Jules",
            ])
    }

    @Test mutating func theFormOffersTheHistoryFieldsAndTheRoomKeepsWhatTheySay() throws {
        openRoom()
        let form = send(OwnerStanzas.iq(from: Self.romeo, to: "garden@chat.localhost", type: "get", nil))
        let x = try #require(form.first?.child("query")?.child("x", namespace: Namespace.dataForms))
        let fields = x.children("field", namespace: Namespace.dataForms)
        let length = try #require(fields.first { $0["var"] == "muc#roomconfig_historylength" })
        #expect(length.child("value")?.text == "20" && length["type"] == "text-single")
        #expect(length.child("validate", namespace: Namespace.dataValidate)?["datatype"] == "xs:integer")
        let defaults = try #require(fields.first { $0["var"] == "muc#roomconfig_defaulthistorymessages" })
        #expect(defaults.child("value")?.text == "20")

        for i in 0..<5 { _ = send(say("m\(i)")) }
        let submitted = send(
            OwnerStanzas.submit(
                from: Self.romeo,
                ["muc#roomconfig_historylength": ["3"], "muc#roomconfig_defaulthistorymessages": ["9"]]))
        #expect(submitted.contains { codes($0) == ["104"] }, "a change of history settings is announced (104)")
        let c = try registry.room(garden).configuration
        #expect(c.historyLength == 3 && c.defaultHistoryMessages == 3, "the default is at most the length")
        #expect(bodies(send(join(Self.juliet, as: "Juliet"))) == ["m2", "m3", "m4"], "a shorter length trims")
        _ = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_historylength": ["0"]]))
        _ = send(say("gone"))
        #expect(bodies(send(join(Self.nurse, as: "Nurse"))).isEmpty)
    }

    @Test mutating func aHistoryLengthThatIsNotANumberOrTooLargeIsRefusedAndChangesNothing() throws {
        openRoom()
        for (value, condition) in [
            ("51", "not-acceptable"), ("many", "bad-request"), ("-1", "bad-request"), ("", "bad-request"),
        ] {
            let out = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_historylength": [value]]))
            #expect(out.count == 1 && out[0]["type"] == "error")
            #expect(out[0].child("error")?.child(condition, namespace: Namespace.stanzaErrors) != nil, "\(value)")
        }
        #expect(try registry.room(garden).configuration.historyLength == 20)
    }

    @Test mutating func aRoomWithoutHistoryAnswersAJoinAsBefore() {
        openRoom()
        let out = send(join(Self.juliet, as: "Juliet", history: ["maxstanzas": "5"]))
        #expect(out.map(\.name) == ["presence", "presence", "presence", "message"])
    }

    @Test mutating func aDestroyedRoomLeavesNoHistoryForItsSuccessor() {
        openRoom()
        _ = send(say("before"))
        _ = send(stanza("presence", from: Self.romeo, to: "garden@chat.localhost/Romeo", type: "unavailable"))
        #expect(service.occupancy.history.rooms[garden] == nil, "the temporary room went with its last occupant")
        openRoom()
        #expect(bodies(send(join(Self.juliet, as: "Juliet"))).isEmpty)
    }

    @Test mutating func anUndoneTurnPutsTheHistoryBack() {
        openRoom()
        _ = send(say("kept"))
        let saved = service.state(of: garden)
        _ = send(say("undone"))
        service.restore(saved, of: garden)
        #expect(bodies(send(join(Self.juliet, as: "Juliet"))) == ["kept"])
    }
}
