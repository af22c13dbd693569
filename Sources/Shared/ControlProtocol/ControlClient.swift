import StrictJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A blocking varlink client over one Unix-socket connection.
///
/// Blocking on purpose: the FastCGI responder's workers and roomctl are synchronous, and a plain socket with
/// `SO_SNDTIMEO` and a `poll` timeout bounds every call without an event loop. Not thread-safe: one per thread.
public final class ControlClient {
    public let socketPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// How long a receive waits for bytes, in milliseconds as `poll` takes it (-1: forever).
    private var receiveTimeout: Int32 = -1
    /// Bytes asked of each `recv`, into a temporary buffer: a Kick reply takes one read, large replies a
    /// few more. A buffer kept per client costs resident memory in every responder thread, and one
    /// allocated per read showed in the responder's profile (Benchmarks/fcgi/README.md).
    static let readSize = 4 * 1024
    /// Replies can be large (ListRooms of a big service); requests are limited by the daemon.
    public var maxReplySize = 64 * 1024 * 1024

    public init(socketPath: String, timeout: Duration? = nil) throws(ControlClientError) {
        self.socketPath = socketPath
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unavailable(path: socketPath, errno: errno) }
        if let timeout { setTimeout(timeout) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .unavailable(path: socketPath, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let code = errno
            close(fd)
            throw code == EAGAIN || code == EINPROGRESS ? .timedOut : .unavailable(path: socketPath, errno: code)
        }
    }

    /// Takes over `descriptor`, a connected stream socket, and closes it when done. For transports that end
    /// in a local socket, such as roomctl's TLS connection, whose plaintext side is one end of a socket
    /// pair; `name` is what errors call the peer.
    public init(connectedSocket descriptor: Int32, name: String, timeout: Duration? = nil) {
        socketPath = name
        fd = descriptor
        if let timeout { setTimeout(timeout) }
    }

    deinit { close(fd) }

    /// Bounds every later send and receive (`nil`: wait forever, as `watch` does).
    public func setTimeout(_ timeout: Duration?) {
        var value = timeval()
        receiveTimeout = -1
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            value.tv_sec = Int(seconds)
            value.tv_usec = Int(attoseconds / 1_000_000_000_000)
            if value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }
            // Rounded up: poll's 0 would mean "do not wait at all".
            receiveTimeout = Int32(clamping: max(1, Int64((timeout / .milliseconds(1)).rounded(.up))))
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Calls a method of `org.muckick.Rooms` and reads its reply; a varlink error is thrown as `.remote`.
    public func call<Call: RoomsCall>(_ call: Call) throws(ControlClientError) -> Call.Reply {
        try send(call)
        return try receive(Call.Reply.self).reply
    }

    /// Writes one call (for pipelining or for `more` streams); read its replies with `receive`.
    public func send<Call: RoomsCall>(_ call: Call, more: Bool = false) throws(ControlClientError) {
        try writeAll(VarlinkCall.framed(call, more: more))
    }

    /// Writes one complete, already framed message (the responder builds its calls with `JSONWriter`).
    public func sendFramed(_ bytes: [UInt8]) throws(ControlClientError) {
        try writeAll(bytes)
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

    private func writeAll(_ bytes: [UInt8]) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                if errno == EPIPE || errno == ECONNRESET { throw .connectionClosed }
                throw .unavailable(path: socketPath, errno: errno)
            }
            offset += written
        }
    }

    private func readMore(before deadline: ContinuousClock.Instant?) throws(ControlClientError) {
        while true {
            var wait = receiveTimeout
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { throw .timedOut }
                let milliseconds = Int32(clamping: Int64((left / .milliseconds(1)).rounded(.up)))
                wait = wait < 0 ? milliseconds : min(wait, milliseconds)
            }
            // Wait in `poll` for input only, not in a blocking `recv`: a thread asleep in `recv` on a Unix
            // socket is also woken each time the peer reads what this side sent (the kernel announces the
            // freed send space on the same wait queue), so every call cost the responder a wake-up and
            // roomd the cross-CPU interrupt that delivered it (Benchmarks/fcgi/README.md has the runs).
            // `poll` only wakes for what it asked for.
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, wait)
            if ready == 0 { throw .timedOut }
            if ready < 0 {
                if errno == EINTR { continue }
                throw .unavailable(path: socketPath, errno: errno)
            }
            let count = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.readSize) { chunk in
                let count = recv(fd, chunk.baseAddress, chunk.count, 0)
                if count > 0 { buffer.append(contentsOf: chunk[..<count]) }
                return count
            }
            if count > 0 { return }
            if count == 0 { throw .connectionClosed }
            if errno == EINTR { continue }
            if errno == ECONNRESET { throw .connectionClosed }
            throw .unavailable(path: socketPath, errno: errno)
        }
    }
}
