import COpenSSLCrypto

/// SHA-256 and a comparison whose time does not depend on where two digests differ: how bearer tokens
/// and certificate fingerprints are matched.
enum SecretDigest {
    static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = input.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return digest
    }

    /// Whether two 32-byte digests are equal; the loop always runs to the end.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// `sha256:` and 64 hex digits, upper or lower case, pairs optionally separated by colons (as
    /// `openssl x509 -fingerprint -sha256` prints them).
    static func parse(_ text: String) -> [UInt8]? { parse(Substring(text)) }

    static func parse(_ text: Substring) -> [UInt8]? {
        guard text.hasPrefix("sha256:") else { return nil }
        var hex = Array(text.dropFirst("sha256:".count).utf8)
        if hex.contains(UInt8(ascii: ":")) {
            // Colons only between pairs: "AB:CD", not "A:BCD".
            let groups = hex.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard groups.allSatisfy({ $0.count == 2 }) else { return nil }
            hex = Array(groups.joined())
        }
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
