import NIOCore
import NIOEmbedded
import Testing

@testable import RoomDaemon

@Suite struct ComponentOutboundTests {
    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func writesThroughWhileTheChannelIsWritableAndCountsWhatTheKernelHasNotTaken() throws {
        let channel = EmbeddedChannel()
        let outbound = ComponentOutbound(channel: channel, limit: 8, hardLimit: 32)
        #expect(outbound.enqueue(ByteBuffer(string: "<a/><b/><c/>")))
        #expect(outbound.unsentBytes == 12 && outbound.queuedBytes == 0)
        outbound.flush()
        #expect(try written(channel) == "<a/><b/><c/>")
        #expect(outbound.unsentBytes == 0)
        #expect(outbound.stalledSince == nil)
    }

    @Test func theHardBoundCountsTheChannelsBytesTooAndRefusesPastIt() throws {
        let channel = EmbeddedChannel()
        let outbound = ComponentOutbound(channel: channel, limit: 8, hardLimit: 16)
        #expect(outbound.enqueue(ByteBuffer(string: "12345678901")))  // in the channel, not yet flushed
        channel.isWritable = false
        #expect(outbound.enqueue(ByteBuffer(string: "2345")))
        #expect(outbound.unsentBytes == 15 && outbound.queuedBytes == 4)
        #expect(!outbound.enqueue(ByteBuffer(string: "67")))
        #expect(outbound.unsentBytes == 15)
    }

    @Test func overTheLimitWithNoProgressForTheGraceIsAStall() throws {
        let channel = EmbeddedChannel()
        channel.isWritable = false
        let outbound = ComponentOutbound(channel: channel, limit: 8, hardLimit: 64, grace: .seconds(5))
        var stalls: [String] = []
        outbound.onStall = { stalls.append($0) }
        #expect(outbound.enqueue(ByteBuffer(string: "0123456789")))
        #expect(outbound.stalledSince != nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(stalls.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(stalls.count == 1)
        #expect(stalls[0].contains("10 bytes wait to be sent"))
    }

    @Test func aBurstOverTheLimitThatTheServerReadsIsNoStall() throws {
        let channel = EmbeddedChannel()
        channel.isWritable = false
        let outbound = ComponentOutbound(channel: channel, limit: 8, hardLimit: 64, grace: .seconds(5))
        var stalls = 0
        outbound.onStall = { _ in stalls += 1 }
        for piece in ["0123", "4567", "89ab", "cdef"] { #expect(outbound.enqueue(ByteBuffer(string: piece))) }
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        channel.isWritable = true
        outbound.drain()  // the server read: every write completes
        #expect(try written(channel) == "0123456789abcdef")
        #expect(outbound.unsentBytes == 0 && outbound.stalledSince == nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(stalls == 0)
    }

    @Test func drainsInOrderWhenWritableAgain() throws {
        let channel = EmbeddedChannel()
        channel.isWritable = false
        let outbound = ComponentOutbound(channel: channel, limit: 64)
        #expect(outbound.enqueue(ByteBuffer(string: "first ")))
        channel.isWritable = true
        // Bytes behind a queue wait their turn even though the channel would take them.
        #expect(outbound.enqueue(ByteBuffer(string: "second ")))
        #expect(outbound.queuedBytes == 13)
        outbound.drain()
        #expect(outbound.enqueue(ByteBuffer(string: "third")))
        outbound.flush()
        #expect(try written(channel) == "first second third")
        #expect(outbound.queuedBytes == 0)
    }

    @Test func loopbackHosts() {
        func loopback(_ host: String) -> Bool {
            ComponentConfiguration(domain: "chat.example.org", host: host, port: 5347, secret: "s").isLoopback
        }
        #expect(loopback("127.0.0.1"))
        #expect(loopback("127.1.2.3"))
        #expect(loopback("localhost"))
        #expect(loopback("::1"))
        #expect(!loopback("10.0.0.5"))
        #expect(!loopback("xmpp.example.org"))
        #expect(!loopback("128.0.0.1"))
        #expect(!loopback("127.0.0.1.example.org"))
    }
}
