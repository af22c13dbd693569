import MUCCore
import NIOCore
import Testing
import XMLStream

@testable import RoomDaemon

/// How a join's stanzas go out on the component stream: the joiner's whole answer first and in one run, so
/// that a server reading the stream in chunks (Prosody: 8 KiB) hands it to the joiner's client in one write.
@Suite struct JoinAnswerOrderTests {
    static func join(_ session: String, as nick: String) -> String {
        "<presence from='\(session)' to='room@chat.example.org/\(nick)'><x xmlns='http://jabber.org/protocol/muc'/>"
            + "</presence>"
    }

    static func statusCodes(_ stanza: XMLStream.XMLElement) -> [String] {
        stanza.child("x", namespace: "http://jabber.org/protocol/muc#user")?.children("status")
            .compactMap { $0["code"] } ?? []
    }

    @Test func theJoinersAnswerLeavesFirstAndWholeBeforeTheBroadcastToTheOthers() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        try fixture.channel.writeInbound(ByteBuffer(string: Self.join("romeo@example.org/r", as: "romeo")))
        // §10.1.2: the creator's empty form makes it an instant room, open to the others.
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<iq type='set' id='c' from='romeo@example.org/r' to='room@chat.example.org'>"
                    + "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/>"
                    + "</query></iq>"))
        for name in ["mercutio", "benvolio", "tybalt"] {
            try fixture.channel.writeInbound(ByteBuffer(string: Self.join("\(name)@example.org/r", as: name)))
        }
        fixture.loop.run()
        _ = try fixture.written()

        try fixture.channel.writeInbound(ByteBuffer(string: Self.join("juliet@example.org/r", as: "juliet")))
        fixture.loop.run()
        let out = try XMLElementTestParser.elements(try fixture.written())
        let juliet = "juliet@example.org/r"
        let mine = out.prefix { $0["to"] == juliet }
        // Everything for the joiner comes first: §7.2.3's order, the others' presences, then its own (110),
        // then the subject (§7.2.15) that ends the join...
        #expect(mine.count == 6)
        #expect(mine.prefix(4).allSatisfy { $0.name == "presence" && Self.statusCodes($0).isEmpty })
        #expect(Set(mine.prefix(4).compactMap { $0["from"] }).count == 4)
        #expect(mine.dropFirst(4).first.map { $0.name == "presence" && Self.statusCodes($0).contains("110") } == true)
        #expect(mine.last.map { $0.name == "message" && $0.child("subject") != nil } == true)
        // ...then the join's presence to each of the others, and nothing more for the joiner.
        let rest = out.dropFirst(mine.count)
        #expect(rest.count == 4)
        #expect(
            rest.allSatisfy {
                $0.name == "presence" && $0["to"] != juliet && $0["from"] == "room@chat.example.org/juliet"
            })
    }
}
