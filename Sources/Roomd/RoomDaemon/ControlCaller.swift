import ControlProtocol

/// A caller over TLS as roomd's configuration names it: by what it proved, with the level it gets.
public struct ControlCaller: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A bearer token presented with `Authenticate`.
        case token
        /// A client certificate: pinned by its fingerprint, or issued by a configured client CA.
        case certificate
    }

    public var kind: Kind
    /// The configured name; for a CA-issued certificate, the CA's name and the certificate's subject common
    /// name (`web-tier:web1.example.org`).
    public var name: String
    public var level: Rooms.AccessLevel

    public init(kind: Kind, name: String, level: Rooms.AccessLevel) {
        self.kind = kind
        self.name = name
        self.level = level
    }

    /// How the audit log and the log lines name it: `token:web1`, `certificate:ops`.
    public var description: String { "\(kind.rawValue):\(name)" }
}
