import COpenSSLCrypto

/// The accepted `Authorization` header values, compared in constant time.
///
/// A value is either the exact header text (as in Prosody's `http_muc_kick_authorization_header`) or
/// `sha256:<64 hex digits>`, the SHA-256 of the exact header text, so the secret itself need not sit in the
/// configuration file.
public struct AuthorizationCheck: Sendable {
    enum Accepted: Sendable {
        case exact([UInt8])
        case sha256([UInt8])
    }

    let accepted: [Accepted]

    public var isEmpty: Bool { accepted.isEmpty }
    public var count: Int { accepted.count }

    public init(values: [String]) throws(SettingsError) {
        var accepted: [Accepted] = []
        for value in values {
            if value.hasPrefix("sha256:") {
                let hex = value.dropFirst("sha256:".count)
                guard let digest = Self.bytes(fromHex: hex), digest.count == 32 else {
                    throw .invalid(key: "authorization", reason: "sha256: must be followed by 64 hex digits")
                }
                accepted.append(.sha256(digest))
            } else {
                guard !value.isEmpty else { throw .invalid(key: "authorization", reason: "a value is empty") }
                accepted.append(.exact(Array(value.utf8)))
            }
        }
        self.accepted = accepted
    }

    /// Whether `presented` equals an accepted value, byte for byte. Every accepted value is compared in
    /// full whatever the outcome, so the time taken does not tell how much of a guess was right.
    public func accepts(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let bytes = Array(presented.utf8)
        var digest: [UInt8] = []
        if accepted.contains(where: { if case .sha256 = $0 { return true } else { return false } }) {
            digest = Self.sha256(bytes)
        }
        var matched: UInt8 = 0
        for value in accepted {
            switch value {
            case .exact(let expected): matched |= Self.constantTimeEqual(bytes, expected)
            case .sha256(let expected): matched |= Self.constantTimeEqual(digest, expected)
            }
        }
        return matched == 1
    }

    /// 1 if equal, 0 if not; the loop runs over the longer input whatever the contents.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> UInt8 {
        var difference = UInt(a.count ^ b.count)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt(x ^ y)
        }
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
