import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import ControlFraming

extension VarlinkFrame: Equatable {
    public static func == (lhs: VarlinkFrame, rhs: VarlinkFrame) -> Bool {
        switch (lhs, rhs) {
        case (.message(let a), .message(let b)): return a == b
        case (.tooLarge, .tooLarge): return true
        default: return false
        }
    }
}

@Suite struct VarlinkFrameDecoderTests {
    func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// The same messages however the bytes are split (SwiftNIO's verifier feeds them whole, byte by byte
    /// and in random chunks).
    @Test func framesIndependentlyOfSplitting() throws {
        var input = buffer(#"{"method":"a.B"}"#)
        input.writeInteger(UInt8(0))
        input.writeString("{}")
        input.writeInteger(UInt8(0))
        input.writeInteger(UInt8(0))  // an empty message is a message (answered as invalid JSON)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (input, [.message(buffer(#"{"method":"a.B"}"#)), .message(buffer("{}")), .message(buffer(""))])
            ],
            decoderFactory: { VarlinkFrameDecoder(maxMessageSize: 64) })
    }

    @Test func oversizedMessageIsReportedOnceAndTheRestIgnored() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder(maxMessageSize: 8)))
        try channel.writeInbound(buffer("0123456"))
        #expect(try channel.readInbound(as: VarlinkFrame.self) == nil)
        try channel.writeInbound(buffer("789"))
        #expect(try channel.readInbound(as: VarlinkFrame.self) == .tooLarge)
        var more = buffer("{}")
        more.writeInteger(UInt8(0))
        try channel.writeInbound(more)
        #expect(try channel.readInbound(as: VarlinkFrame.self) == nil)
        _ = try channel.finish()
    }

    @Test func terminatedButTooLongIsTooLarge() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder(maxMessageSize: 4)))
        var input = buffer("123456")
        input.writeInteger(UInt8(0))
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: VarlinkFrame.self) == .tooLarge)
        _ = try channel.finish()
    }

    @Test func halfMessageAtCloseIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(VarlinkFrameDecoder()))
        var input = buffer("{}")
        input.writeInteger(UInt8(0))
        input.writeString(#"{"method":"#)
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: VarlinkFrame.self) == .message(buffer("{}")))
        _ = try channel.finish(acceptAlreadyClosed: true)
        #expect(try channel.readInbound(as: VarlinkFrame.self) == nil)
    }
}
