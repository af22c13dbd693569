import CFastCGI
import KickAPI

#if canImport(Glibc)
    import Glibc
#endif

/// One accepted libfcgi request: its parameters and streams.
struct FastCGIRequest {
    let request: UnsafeMutablePointer<FCGX_Request>

    init(_ request: UnsafeMutablePointer<FCGX_Request>) {
        self.request = request
    }

    func parameter(_ name: String) -> String? {
        FCGX_GetParam(name, request.pointee.envp).map { String(cString: $0) }
    }

    /// The request, with its body only for a POST whose caller `authorized(Authorization)` accepts;
    /// `bodyRead` is false when a body (if any) was left unread.
    func read(maxBodySize: Int, authorized: (String?) -> Bool) -> (request: KickRequest, bodyRead: Bool) {
        KickRequest.read(maxBodySize: maxBodySize, parameter: parameter, authorized: authorized) { buffer, count in
            Int(FCGX_GetStr(buffer, Int32(count), request.pointee.in))
        }
    }

    /// Reads what is left of the request body, up to the end of the stream, without keeping it; false when
    /// more than `limit` bytes are left or, with `within`, the time ran out first (the end was not reached).
    ///
    /// With `within`, every read of the socket waits at most that long (SO_RCVTIMEO: the connection is
    /// closed afterwards, so the option is not restored), and libfcgi is asked for one byte whenever its
    /// buffer is empty, so a client that trickles its body cannot keep the loop past the deadline by more
    /// than one FastCGI record header.
    func drainInput(limit: Int, within: Duration? = nil) -> Bool {
        let deadline = within.map { ContinuousClock.now + $0 }
        if let within {
            var timeout = timeval(
                tv_sec: Int(within.components.seconds),
                tv_usec: Int(within.components.attoseconds / 1_000_000_000_000))
            setsockopt(request.pointee.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var drained = 0
        // At most 1 KiB, which Swift keeps on the stack (see `SocketTransport.readSize`).
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1024) { buffer in
            while drained <= limit {
                var wanted = buffer.count
                if let deadline {
                    guard ContinuousClock.now < deadline else { return false }
                    let stream = request.pointee.in.pointee
                    wanted = max(1, min(wanted, stream.stop - stream.rdNext))
                }
                let count = Int(FCGX_GetStr(buffer.baseAddress, Int32(wanted), request.pointee.in))
                if count <= 0 { return true }
                drained += count
            }
            return false
        }
    }

    func write(_ response: KickResponse, head: Bool) {
        let bytes = response.cgiBytes(includingBody: !head)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                _ = FCGX_PutStr($0.baseAddress, Int32($0.count), request.pointee.out)
            }
        }
    }
}
