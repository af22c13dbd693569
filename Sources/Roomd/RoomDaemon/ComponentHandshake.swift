import COpenSSLCrypto

/// XEP-0114 §3: the component proves it knows the shared secret with SHA-1(stream id + secret), in
/// lowercase hex.
enum ComponentHandshake {
    static func digest(streamID: String, secret: String) -> String {
        let input = Array((streamID + secret).utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = input.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha1(), nil)
        }
        precondition(ok == 1 && length == 20, "EVP_Digest(SHA-1) failed")
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
