import StrictJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A blocking varlink client over one connection: a Unix socket, or any other `ControlTransport`.
///
/// Blocking on purpose: the FastCGI responder's workers and roomctl are synchronous, and a plain socket with
/// `SO_SNDTIMEO` and a `poll` timeout bounds every call without an event loop. Not thread-safe: one per thread.
public final class ControlClient {
    public let transport: any ControlTransport
    private var buffer: [UInt8] = []
    /// How long a receive waits for bytes, in milliseconds as `poll` takes it (-1: forever).
    private var receiveTimeout: Int32 = -1
    /// Replies can be large (ListRooms of a big service); requests are limited by the daemon.
    public var maxReplySize = 64 * 1024 * 1024

    /// The socket path or address errors name.
    public var socketPath: String { transport.peerName }

    public init(socketPath: String, timeout: Duration? = nil) throws(ControlClientError) {
        transport = try SocketTransport(connectingTo: socketPath)
        if let timeout { setTimeout(timeout) }
    }

    /// Over a connection already made (and, for TLS, already through its handshake).
    public init(transport: any ControlTransport, timeout: Duration? = nil) {
        self.transport = transport
        if let timeout { setTimeout(timeout) }
    }

    /// Bounds every later send and receive (`nil`: wait forever, as `watch` does).
    public func setTimeout(_ timeout: Duration?) {
        receiveTimeout = -1
        if let timeout {
            // Rounded up: poll's 0 would mean "do not wait at all".
            receiveTimeout = Int32(clamping: max(1, Int64((timeout / .milliseconds(1)).rounded(.up))))
        }
        transport.setSendTimeout(timeout)
    }

    /// Calls a method of `org.muckick.Rooms` and reads its reply; a varlink error is thrown as `.remote`.
    public func call<Call: RoomsCall>(_ call: Call) throws(ControlClientError) -> Call.Reply {
        try send(call)
        return try receive(Call.Reply.self).reply
    }

    /// Writes one call (for pipelining or for `more` streams); read its replies with `receive`.
    public func send<Call: RoomsCall>(_ call: Call, more: Bool = false) throws(ControlClientError) {
        try transport.send(VarlinkCall.framed(call, more: more), before: nil)
    }

    /// Writes one complete, already framed message (the responder builds its calls with `JSONWriter`), by
    /// `deadline` where the transport waits for the peer (TLS).
    public func sendFramed(_ bytes: [UInt8], before deadline: ContinuousClock.Instant? = nil) throws(ControlClientError) {
        try transport.send(bytes, before: deadline)
    }

    /// Reads one reply; `continues` tells whether a `more` stream has more to come.
    public func receive<Reply: VarlinkParameters>(_ type: Reply.Type) throws(ControlClientError) -> (
        reply: Reply, continues: Bool
    ) {
        let frame = try receiveFrame()
        do {
            return try VarlinkReply.parse(frame, as: type)
        } catch {
            throw ControlClientError(error)
        }
    }

    /// Reads one reply's parameters as they came, whatever the method (`roomctl --json`).
    public func receiveParameters() throws(ControlClientError) -> (parameters: JSONObject, continues: Bool) {
        let frame = try receiveFrame()
        do {
            let (parameters, continues) = try VarlinkReply.parse(frame)
            return (parameters.object, continues)
        } catch {
            throw ControlClientError(error)
        }
    }

    /// Reads one raw frame, without its terminator. With `deadline`, the whole read ends by then however
    /// the reply trickles in (the timeout alone bounds each wait, not their sum).
    public func receiveFrame(before deadline: ContinuousClock.Instant? = nil) throws(ControlClientError) -> [UInt8] {
        var scanned = 0
        while true {
            if let end = buffer[scanned...].firstIndex(of: VarlinkFraming.terminator) {
                let frame = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                return frame
            }
            scanned = buffer.count
            if buffer.count > maxReplySize { throw .protocolError("reply larger than \(maxReplySize) bytes") }
            try readMore(before: deadline)
        }
    }

    private func readMore(before deadline: ContinuousClock.Instant?) throws(ControlClientError) {
        var wait = receiveTimeout
        if let deadline {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw .timedOut }
            let milliseconds = Int32(clamping: Int64((left / .milliseconds(1)).rounded(.up)))
            wait = wait < 0 ? milliseconds : min(wait, milliseconds)
        }
        try transport.receive(appendingTo: &buffer, waitingAtMost: wait)
    }
}
