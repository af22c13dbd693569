import ControlProtocol
import Testing

@testable import RoomDaemon

/// The TLS callers file: how its lines read, what they refuse, and how a token or a certificate maps to a
/// caller and its level.
@Suite struct ControlCallersTests {
    static let webToken = "Vq3x6mJb0tQmF4yH5Zp8cW2nLr7sKd9e"
    static let pin = String(repeating: "ab", count: 32)
    static let text = """
        # who may call roomd over TLS
        token  web1   kick   \(ControlCallers.hashedToken(webToken))
        cert   ops    admin  sha256:\(pin.uppercased().chunked())   # as openssl prints it
        ca     tier   kick   /etc/muc-kick/tier-ca.pem

        """

    @Test func readsTheThreeKinds() throws {
        let callers = try ControlCallers(parsing: Self.text)
        #expect(callers.tokens.map(\.name) == ["web1"])
        #expect(callers.tokens.map(\.level) == [.kick])
        #expect(callers.certificates.map(\.name) == ["ops"])
        #expect(callers.certificates.first?.digest == [UInt8](repeating: 0xAB, count: 32))
        #expect(callers.authorities == [.init(name: "tier", level: .kick, path: "/etc/muc-kick/tier-ca.pem")])
    }

    @Test func hashedTokenIsSHA256Hex() {
        // SHA-256("abc"), FIPS 180-2's example.
        #expect(
            ControlCallers.hashedToken("abc")
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aTokenMapsToItsCallerAndLevel() throws {
        let callers = try ControlCallers(parsing: Self.text)
        #expect(callers.caller(presenting: Self.webToken) == ControlCaller(kind: .token, name: "web1", level: .kick))
        #expect(callers.caller(presenting: Self.webToken)?.description == "token:web1")
        #expect(callers.caller(presenting: Self.webToken + "x") == nil)
        #expect(callers.caller(presenting: String(Self.webToken.dropLast())) == nil)
        #expect(callers.caller(presenting: "") == nil)
        // The hash itself is not a token.
        #expect(callers.caller(presenting: ControlCallers.hashedToken(Self.webToken)) == nil)
    }

    @Test func aRemovedLineRevokes() throws {
        let before = try ControlCallers(parsing: Self.text)
        let after = try ControlCallers(parsing: Self.text.split(separator: "\n").filter { !$0.contains("web1") }
            .joined(separator: "\n"))
        let credential = ControlCredential.token(digest: SecretDigest.sha256(Self.webToken.utf8))
        #expect(before.caller(for: credential)?.level == .kick)
        #expect(after.caller(for: credential) == nil)
        #expect(after.caller(presenting: Self.webToken) == nil)
    }

    @Test func certificatesMapByFingerprintOrAuthority() throws {
        var callers = try ControlCallers(parsing: Self.text)
        let pinned = ControlCredential.pinnedCertificate(fingerprint: [UInt8](repeating: 0xAB, count: 32))
        #expect(callers.caller(for: pinned) == ControlCaller(kind: .certificate, name: "ops", level: .admin))
        let root = [UInt8](repeating: 7, count: 32)
        let issued = ControlCredential.issuedCertificate(authority: root, commonName: "web2.example.org")
        #expect(callers.caller(for: issued) == nil)
        callers.authorityFingerprints[root] = 0
        #expect(callers.caller(for: issued)?.description == "certificate:tier:web2.example.org")
        #expect(callers.caller(for: issued)?.level == .kick)
        #expect(callers.caller(for: .pinnedCertificate(fingerprint: root)) == nil)
    }

    @Test func fingerprintsReadInEitherForm() {
        let bytes = [UInt8](repeating: 0xAB, count: 32)
        #expect(SecretDigest.parse("sha256:" + Self.pin) == bytes)
        #expect(SecretDigest.parse("sha256:" + Self.pin.uppercased().chunked()) == bytes)
        #expect(SecretDigest.parse("sha256:" + String(Self.pin.dropLast())) == nil)
        #expect(SecretDigest.parse("sha256:" + Self.pin + "ab") == nil)
        #expect(SecretDigest.parse("sha1:" + Self.pin) == nil)
        #expect(SecretDigest.parse("sha256:" + String(repeating: "g", count: 64)) == nil)
        // A colon that does not split pairs.
        #expect(SecretDigest.parse("sha256:a:" + String(Self.pin.dropFirst())) == nil)
    }

    @Test func constantTimeEqualityComparesWholeDigests() {
        let a = [UInt8](repeating: 1, count: 32)
        var b = a
        #expect(SecretDigest.equal(a, b))
        b[31] = 2
        #expect(!SecretDigest.equal(a, b))
        b = a
        b[0] = 0
        #expect(!SecretDigest.equal(a, b))
        #expect(!SecretDigest.equal(a, Array(a.prefix(31))))
    }

    @Test(arguments: [
        ("token web1 kick", 1, "expected KIND NAME LEVEL CREDENTIAL"),
        ("token web1 root sha256:\(String(repeating: "0", count: 64))", 1, "the level is kick or admin"),
        ("token web1 none sha256:\(String(repeating: "0", count: 64))", 1, "the level is kick or admin"),
        ("key web1 kick sha256:\(String(repeating: "0", count: 64))", 1, "the kind is token, cert or ca, not 'key'"),
        ("\n\ntoken web1 kick sha256:1234", 3,
         "the credential is sha256: and 64 hex digits (colons between pairs allowed)"),
        ("token web1 kick plain-secret", 1,
         "the credential is sha256: and 64 hex digits (colons between pairs allowed)"),
        ("ca tier kick relative/ca.pem", 1, "a CA is an absolute path to a PEM file"),
        ("token web/1 kick sha256:\(String(repeating: "0", count: 64))", 1,
         "a name is 1 to 64 of A-Z a-z 0-9 . _ - @, not 'web/1'"),
        ("token a kick sha256:\(String(repeating: "0", count: 64))\ntoken a admin sha256:\(String(repeating: "1", count: 64))",
         2, "token 'a' is named twice"),
        ("token a kick sha256:\(String(repeating: "0", count: 64))\ntoken b admin sha256:\(String(repeating: "0", count: 64))",
         2, "the same token is listed twice"),
    ])
    func refusesWithTheLine(text: String, line: Int, reason: String) {
        #expect(throws: ControlCallersError(line: line, reason: reason)) { try ControlCallers(parsing: text) }
    }

    @Test func aTokenAndACertificateMayShareAName() throws {
        let zero = "sha256:" + String(repeating: "0", count: 64)
        let callers = try ControlCallers(parsing: "token web1 kick \(zero)\ncert web1 kick \(zero)\n")
        #expect(callers.tokens.count == 1 && callers.certificates.count == 1)
    }

    @Test func emptyAndCommentOnlyFilesLetNobodyIn() throws {
        #expect(try ControlCallers(parsing: "").isEmpty)
        #expect(try ControlCallers(parsing: "# nobody yet\n\n   \n").isEmpty)
    }
}

extension String {
    /// "ABCD" -> "AB:CD".
    fileprivate func chunked() -> String {
        var pairs: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty {
            pairs.append(String(rest.prefix(2)))
            rest = rest.dropFirst(2)
        }
        return pairs.joined(separator: ":")
    }
}
