#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why a call to roomd did not produce a reply.
public enum ControlClientError: Error, Equatable, CustomStringConvertible {
    /// The socket is missing or nobody listens (ENOENT, ECONNREFUSED, EACCES...).
    case unavailable(path: String, errno: Int32)
    /// roomd could not be reached for a reason that is not an errno: a name that does not resolve, a TLS
    /// handshake that failed (roomd's certificate not trusted or not for its name, ours refused).
    case refused(peer: String, reason: String)
    /// No complete reply within the timeout.
    case timedOut
    /// The daemon closed the connection before a complete reply.
    case connectionClosed
    /// A reply that is not a varlink message this client understands.
    case protocolError(String)
    /// The daemon answered with a varlink error.
    case remote(RoomsError)

    public var description: String {
        switch self {
        case .unavailable(let path, let code):
            return "cannot reach roomd at \(path): \(String(cString: strerror(code)))"
        case .refused(let peer, let reason):
            return "cannot reach roomd at \(peer): \(reason)"
        case .timedOut: return "roomd did not answer in time"
        case .connectionClosed: return "roomd closed the connection"
        case .protocolError(let text): return "unexpected reply from roomd: \(text)"
        case .remote(let error): return error.description
        }
    }
}

extension ControlClientError {
    /// A reply that did not read: the peer's refusal, or a protocol error.
    public init(_ error: VarlinkReplyError) {
        switch error {
        case .remote(let error): self = .remote(error)
        case .malformed(let text): self = .protocolError(text)
        case .mismatch(let error): self = .protocolError("reply does not match the method: \(error)")
        }
    }
}
