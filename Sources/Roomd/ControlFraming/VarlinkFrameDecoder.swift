import ControlProtocol
import NIOCore

/// One unit of input from a control connection.
public enum VarlinkFrame: Sendable {
    /// The bytes of one message, without its NUL terminator.
    case message(ByteBuffer)
    /// More than the limit arrived without a terminator; nothing after it can be framed.
    case tooLarge
}

/// Splits a byte stream into NUL-terminated varlink messages, however the bytes arrive.
public struct VarlinkFrameSplitter: Sendable {
    public let maxMessageSize: Int
    /// Bytes at the front of the buffer already known to hold no terminator, so a large message arriving
    /// in small pieces is scanned once, not once per piece.
    private var scanned = 0
    public private(set) var overflowed = false

    public init(maxMessageSize: Int = VarlinkFraming.maxRequestSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// The next complete frame in `buffer` (consumed from it), or nil when more bytes are needed. After
    /// `.tooLarge`, every later byte is discarded.
    public mutating func next(_ buffer: inout ByteBuffer) -> VarlinkFrame? {
        if overflowed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
        let view = buffer.readableBytesView
        let searchFrom = view.index(view.startIndex, offsetBy: scanned)
        guard let end = view[searchFrom...].firstIndex(of: VarlinkFraming.terminator) else {
            scanned = view.count
            if view.count > maxMessageSize {
                overflowed = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .tooLarge
            }
            return nil
        }
        let length = end - view.startIndex
        scanned = 0
        if length > maxMessageSize {
            overflowed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .tooLarge
        }
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        return .message(message)
    }
}

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
