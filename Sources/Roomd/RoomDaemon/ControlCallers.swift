import ControlProtocol

/// Who may call roomd over TLS, from the file `--tls-callers` names (re-read on SIGHUP). One caller a line,
/// `KIND NAME LEVEL CREDENTIAL`, `#` starts a comment:
///
///     token  web1      kick   sha256:<64 hex: SHA-256 of the token>
///     cert   ops       admin  sha256:<64 hex: SHA-256 of the certificate's DER, colons allowed>
///     ca     web-tier  kick   /etc/muc-kick/web-tier-ca.pem
///
/// A `ca` line lets in any certificate that CA issued (checked by BoringSSL: chain, dates), named
/// `NAME:<subject common name>`. A `cert` line pins one certificate, self-signed or not, by its fingerprint;
/// its dates are checked too. Tokens are stored as their SHA-256 only (see `docs/control-protocol.md#tls`).
/// Removing a line and reloading revokes it, for connections already open as well.
public struct ControlCallers: Sendable, Equatable {
    public struct Digested: Sendable, Equatable {
        public var name: String
        public var level: Rooms.AccessLevel
        public var digest: [UInt8]
    }

    public struct Authority: Sendable, Equatable {
        public var name: String
        public var level: Rooms.AccessLevel
        public var path: String
    }

    public var tokens: [Digested] = []
    public var certificates: [Digested] = []
    public var authorities: [Authority] = []
    /// The fingerprint of each certificate in the `ca` lines' files, with its line's index in `authorities`;
    /// filled in when the files are read (`ControlTLSMaterial`), not by parsing.
    var authorityFingerprints: [[UInt8]: Int] = [:]

    public init() {}

    public var isEmpty: Bool { tokens.isEmpty && certificates.isEmpty && authorities.isEmpty }

    public init(parsing text: String) throws(ControlCallersError) {
        var names: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 4 else {
                throw ControlCallersError(line: number, reason: "expected KIND NAME LEVEL CREDENTIAL")
            }
            let name = String(fields[1])
            guard Self.isValidName(name) else {
                throw ControlCallersError(
                    line: number, reason: "a name is 1 to 64 of A-Z a-z 0-9 . _ - @, not '\(name.prefix(64))'")
            }
            guard let level = Rooms.AccessLevel(name: String(fields[2])), level != .none else {
                throw ControlCallersError(line: number, reason: "the level is kick or admin")
            }
            let kind = String(fields[0])
            guard names.insert(kind + " " + name).inserted else {
                throw ControlCallersError(line: number, reason: "\(kind) '\(name)' is named twice")
            }
            switch kind {
            case "token", "cert":
                guard let digest = SecretDigest.parse(fields[3]) else {
                    throw ControlCallersError(
                        line: number, reason: "the credential is sha256: and 64 hex digits (colons between pairs allowed)")
                }
                let entry = Digested(name: name, level: level, digest: digest)
                if kind == "token" {
                    guard !tokens.contains(where: { $0.digest == digest }) else {
                        throw ControlCallersError(line: number, reason: "the same token is listed twice")
                    }
                    tokens.append(entry)
                } else {
                    guard !certificates.contains(where: { $0.digest == digest }) else {
                        throw ControlCallersError(line: number, reason: "the same certificate is listed twice")
                    }
                    certificates.append(entry)
                }
            case "ca":
                guard fields[3].hasPrefix("/") else {
                    throw ControlCallersError(line: number, reason: "a CA is an absolute path to a PEM file")
                }
                authorities.append(Authority(name: name, level: level, path: String(fields[3])))
            default:
                throw ControlCallersError(line: number, reason: "the kind is token, cert or ca, not '\(kind.prefix(16))'")
            }
        }
    }

    /// The caller whose token this is, or nil. The presented token is hashed once and compared with every
    /// configured digest in full, so the time taken says nothing about which digest came close.
    public func caller(presenting token: String) -> ControlCaller? {
        let digest = SecretDigest.sha256(token.utf8)
        var found: Digested?
        for entry in tokens where SecretDigest.equal(digest, entry.digest) { found = entry }
        return found.map { ControlCaller(kind: .token, name: $0.name, level: $0.level) }
    }

    /// The caller of the token whose SHA-256 is `digest` (a connection's, checked again after a reload).
    func caller(tokenDigest digest: [UInt8]) -> ControlCaller? {
        tokens.first { SecretDigest.equal(digest, $0.digest) }.map {
            ControlCaller(kind: .token, name: $0.name, level: $0.level)
        }
    }

    /// The pinned certificate with this fingerprint (SHA-256 of its DER), or nil.
    public func caller(certificateFingerprint fingerprint: [UInt8]) -> ControlCaller? {
        certificates.first { SecretDigest.equal(fingerprint, $0.digest) }.map {
            ControlCaller(kind: .certificate, name: $0.name, level: $0.level)
        }
    }

    /// The credential of a `token` line for this token: `sha256:` and its SHA-256 in hex.
    public static func hashedToken(_ token: String) -> String {
        "sha256:" + SecretDigest.hex(SecretDigest.sha256(token.utf8))
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
                    UInt8(ascii: "@"):
                    return true
                default: return false
                }
            }
    }
}

extension ControlCallers {
    /// The caller a connection's credential stands for under this configuration, or nil if it is no longer
    /// let in. `authorityFingerprints` maps each `ca` line's certificates (by fingerprint) to the line.
    func caller(for credential: ControlCredential) -> ControlCaller? {
        switch credential {
        case .token(let digest): return caller(tokenDigest: digest)
        case .pinnedCertificate(let fingerprint): return caller(certificateFingerprint: fingerprint)
        case .issuedCertificate(let authority, let commonName):
            return self.authority(fingerprint: authority).map {
                ControlCaller(kind: .certificate, name: "\($0.name):\(commonName)", level: $0.level)
            }
        }
    }

    /// The `ca` line one of whose certificates has this fingerprint.
    func authority(fingerprint: [UInt8]) -> Authority? {
        guard let index = authorityFingerprints[fingerprint] else { return nil }
        return authorities[index]
    }
}
