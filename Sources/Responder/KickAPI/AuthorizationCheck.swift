import COpenSSLCrypto

/// The accepted `Authorization` header values, compared in constant time.
///
/// A value is either the exact header text (as in Prosody's `http_muc_kick_authorization_header`) or
/// `sha256:<64 hex digits>`, the SHA-256 of the exact header text, so the secret itself need not sit in the
/// configuration file. Both are kept as digests: a presented value is hashed once and compared with each,
/// 32 bytes against 32, so neither the time nor anything else depends on how long the secret is.
public struct AuthorizationCheck: Sendable {
    let digests: [[UInt8]]

    public var isEmpty: Bool { digests.isEmpty }
    public var count: Int { digests.count }

    /// The example value in Prosody's documentation and ours (`aladdin:opensesame`): anyone can send it.
    static let documentedExample = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"

    /// A configured value the check cannot use; `reason` says how to fix it.
    public struct InvalidValue: Error, Equatable, Sendable {
        public var reason: String
    }

    public init(values: [String]) throws(InvalidValue) {
        var digests: [[UInt8]] = []
        let example = Self.sha256(Array(Self.documentedExample.utf8))
        for value in values {
            let digest: [UInt8]
            if value.hasPrefix("sha256:") {
                let hex = value.dropFirst("sha256:".count)
                guard let bytes = Self.bytes(fromHex: hex), bytes.count == 32 else {
                    throw InvalidValue(reason: "sha256: must be followed by 64 hex digits")
                }
                digest = bytes
            } else {
                guard !value.isEmpty else { throw InvalidValue(reason: "a value is empty") }
                digest = Self.sha256(Array(value.utf8))
            }
            guard digest != example else {
                throw InvalidValue(
                    reason: "is the documentation's example value, which anyone can send; make your own "
                        + "(e.g. \"Basic \" followed by base64 of user:long-random-password)")
            }
            digests.append(digest)
        }
        self.digests = digests
    }

    /// Whether `presented` equals an accepted value, byte for byte. Every accepted digest is compared in
    /// full whatever the outcome.
    public func accepts(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let digest = Self.sha256(Array(presented.utf8))
        var matched: UInt8 = 0
        for expected in digests { matched |= Self.constantTimeEqual(digest, expected) }
        return matched == 1
    }

    /// 1 if equal, 0 if not, for two digests of the same length; the loop always runs to the end.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> UInt8 {
        precondition(a.count == b.count)
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0 ? 1 : 0
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return digest
    }

    static func bytes(fromHex hex: Substring) -> [UInt8]? {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            result.append(h << 4 | l)
        }
        return result
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The `sha256:` form of a header value, for operators writing their configuration.
    public static func hashedForm(of value: String) -> String {
        "sha256:" + sha256(Array(value.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
