import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

@Suite("History") struct DiscussionHistoryTests {
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")
    let orchard = try! RoomAddress(parsing: "orchard@chat.localhost")
    let juliet = try! JID(parsing: "juliet@localhost/balcony")

    func message(_ body: String, from nick: String = "Romeo", id: String = "m1") -> XMLElement {
        var message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": "garden@chat.localhost/\(nick)", "type": "groupchat", "id": id])
        message.append(XMLElement("body", namespace: Namespace.component).adding(text: body))
        return message
    }

    func bodies(_ messages: [XMLElement]) -> [String] {
        messages.map { $0.child("body", namespace: Namespace.component)?.text ?? "" }
    }

    func filled(_ count: Int, length: Int = 20, start: Int64 = 1000) -> DiscussionHistory {
        var history = DiscussionHistory()
        for i in 0..<count { history.add(message("m\(i)"), in: garden, length: length, now: start + Int64(i)) }
        return history
    }

    @Test func aKeptMessageIsStampedByTheRoomAndAddressedToTheJoiner() throws {
        let history = filled(1, start: 1_796_654_405)
        let sent = history.messages(in: garden, to: juliet, request: HistoryRequest(), defaultCount: 20)
        try #require(sent.count == 1)
        #expect(sent[0]["to"] == juliet.description)
        #expect(sent[0]["from"] == "garden@chat.localhost/Romeo")
        let delay = try #require(sent[0].elements.last)
        #expect(delay.name == "delay" && delay.namespace == Namespace.delay)
        #expect(delay["from"] == "garden@chat.localhost")
        #expect(delay["stamp"] == "2026-12-07T14:40:05Z")
    }

