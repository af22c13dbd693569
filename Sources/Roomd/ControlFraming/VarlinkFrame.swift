import NIOCore

/// One unit of input from a control connection.
public enum VarlinkFrame: Sendable {
    /// The bytes of one message, without its NUL terminator.
    case message(ByteBuffer)
    /// More than the limit arrived without a terminator; nothing after it can be framed.
    case tooLarge
}
