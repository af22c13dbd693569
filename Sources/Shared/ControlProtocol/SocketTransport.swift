#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A connection to roomd's Unix socket.
public final class SocketTransport: ControlTransport {
    public let peerName: String
    private let fd: Int32
    /// Bytes asked of each `recv`, into a temporary buffer: a Kick reply takes one read, large replies a
    /// few more. A buffer kept per client costs resident memory in every responder thread, and one
    /// allocated per read showed in the responder's profile (Benchmarks/fcgi/README.md). Swift puts a
    /// temporary allocation of up to 1 KiB on the stack; a larger one comes from `posix_memalign`, which
    /// takes glibc's arena lock (shared by the workers) on every read.
    public static let readSize = 1024

    /// Connects to the Unix socket at `path`.
    public init(connectingTo path: String) throws(ControlClientError) {
        peerName = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unavailable(path: path, errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .unavailable(path: path, errno: ENAMETOOLONG)
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
            throw code == EAGAIN || code == EINPROGRESS ? .timedOut : .unavailable(path: path, errno: code)
        }
    }

    deinit { close(fd) }

    public func setSendTimeout(_ timeout: Duration?) {
        var value = timeval()
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            value.tv_sec = Int(seconds)
            value.tv_usec = Int(attoseconds / 1_000_000_000_000)
            if value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A write to a Unix socket whose peer has gone fails at once (EPIPE), so there is nothing to check.
    public var peerHasClosed: Bool { false }

    /// `SO_SNDTIMEO` bounds each wait; a call's frame fits the socket's buffer, so `deadline` is not needed.
    public func send(_ bytes: [UInt8], before deadline: ContinuousClock.Instant?) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                if errno == EPIPE || errno == ECONNRESET { throw .connectionClosed }
                throw .unavailable(path: peerName, errno: errno)
            }
            offset += written
        }
    }

    public func receive(appendingTo buffer: inout [UInt8], waitingAtMost milliseconds: Int32) throws(ControlClientError) {
        while true {
            // Wait in `poll` for input only, not in a blocking `recv`: a thread asleep in `recv` on a Unix
            // socket is also woken each time the peer reads what this side sent (the kernel announces the
            // freed send space on the same wait queue), so every call cost the responder a wake-up and
            // roomd the cross-CPU interrupt that delivered it (Benchmarks/fcgi/README.md has the runs).
            // `poll` only wakes for what it asked for.
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready == 0 { throw .timedOut }
            if ready < 0 {
                if errno == EINTR { continue }
                throw .unavailable(path: peerName, errno: errno)
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
            throw .unavailable(path: peerName, errno: errno)
        }
    }
}
