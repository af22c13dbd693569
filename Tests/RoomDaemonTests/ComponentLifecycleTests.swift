import MUCCore
import NIOCore
import NIOEmbedded
import Testing
import XMLStream

@testable import RoomDaemon

/// What XMPP occupants hear when roomd, not they, ends their presence: a stop (332 before the stream ends)
/// and a lost stream (333, held until the next stream is authenticated, bounded).
@Suite struct ComponentLifecycleTests {
    static let join =
        "<presence from='romeo@example.org/r' to='room@chat.example.org/romeo'>"
        + "<x xmlns='http://jabber.org/protocol/muc'/></presence>"

    /// A new stream for the same connection, as the reconnection would make it.
    func reconnect(_ fixture: ComponentStreamFixture) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: fixture.loop)
        try channel.pipeline.syncOperations.addHandler(ComponentStreamHandler(connection: fixture.connection))
        fixture.connection.adopt(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5347)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)
        try channel.writeInbound(
            ByteBuffer(
                string: "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'"
                    + " id='def' from='chat.example.org'>"))
        let handshake = try written(channel)
        #expect(
            handshake.hasPrefix("<handshake>") && !handshake.contains("<presence"),
            "nothing held goes out before the stream is authenticated")
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func occupantsOfALostStreamAreToldOnceTheNextIsAuthenticated() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        try fixture.channel.writeInbound(ByteBuffer(string: Self.join))
        fixture.loop.run()
        _ = try fixture.written()
        try fixture.channel.close().wait()
        fixture.loop.run()
        #expect(fixture.connection.heldCount == 1)

        let next = try reconnect(fixture)
        try next.writeInbound(ByteBuffer(string: "<handshake/>"))
        let out = try written(next)
        let presence = try XMLElementTestParser.one(out)
        #expect(presence.name == "presence" && presence["type"] == "unavailable")
        #expect(presence["to"] == "romeo@example.org/r" && presence["from"] == "room@chat.example.org/romeo")
        #expect(
            presence.child("x", namespace: "http://jabber.org/protocol/muc#user")?.children("status").map {
                $0["code"]
            } == ["110", "333"])
        #expect(fixture.connection.heldCount == 0)
    }

    /// The issue's case: an HTTP kick handled after the stream broke but before its occupants left. Its
    /// presence (307) is held and delivered, rather than the user never learning of it.
    @Test func aKickInTheInstantTheStreamIsLostStillReachesTheKickedUser() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        try fixture.channel.writeInbound(ByteBuffer(string: Self.join))
        fixture.loop.run()
        _ = try fixture.written()
        try fixture.channel.close().wait()
        // The leaves of the lost stream wait for the loop; a control call comes first.
        let room = try RoomAddress(parsing: "room@chat.example.org")
        let service = fixture.service
        let events = try service.registry.kick(
            service.changing(room), target: .nick(try Nickname(parsing: "romeo")), reason: "spam",
            by: .system(name: nil, protectPrivileged: false))
        try service.apply(events, uid: 0)
        fixture.loop.run()
        #expect(fixture.connection.heldCount == 1)

        let next = try reconnect(fixture)
        try next.writeInbound(ByteBuffer(string: "<handshake/>"))
        let presence = try XMLElementTestParser.one(try written(next))
        #expect(presence["type"] == "unavailable" && presence["to"] == "romeo@example.org/r")
        #expect(
            presence.child("x", namespace: "http://jabber.org/protocol/muc#user")?.children("status").map {
                $0["code"]
            } == ["110", "307"])
    }

    @Test func whatIsMeantForTheServerWhileTheStreamIsDownIsHeldWithinTheBound() throws {
        let fixture = try ComponentStreamFixture(limit: 16 * 1024)
        try fixture.authenticate()
        try fixture.channel.close().wait()
        fixture.loop.run()
        var stanza = XMLStream.XMLElement("message", namespace: "jabber:component:accept")
        stanza["to"] = "romeo@example.org/r"
        stanza["from"] = "room@chat.example.org/juliet"
        for index in 0..<2000 {
            stanza["id"] = "m\(index)"
            #expect(!fixture.connection.write([stanza]), "nothing to flush while the stream is down")
        }
        #expect(fixture.connection.heldBytes <= 16 * 1024)
        #expect(fixture.connection.heldDropped > 0)
        let kept = fixture.connection.heldCount
        #expect(kept + fixture.connection.heldDropped == 2000)

        let next = try reconnect(fixture)
        try next.writeInbound(ByteBuffer(string: "<handshake/>"))
        let out = try written(next)
        // The newest are kept, in order.
        #expect(out.contains("id='m1999'") || out.contains("id=\"m1999\""))
        #expect(!out.contains("'m0'") && !out.contains("\"m0\""))
        #expect(out.components(separatedBy: "<message").count - 1 == kept)
    }

    @Test func stoppingTellsEachXMPPOccupantBeforeTheStreamEnds() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        try fixture.channel.writeInbound(ByteBuffer(string: Self.join))
        fixture.loop.run()
        _ = try fixture.written()
        fixture.connection.stop()
        let out = try fixture.written()
        guard let end = out.range(of: "</stream:stream>") else {
            Issue.record("the stream was not ended: \(out)")
            return
        }
        let presence = try XMLElementTestParser.one(String(out[..<end.lowerBound]))
        #expect(presence["type"] == "unavailable" && presence["to"] == "romeo@example.org/r")
        #expect(
            presence.child("x", namespace: "http://jabber.org/protocol/muc#user")?.children("status").map {
                $0["code"]
            } == ["110", "332"])
        #expect(out.hasSuffix("</stream:stream>"))
    }

    @Test func stoppingWithNobodyJoinedOnlyEndsTheStream() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        fixture.connection.stop()
        #expect(try fixture.written() == "</stream:stream>")
    }
}
