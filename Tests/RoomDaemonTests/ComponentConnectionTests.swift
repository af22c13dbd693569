import Foundation
import Logging
import MUCCore
import NIOCore
import NIOEmbedded
import Testing
import XMLStream

@testable import RoomDaemon

/// A component stream on an `EmbeddedChannel`, with a real room service and store behind it: the server's
/// side is whatever the test writes inbound and reads outbound, and time is the embedded loop's.
final class ComponentStreamFixture {
    let loop = EmbeddedEventLoop()
    let directory: String
    let service: RoomService
    let connection: ComponentConnection
    let channel: EmbeddedChannel

    init(limit: Int = 64 * 1024, pingAfter: TimeAmount = .seconds(60), pingTimeout: TimeAmount = .seconds(30)) throws {
        directory = NSTemporaryDirectory() + "component-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logger = Logger(label: "component-tests")
        service = RoomService(
            eventLoop: loop, registry: RoomRegistry(services: ["chat.example.org"]),
            store: try RoomStore(directory: directory, sync: .normal), policy: AccessPolicy(),
            protectPrivilegedAlways: false, logger: logger)
        var configuration = ComponentConfiguration(
            domain: "chat.example.org", host: "127.0.0.1", port: 5347, secret: "s3cret")
        configuration.sendQueueLimit = limit
        configuration.pingAfter = pingAfter
        configuration.pingTimeout = pingTimeout
        connection = service.addComponent(configuration)
        channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(ComponentStreamHandler(connection: connection))
        connection.adopt(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5347)).wait()
    }

    deinit {
        connection.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func authenticate() throws {
        try channel.writeInbound(
            ByteBuffer(
                string: "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'"
                    + " id='abc' from='chat.example.org'>"))
        try channel.writeInbound(ByteBuffer(string: "<handshake/>"))
        _ = try written()
        #expect(connection.isReady)
    }

    func written() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    var lastAutoRead: Bool? {
        channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
    }
}

@Suite struct ComponentConnectionTests {
    @Test func stopsReadingWhileTheServerDoesNotTakeOutput() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        #expect(fixture.lastAutoRead == false)
        fixture.channel.isWritable = true
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        #expect(fixture.lastAutoRead == true)
    }

    @Test func dropsTheStreamAtTheQueueBound() throws {
        let fixture = try ComponentStreamFixture(limit: 16 * 1024)
        try fixture.authenticate()
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        var stanza = XMLStream.XMLElement("message", namespace: "jabber:component:accept")
        stanza["to"] = "romeo@example.org/r"
        stanza["from"] = "room@chat.example.org/juliet"
        var accepted = 0
        while fixture.connection.write([stanza]) {
            accepted += 1
            #expect(accepted < 10_000, "the queue never refused")
            if accepted >= 10_000 { break }
        }
        fixture.loop.run()
        #expect(!fixture.channel.isActive)
        #expect(!fixture.connection.isReady)
        #expect(!fixture.connection.write([stanza]))
    }

    @Test func occupantsOfALostStreamLeave() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<presence from='romeo@example.org/r' to='room@chat.example.org/romeo'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'/></presence>"))
        let room = try RoomAddress(parsing: "room@chat.example.org")
        let romeo = try JID(parsing: "romeo@example.org/r")
        #expect(fixture.service.registry.rooms[room]?.occupant(withSession: romeo) != nil)
        try fixture.channel.close().wait()
        fixture.loop.run()
        #expect(fixture.service.registry.rooms[room]?.occupant(withSession: romeo) == nil)
        // The room was made by that join (temporary): it ends with its last occupant.
        #expect(fixture.service.registry.rooms[room] == nil)
    }

    @Test func stanzasLeaveAfterTheCommitAndNotAtAllWhenItFails() throws {
        let fixture = try ComponentStreamFixture()
        try fixture.authenticate()
        let probe = WriteProbe(store: fixture.service.store)
        try fixture.channel.pipeline.syncOperations.addHandler(probe, position: .first)
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<presence from='romeo@example.org/r' to='room@chat.example.org/romeo'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'/></presence>"))
        #expect(fixture.service.store.inTransaction)
        #expect(try fixture.written() == "")
        fixture.loop.run()
        #expect(try fixture.written().contains("<presence"))
        #expect(probe.writes > 0 && probe.writesBeforeCommit == 0)

        fixture.service.store.commitFault = SQLiteError(code: 13, message: "database or disk is full")
        try fixture.channel.writeInbound(
            ByteBuffer(
                string: "<presence from='juliet@example.org/r' to='annex@chat.example.org/juliet'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'/></presence>"))
        fixture.loop.run()
        #expect(try fixture.written() == "")
        #expect(fixture.service.registry.rooms[try RoomAddress(parsing: "annex@chat.example.org")] == nil)
        #expect(fixture.service.storageFailure != nil)
    }

    @Test func silentServerIsDroppedWhenThePingDoesNotComeBack() throws {
        let fixture = try ComponentStreamFixture(pingAfter: .seconds(10), pingTimeout: .seconds(5))
        try fixture.authenticate()
        fixture.loop.advanceTime(by: .seconds(9))
        #expect(try fixture.written() == "")
        fixture.loop.advanceTime(by: .seconds(1))
        let ping = try fixture.written()
        #expect(ping.contains("<ping xmlns='urn:xmpp:ping'/>"))
        #expect(ping.contains("from='chat.example.org' to='chat.example.org'"))
        fixture.loop.advanceTime(by: .milliseconds(4_999))
        #expect(fixture.channel.isActive)
        fixture.loop.advanceTime(by: .milliseconds(1))
        #expect(!fixture.channel.isActive)
    }

    @Test func pingThatComesBackKeepsTheStream() throws {
        let fixture = try ComponentStreamFixture(pingAfter: .seconds(10), pingTimeout: .seconds(5))
        try fixture.authenticate()
        fixture.loop.advanceTime(by: .seconds(10))
        var ping = try fixture.written()
        for _ in 0..<3 {
            let id = try #require(
                ping.firstRange(of: "roomd-ping-").map { range in
                    String(ping[range.lowerBound...].prefix { $0 != "'" })
                })
            // Routed back by the server: it reaches neither the rooms nor an answer.
            try fixture.channel.writeInbound(
                ByteBuffer(
                    string: "<iq type='get' id='\(id)' from='chat.example.org' to='chat.example.org'>"
                        + "<ping xmlns='urn:xmpp:ping'/></iq>"))
            fixture.loop.advanceTime(by: .seconds(5))
            #expect(fixture.channel.isActive)
            #expect(try fixture.written() == "")
            fixture.loop.advanceTime(by: .seconds(5))
            ping = try fixture.written()
            #expect(ping.contains("urn:xmpp:ping"))
        }
        #expect(fixture.channel.isActive)
    }

    @Test func anyReadPostponesThePing() throws {
        let fixture = try ComponentStreamFixture(pingAfter: .seconds(10), pingTimeout: .seconds(5))
        try fixture.authenticate()
        fixture.loop.advanceTime(by: .seconds(8))
        try fixture.channel.writeInbound(ByteBuffer(string: " "))
        fixture.loop.advanceTime(by: .seconds(8))
        #expect(try fixture.written() == "")
        fixture.loop.advanceTime(by: .seconds(2))
        #expect(try fixture.written().contains("urn:xmpp:ping"))
    }
}
