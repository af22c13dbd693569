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

    @Test func writesThroughWhileTheChannelIsWritable() throws {
        let channel = EmbeddedChannel()
        let outbound = ComponentOutbound(channel: channel, limit: 8)
        #expect(outbound.enqueue(ByteBuffer(string: "<a/><b/><c/>")))
        outbound.flush()
        #expect(try written(channel) == "<a/><b/><c/>")
        #expect(outbound.queuedBytes == 0)
    }

    @Test func keepsBytesWhileUnwritableUpToTheLimitThenRefuses() throws {
        let channel = EmbeddedChannel()
        channel.isWritable = false
        let outbound = ComponentOutbound(channel: channel, limit: 8)
        #expect(outbound.enqueue(ByteBuffer(string: "1234")))
        #expect(outbound.enqueue(ByteBuffer(string: "5678")))
        #expect(outbound.queuedBytes == 8)
        #expect(!outbound.enqueue(ByteBuffer(string: "9")))
        #expect(outbound.queuedBytes == 8)
        outbound.flush()
        #expect(try written(channel) == "")
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