    @Test func aRoomKeepsItsLastLengthMessagesAndALowerLengthTrimsIt() {
        var history = filled(25)
        let all = history.messages(in: garden, to: juliet, request: HistoryRequest(maxStanzas: 100), defaultCount: 20)
        #expect(bodies(all) == (5..<25).map { "m\($0)" })
        history.trim(garden, to: 3)
        #expect(history.totalEntries == 3)
        #expect(
            bodies(history.messages(in: garden, to: juliet, request: HistoryRequest(), defaultCount: 20))
                == ["m22", "m23", "m24"])
        history.add(message("x"), in: garden, length: 0, now: 2000)
        #expect(history.rooms[garden] == nil && history.totalBytes == 0, "a length of 0 keeps nothing")
    }

    @Test func aJoinWithoutARequestGetsTheDefaultCountAndMaxstanzasItsOwn() {
        let history = filled(10)
        #expect(
            bodies(history.messages(in: garden, to: juliet, request: HistoryRequest(), defaultCount: 2)) == [
                "m8", "m9",
            ])
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(maxStanzas: 0), defaultCount: 2)
                .isEmpty)
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(maxStanzas: 4), defaultCount: 2)
                .count == 4)
        // With maxchars or since alone, every message kept may pass, whatever the default.
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(since: 0), defaultCount: 2)
                .count == 10)
    }

    /// §7.2.14: maxchars counts the characters of the complete stanzas, markup included, as sent to the joiner.
    @Test func maxcharsCountsEachCompleteStanzaAsSentToTheJoiner() throws {
        var history = DiscussionHistory()
        history.add(message("é€"), in: garden, length: 20, now: 1000)
        history.add(message("hello", id: "m2"), in: garden, length: 20, now: 1001)
        let both = history.messages(in: garden, to: juliet, request: HistoryRequest(maxStanzas: 9), defaultCount: 0)
        let sizes = both.map { $0.serialized(parentNamespace: Namespace.component).unicodeScalars.count }
        let total = sizes.reduce(0, +)
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(maxChars: total), defaultCount: 0)
                .count == 2)
        #expect(
            bodies(
                history.messages(
                    in: garden, to: juliet, request: HistoryRequest(maxChars: total - 1), defaultCount: 0)) == ["hello"]
        )
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(maxChars: sizes[1] - 1), defaultCount: 0)
                .isEmpty)
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(maxChars: 0), defaultCount: 0)
                .isEmpty)
        // Characters, not bytes: the first body is 2 characters in 5 bytes.
        #expect(sizes[0] < both[0].serialized(parentNamespace: Namespace.component).utf8.count)
    }

    @Test func sinceKeepsTheMessagesFromThatTimeOn() {
        let history = filled(10, start: 1000)
        #expect(
            bodies(history.messages(in: garden, to: juliet, request: HistoryRequest(since: 1007), defaultCount: 0))
                == ["m7", "m8", "m9"])
        #expect(
            history.messages(in: garden, to: juliet, request: HistoryRequest(since: 1009.5), defaultCount: 0)
                .isEmpty)
        // Every limit applies: the tightest wins.
        let both = HistoryRequest(maxStanzas: 2, since: 1005)
        #expect(bodies(history.messages(in: garden, to: juliet, request: both, defaultCount: 0)) == ["m8", "m9"])
    }

    @Test func whatBelongsInTheHistoryIsWhatProsodyKeeps() {
        func with(_ name: String, _ namespace: String) -> XMLElement {
            XMLElement("message", namespace: Namespace.component).adding(XMLElement(name, namespace: namespace))
        }
        #expect(DiscussionHistory.isHistoric(message("hi")))
        #expect(!DiscussionHistory.isHistoric(with("subject", Namespace.component)))
        #expect(!DiscussionHistory.isHistoric(with("active", "http://jabber.org/protocol/chatstates")))
        #expect(DiscussionHistory.isHistoric(with("store", Namespace.hints)))
        #expect(DiscussionHistory.isHistoric(with("encryption", "urn:xmpp:eme:0")))
        #expect(DiscussionHistory.isHistoric(with("displayed", "urn:xmpp:chat-markers:0")))
        #expect(!DiscussionHistory.isHistoric(message("hi").adding(XMLElement("no-store", namespace: Namespace.hints))))
        #expect(
            !DiscussionHistory.isHistoric(
                message("hi").adding(XMLElement("no-permanent-store", namespace: Namespace.hints))))
    }

    @Test func aRoomKeepsAtMostItsBytesAndNoMessageLargerThanThem() {
        var history = DiscussionHistory(maxRoomBytes: 1000, maxServiceBytes: 1_000_000)
        history.add(message(String(repeating: "x", count: 1000)), in: garden, length: 50, now: 1)
        #expect(history.rooms[garden] == nil, "larger than the room's bytes: not kept")
        for i in 0..<20 {
            history.add(message(String(repeating: "y", count: 150) + "\(i)"), in: garden, length: 50, now: 2)
        }
        let kept = history.rooms[garden]!
        #expect(kept.bytes <= 1000 && kept.bytes == history.totalBytes)
        #expect(kept.entries.count < 20 && kept.entries.last!.message.child("body")!.text.hasSuffix("19"))
    }

    /// A client filling many rooms cannot grow the service past its bound: the oldest messages go first,
    /// whichever room they are in.
    @Test func theServiceKeepsAtMostItsBytesDroppingTheOldestFirst() throws {
        var history = DiscussionHistory(maxRoomBytes: 10_000, maxServiceBytes: 3000)
        for i in 0..<10 { history.add(message("garden \(i)"), in: garden, length: 50, now: Int64(i)) }
        for i in 0..<100 {
            let room = try RoomAddress(parsing: "room\(i)@chat.localhost")
            history.add(message(String(repeating: "z", count: 200)), in: room, length: 50, now: 100)
            #expect(history.totalBytes <= 3000)
        }
        #expect(history.rooms[garden] == nil, "the oldest room's messages went first")
        #expect(history.rooms.count < 20)
        #expect(history.totalEntries == history.rooms.values.reduce(0) { $0 + $1.entries.count })
    }

    @Test func theArrivalQueueStaysBoundedWhileRoomsTrimThemselves() {
        var history = DiscussionHistory()
        for i in 0..<10_000 { history.add(message("m\(i)"), in: garden, length: 2, now: Int64(i)) }
        #expect(history.totalEntries == 2)
        #expect(history.arrivalCount <= 2 * 2 + 1025)
    }

    @Test func anUndoneChangePutsTheRoomsHistoryBack() {
        var history = filled(3)
        let saved = history.rooms[garden]
        history.add(message("undone"), in: garden, length: 20, now: 5000)
        history.add(message("orchard"), in: orchard, length: 20, now: 5000)
        history.restore(saved, of: garden)
        #expect(
            bodies(history.messages(in: garden, to: juliet, request: HistoryRequest(), defaultCount: 20)) == [
                "m0", "m1", "m2",
            ])
        #expect(history.totalBytes == saved!.bytes + history.rooms[orchard]!.bytes)
        history.restore(nil, of: garden)
        #expect(history.rooms[garden] == nil && history.totalEntries == 1)
    }
}
