import NIOCore

/// The TLS listener's settings (`--listen-tls` and the `--tls-*` options). The files are read at start and
/// again on SIGHUP (`ControlTLSMaterial`).
public struct ControlTLSSettings: Sendable {
    public var host: String
    public var port: Int
    /// PEM: the server's certificate, then any intermediates.
    public var certificatePath: String
    /// PEM: its private key.
    public var keyPath: String
    /// Who may call, and with what level (`ControlCallers`); without it only `org.varlink.service.*` answers.
    public var callersPath: String?
    /// A peer that has not finished the handshake by then is dropped.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Connections open at once; one more is closed as soon as it is accepted.
    public var maxConnections = 1024

    public init(host: String, port: Int, certificatePath: String, keyPath: String, callersPath: String? = nil) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.callersPath = callersPath
    }
}
