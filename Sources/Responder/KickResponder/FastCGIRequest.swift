import CFastCGI
import HTTPTypes
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
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
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

/// The same request taken from a CGI environment.
enum CGIRequest {
    static func read(maxBodySize: Int, authorized: (String?) -> Bool) -> KickRequest {
        KickRequest.read(
            maxBodySize: maxBodySize, parameter: { getenv($0).map { String(cString: $0) } }, authorized: authorized
        ) { buffer, count in
            while true {
                let result = Glibc.read(0, buffer, count)
                if result < 0 && errno == EINTR { continue }
                return max(result, 0)
            }
        }.request
    }
}

extension KickRequest {
    /// Reads the CGI/FastCGI parameters the handler needs and, for a POST, the body within the limit.
    /// `readChunk(buffer, capacity)` returns the body bytes read, 0 at the end.
    static func read(
        maxBodySize: Int, parameter: (String) -> String?, authorized: (String?) -> Bool,
        readChunk: (UnsafeMutablePointer<CChar>, Int) -> Int
    ) -> (request: KickRequest, bodyRead: Bool) {
        var kick = KickRequest(
            method: HTTPRequest.Method(parameter("REQUEST_METHOD") ?? "GET"),
            authorization: parameter("HTTP_AUTHORIZATION") ?? parameter("REDIRECT_HTTP_AUTHORIZATION"),
            contentType: parameter("CONTENT_TYPE"))
        // Only an authorized POST has a body worth reading; any other request's body (a PUT streamed by
        // Apache, say) is left to the bounded drain, so no unauthenticated sender can hold a worker.
        guard kick.method == .post, authorized(kick.authorization) else { return (kick, false) }
        switch BodyReader.read(contentLength: parameter("CONTENT_LENGTH"), maxBodySize: maxBodySize, readChunk: readChunk)
        {
        case .read(let body): kick.body = body
        case .tooLarge: kick.bodyTooLarge = true
        case .invalidLength: kick.contentLengthInvalid = true
        }
        return (kick, true)
    }
}

/// Reads a request body within a limit, with or without a declared length.
enum BodyReader {
    enum Outcome: Equatable {
        case read([UInt8])
        /// Over the limit, by the declared length (not read at all) or while reading.
        case tooLarge
        /// The declared length is not a decimal number (`-1`, `12abc`, ` 5`): nothing is read.
        case invalidLength
    }

    /// `readChunk(buffer, capacity)` returns the bytes read, 0 at the end.
    static func read(
        contentLength: String?, maxBodySize: Int, readChunk: (UnsafeMutablePointer<CChar>, Int) -> Int
    ) -> Outcome {
        var expected: Int?
        if let text = contentLength, !text.isEmpty {
            guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return .invalidLength
            }
            // All digits: a number too large for Int is over any limit.
            guard let length = Int(text), length <= maxBodySize else { return .tooLarge }
            expected = length
        }
        // Without a length (chunked upload), read to the end, but never more than one byte past the limit.
        let wanted = expected ?? (maxBodySize + 1)
        var body = [UInt8](repeating: 0, count: wanted)
        var total = 0
        while total < wanted {
            let count = body.withUnsafeMutableBytes { raw in
                readChunk(raw.baseAddress!.advanced(by: total).assumingMemoryBound(to: CChar.self), wanted - total)
            }
            if count <= 0 { break }
            total += count
        }
        body.removeSubrange(total...)
        return total > maxBodySize ? .tooLarge : .read(body)
    }
}
