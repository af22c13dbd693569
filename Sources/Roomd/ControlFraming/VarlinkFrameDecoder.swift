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

    /// Passes on every complete message in `buffer`, not one per call: `ByteToMessageHandler` runs its
    /// generic (unspecialised) loop around each call, which cost more than the splitting itself when one read
    /// brings hundreds of pipelined calls.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        while let frame = splitter.next(&buffer) {
            context.fireChannelRead(wrapInboundOut(frame))
            if case .tooLarge = frame { break }
        }
        return .needMoreData
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // Complete messages still count; a half message from a client that went away is dropped.
        _ = try decode(context: context, buffer: &buffer)
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
