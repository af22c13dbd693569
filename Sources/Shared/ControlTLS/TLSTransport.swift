import COpenSSL
import ControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// One TLS connection to roomd's `--listen-tls`, blocking for its caller (a responder worker, roomctl) but never past
/// a deadline: the socket is non-blocking, and every wait is a `poll` bounded by the time left until the
/// connect deadline, the call's deadline or the send and receive timeouts.
///
/// The thread's OpenSSL error queue is kept empty between calls (each failure drains it into its message),
/// which SSL_get_error needs; so the hot path does not clear it before every SSL_read and SSL_write.
public final class TLSTransport: ControlTransport {
    public let peerName: String
    private let fd: Int32
    private let ssl: OpaquePointer
    private var sendTimeout: Int32 = -1
    /// Set after SSL_ERROR_SSL or SSL_ERROR_SYSCALL, after which OpenSSL forbids SSL_shutdown.
    private var failed = false
    /// The same stack-sized temporary buffer as `SocketTransport`'s; OpenSSL keeps the rest of a longer record.
    static let readSize = SocketTransport.readSize

    /// Resolves the host, connects, and completes the handshake (roomd's certificate verified for the
    /// server name), all by `deadline`.
    ///
    /// The name lookup is glibc's `getaddrinfo`, bounded by the resolver's own timeouts rather than by
    /// `deadline`; an address (or a name in /etc/hosts) in `roomd_address` needs no lookup.
    public init(connectingWith tls: TLSClientContext, before deadline: ContinuousClock.Instant) throws(ControlClientError)
    {
        let name = RoomdAddress.tls(host: tls.host, port: tls.port).description
        peerName = name
        fd = try Self.connectTCP(host: tls.host, port: tls.port, name: name, before: deadline)
        ERR_clear_error()
        guard let ssl = SSL_new(tls.context) else {
            close(fd)
            throw .refused(peer: name, reason: "cannot start TLS: \(TLSClientContext.openSSLErrors())")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        let serverName = tls.serverName
        // Without these the handshake would accept any certificate the trusted CAs issued: a failure to set
        // them up is a failure to connect.
        let checked: Bool
        if TLSClientContext.isAddress(serverName) {
            // SNI carries names only; an address is checked against the certificate's IP entries.
            checked = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            checked = SSL_set1_host(ssl, serverName) == 1 && muckick_ssl_set_sni(ssl, serverName) == 1
        }
        guard checked else {
            failed = true
            throw .refused(
                peer: name,
                reason: "cannot check roomd's certificate for \(serverName): \(TLSClientContext.openSSLErrors())")
        }
        while true {
            ERR_clear_error()
            errno = 0
            let result = SSL_connect(ssl)
            if result == 1 { break }
            let failure = SSL_get_error(ssl, result)
            let code = errno
            switch failure {
            case SSL_ERROR_WANT_READ: try wait(for: POLLIN, before: deadline, handshake: true)
            case SSL_ERROR_WANT_WRITE: try wait(for: POLLOUT, before: deadline, handshake: true)
            default:
                failed = true
                let verification = SSL_get_verify_result(ssl)
                let reason =
                    verification != X509_V_OK
                    ? "roomd's certificate is not accepted for \(serverName): "
                        + String(cString: X509_verify_cert_error_string(verification))
                    : "TLS handshake failed: \(Self.reason(of: failure, errno: code))"
                throw .refused(peer: name, reason: reason)
            }
        }
    }

    deinit {
        // close_notify if it fits in the socket's buffer, on a connection that got that far; no waiting for
        // roomd's.
        ERR_clear_error()
        if !failed && SSL_is_init_finished(ssl) == 1 { SSL_shutdown(ssl) }
        ERR_clear_error()
        SSL_free(ssl)
        close(fd)
    }

    public func setSendTimeout(_ timeout: Duration?) {
        sendTimeout = timeout.map { Int32(clamping: max(1, Int64(($0 / .milliseconds(1)).rounded(.up)))) } ?? -1
    }

    public func send(_ bytes: [UInt8], before deadline: ContinuousClock.Instant?) throws(ControlClientError) {
        guard !bytes.isEmpty else { return }
        let end = Self.earlier(Self.deadline(after: sendTimeout), deadline)
        // A retried SSL_write must be given the same bytes: the loop stays inside one borrow of them.
        let outcome = bytes.withUnsafeBytes { raw -> ControlClientError? in
            while true {
                errno = 0
                let written = SSL_write(ssl, raw.baseAddress, Int32(raw.count))
                if written > 0 { return nil }  // the whole buffer: partial writes are not enabled
                do throws(ControlClientError) {
                    try waitForRetry(after: written, before: end)
                } catch {
                    return error
                }
            }
        }
        if let outcome { throw outcome }
    }

    public func receive(appendingTo buffer: inout [UInt8], waitingAtMost milliseconds: Int32) throws(ControlClientError) {
        // One bound for the whole call: a peer that trickles a record in byte by byte gives SSL_read nothing
        // to return, and must not restart the wait each time.
        let end = Self.deadline(after: milliseconds)
        // A reply is not there yet when this is called, save what OpenSSL has read ahead of it (which poll
        // cannot see): wait for the socket first instead of a read that is sure to fail.
        if SSL_has_pending(ssl) == 0 { try wait(for: POLLIN, before: end, handshake: false) }
        while true {
            errno = 0
            let count = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.readSize) { chunk in
                let count = SSL_read(ssl, chunk.baseAddress, Int32(chunk.count))
                if count > 0 { buffer.append(contentsOf: chunk[..<Int(count)]) }
                return count
            }
            if count > 0 { return }
            try waitForRetry(after: count, before: end)
        }
    }

