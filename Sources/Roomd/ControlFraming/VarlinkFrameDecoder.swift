import ControlProtocol
import NIOCore

/// The splitter as a SwiftNIO decoder: the control server's pipeline frames with it
/// (`ByteToMessageHandler(VarlinkFrameDecoder())`), and `ByteToMessageDecoderVerifier` checks it against every
/// split of the input.
public struct VarlinkFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = VarlinkFrame
    private var splitter: VarlinkFrameSplitter

    public init(maxMessageSize: Int = VarlinkFraming.maxRequestSize) {
        splitter = VarlinkFrameSplitter(maxMessageSize: maxMessageSize)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = splitter.next(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        if case .tooLarge = frame { return .needMoreData }
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // Complete messages still count; a half message from a client that went away is dropped.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
