/// Where roomd's control protocol is served: its Unix socket on this machine, or its TLS listener
/// (`roomd --listen-tls`) on another.
public enum RoomdAddress: Equatable, Sendable, CustomStringConvertible {
    case unixSocket(path: String)
    case tls(host: String, port: Int)

    /// `tls://HOST:PORT` (`tls://[::1]:PORT` for IPv6), `unix:PATH`, or an absolute path.
    public init?(parsing text: String) {
        if text.hasPrefix("tls://") {
            let rest = text.dropFirst("tls://".count)
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            let digits = rest[rest.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let port = Int(digits), (1...65535).contains(port)
            else { return nil }
            var host = rest[..<colon]
            if host.hasPrefix("[") && host.hasSuffix("]") {
                host = host.dropFirst().dropLast()
                // Brackets hold an IPv6 address, without a zone (a zone names this machine's interface,
                // which a certificate cannot).
                guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                    return nil
                }
            } else if host.contains(":") || host.contains("[") || host.contains("]") || host.contains("%") {
                return nil  // an IPv6 address without its brackets, or half of them
            }
            // What getaddrinfo and the certificate check will be given: no spaces, controls or slashes.
            guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
            else { return nil }
            self = .tls(host: String(host), port: port)
        } else {
            let path = text.hasPrefix("unix:") ? String(text.dropFirst("unix:".count)) : text
            guard path.hasPrefix("/"), !path.utf8.contains(0) else { return nil }
            self = .unixSocket(path: path)
        }
    }

    public var description: String {
        switch self {
        case .unixSocket(let path): return path
        case .tls(let host, let port): return host.contains(":") ? "tls://[\(host)]:\(port)" : "tls://\(host):\(port)"
        }
    }
}