    /// An idle connection to roomd has nothing to read, save TLS 1.3's session tickets (which SSL_read takes
    /// in without returning data); anything else, an end or a reset, means roomd has closed it.
    public var peerHasClosed: Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = SSL_read(ssl, &byte, 1)
        if count > 0 { return true }
        let failure = SSL_get_error(ssl, count)
        if failure == SSL_ERROR_SSL || failure == SSL_ERROR_SYSCALL { failed = true }
        ERR_clear_error()
        return failure != SSL_ERROR_WANT_READ
    }

    /// After an SSL_read or SSL_write that returned `result`: waits (until `end`; nil: no bound) for what
    /// OpenSSL wants, or throws what ended the connection.
    private func waitForRetry(after result: Int32, before end: ContinuousClock.Instant?) throws(ControlClientError) {
        let failure = SSL_get_error(ssl, result)
        let code = errno
        switch failure {
        case SSL_ERROR_WANT_READ: try wait(for: POLLIN, before: end, handshake: false)
        case SSL_ERROR_WANT_WRITE: try wait(for: POLLOUT, before: end, handshake: false)
        case SSL_ERROR_ZERO_RETURN: throw .connectionClosed
        case SSL_ERROR_SYSCALL:
            failed = true
            ERR_clear_error()
            if code == 0 || code == ECONNRESET || code == EPIPE { throw .connectionClosed }
            throw .unavailable(path: peerName, errno: code)
        case SSL_ERROR_SSL:
            failed = true
            // With TLS 1.3 a refused client certificate shows here, at the first read after the handshake.
            throw .refused(peer: peerName, reason: "TLS: \(TLSClientContext.openSSLErrors())")
        default:
            failed = true
            ERR_clear_error()
            throw .refused(peer: peerName, reason: "TLS: SSL_get_error \(failure)")
        }
    }

    /// Waits until the socket is ready for `events`, or throws once `end` (nil: no bound) has passed.
    private func wait(for events: Int32, before end: ContinuousClock.Instant?, handshake: Bool) throws(ControlClientError) {
        var descriptor = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            let milliseconds = end.map(Self.milliseconds(until:)) ?? -1
            let ready = milliseconds == 0 ? 0 : poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready == 0 {
                if handshake {
                    throw .refused(peer: peerName, reason: "the TLS handshake did not finish in time")
                }
                throw .timedOut
            }
            if errno != EINTR { throw .unavailable(path: peerName, errno: errno) }
        }
    }

    private static func reason(of failure: Int32, errno code: Int32) -> String {
        if failure == SSL_ERROR_SYSCALL {
            return code == 0 ? "roomd closed the connection" : String(cString: strerror(code))
        }
        return TLSClientContext.openSSLErrors()
    }

    /// `milliseconds` from now (-1: none).
    static func deadline(after milliseconds: Int32) -> ContinuousClock.Instant? {
        milliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(milliseconds)
    }

    static func earlier(_ a: ContinuousClock.Instant?, _ b: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    /// What is left until `deadline`, for poll: 0 once it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return 0 }
        return Int32(clamping: max(1, Int64((left / .milliseconds(1)).rounded(.up))))
    }

    /// A non-blocking TCP connection to the first of the host's addresses that accepts by `deadline`.
    private static func connectTCP(
        host: String, port: Int, name: String, before deadline: ContinuousClock.Instant
    ) throws(ControlClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        // Not AI_ADDRCONFIG: it ignores loopback, and roomd on ::1 of a host without other IPv6 addresses
        // would not resolve.
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .refused(peer: name, reason: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: ControlClientError = .timedOut
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = entry?.pointee {
            entry = candidate.ai_next
            guard milliseconds(until: deadline) > 0 else { break }
            let fd = socket(
                candidate.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = .unavailable(path: name, errno: errno)
                continue
            }
            var on: Int32 = 1
            // Small calls and replies, one write each: nothing to gain from Nagle's delay.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            if connect(fd, candidate.ai_addr, candidate.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = .unavailable(path: name, errno: errno)
                close(fd)
                continue
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat {
                let milliseconds = milliseconds(until: deadline)
                ready = milliseconds == 0 ? 0 : poll(&descriptor, 1, milliseconds)
            } while ready < 0 && errno == EINTR
            if ready <= 0 {
                lastError = ready == 0 ? .timedOut : .unavailable(path: name, errno: errno)
                close(fd)
                continue
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code == 0 { return fd }
            lastError = .unavailable(path: name, errno: code)
            close(fd)
        }
        throw lastError
    }
}
