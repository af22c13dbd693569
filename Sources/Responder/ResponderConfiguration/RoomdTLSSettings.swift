/// How the responder reaches roomd over TLS (`roomd_address = "tls://HOST:PORT"`): whom to trust, and
/// what it proves about itself. Paths only; the executable reads the files.
public struct RoomdTLSSettings: Equatable, Sendable {
    /// PEM file of the CA(s) roomd's certificate chains to; `nil`: the system's trust store.
    public var caFile: String?
    /// The client certificate (PEM, chain allowed) and its key, for mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?
    /// A file whose first line is the bearer token roomd's callers file holds the hash of.
    public var tokenFile: String?
    /// The name roomd's certificate must carry; `nil`: the host of the address.
    public var serverName: String?

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, tokenFile: String? = nil,
        serverName: String? = nil
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.tokenFile = tokenFile
        self.serverName = serverName
    }

    /// The settings' keys, their environment variables, and what each sets.
    static let keys: [(key: String, variable: String, field: any WritableKeyPath<RoomdTLSSettings, String?> & Sendable)] = [
        ("roomd_ca", "MUC_KICK_ROOMD_CA", \.caFile),
        ("roomd_certificate", "MUC_KICK_ROOMD_CERTIFICATE", \.certificateFile),
        ("roomd_key", "MUC_KICK_ROOMD_KEY", \.keyFile),
        ("roomd_token_file", "MUC_KICK_ROOMD_TOKEN_FILE", \.tokenFile),
        ("roomd_server_name", "MUC_KICK_ROOMD_SERVER_NAME", \.serverName),
    ]

    /// The credential rules roomd applies: a connection is identified by its certificate or by one token,
    /// never both (roomd refuses `Authenticate` on a connection a certificate identified), and without
    /// either it may kick nobody.
    func validated() throws(SettingsError) -> RoomdTLSSettings {
        switch (certificateFile, keyFile) {
        case (.some, nil): throw .invalid(key: "roomd_certificate", reason: "needs roomd_key")
        case (nil, .some): throw .invalid(key: "roomd_key", reason: "needs roomd_certificate")
        default: break
        }
        if certificateFile != nil && tokenFile != nil {
            throw .invalid(
                key: "roomd_token_file",
                reason: "give roomd_certificate and roomd_key, or roomd_token_file, not both (roomd identifies a "
                    + "connection by one of them)")
        }
        if certificateFile == nil && tokenFile == nil {
            throw .invalid(
                key: "roomd_address",
                reason: "a tls:// address needs a credential: roomd_certificate and roomd_key, or roomd_token_file")
        }
        if let serverName {
            guard !serverName.isEmpty, serverName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .invalid(key: "roomd_server_name", reason: "must be a host name")
            }
        }
        return self
    }
}
