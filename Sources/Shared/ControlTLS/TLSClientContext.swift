import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// How a client (the responder, roomctl) reaches roomd's TLS listener, made into one OpenSSL context: whom to
/// trust, what to prove. The responder's worker threads share it (OpenSSL allows that once the context is
/// set up; each connection gets its own `SSL`).
///
/// TLS 1.2 and 1.3 only, roomd's certificate verified against `roomd_ca` (else the system's trust store) and
/// checked for the server name; OpenSSL's default cipher suites, which offer only forward-secret AEAD suites
/// at these versions.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    public let host: String
    public let port: Int
    /// What roomd's certificate must name (and what SNI carries, unless it is an address).
    public let serverName: String

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `caFile`: PEM of the CA(s) roomd's certificate chains to (nil: the system's trust store);
    /// `certificateFile` and `keyFile`: a client certificate for mutual TLS; `serverName`: what roomd's
    /// certificate must name (nil: `host`).
    public init(
        host: String, port: Int, caFile: String?, certificateFile: String?, keyFile: String?, serverName: String?
    ) throws(SetupError) {
        self.host = host
        self.port = port
        let name = serverName ?? host
        self.serverName = name
        // A name with these is neither a host name nor an address OpenSSL can check the certificate for.
        guard Self.isAddress(name) || !name.contains(where: { ":[]%/".contains($0) }) else {
            throw SetupError(
                description: "roomd's certificate cannot be checked for '\(name)': give a server name (a host name "
                    + "or an IP address)")
        }
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw SetupError(description: "cannot make a TLS context: \(Self.openSSLErrors())")
        }
        self.context = context
        guard muckick_ssl_ctx_set_min_tls12(context) == 1 else {
            throw SetupError(description: "cannot require TLS 1.2: \(Self.openSSLErrors())")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        muckick_ssl_ctx_set_client_options(context)
        // An encrypted key would make OpenSSL ask for its passphrase on the terminal: refuse it instead.
        SSL_CTX_set_default_passwd_cb(context) { _, _, _, _ in 0 }
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw SetupError(description: "roomd_ca: cannot load \(caFile): \(Self.openSSLErrors())")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw SetupError(description: "cannot load the system's trust store: \(Self.openSSLErrors())")
            }
        }
        if let certificateFile, let keyFile {
            guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
                throw SetupError(
                    description: "roomd_certificate: cannot load \(certificateFile): \(Self.openSSLErrors())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
                throw SetupError(description: "roomd_key: cannot load \(keyFile): \(Self.openSSLErrors())")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw SetupError(
                    description: "roomd_key: \(keyFile) is not the key of \(certificateFile): \(Self.openSSLErrors())")
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Whether `host` is an IPv4 or IPv6 address (checked against the certificate's IP entries, not its names).
    static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The calling thread's OpenSSL errors, oldest first, and clears them.
    static func openSSLErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
    }
}
