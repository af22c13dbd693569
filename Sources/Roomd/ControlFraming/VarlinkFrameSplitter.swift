import ControlProtocol
import NIOCore

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
