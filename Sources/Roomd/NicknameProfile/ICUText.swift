import CUnicodeData

/// Whole-string operations of ICU on Swift strings (through UTF-16, ICU's native form).
enum ICUText {
    /// Unicode Normalization Form KC.
    static func nfkc(_ text: String) -> String? { transform(text, cicu_nfkc) }

    /// Unicode's toLowercase, with its contexts (Final_Sigma), as RFC 8266 §2.2 rule 3 asks.
    static func lowercased(_ text: String) -> String? { transform(text, cicu_to_lower) }

    /// Runs an ICU transform that reports the length it needs when the buffer is too small. Its inputs are
    /// bounded (a nickname of at most 1023 bytes), and so is what the transforms make of them.
    private static func transform(
        _ text: String,
        _ body: (UnsafePointer<UInt16>?, Int32, UnsafeMutablePointer<UInt16>?, Int32) -> Int32
    ) -> String? {
        let source = Array(text.utf16)
        var capacity = source.count * 3 + 16
        for _ in 0..<2 {
            var output = [UInt16](repeating: 0, count: capacity)
            let needed = source.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    body(input.baseAddress, Int32(input.count), out.baseAddress, Int32(out.count))
                }
            }
            if needed < 0 { return nil }
            if Int(needed) <= capacity { return String(decoding: output[..<Int(needed)], as: UTF16.self) }
            capacity = Int(needed)
        }
        return nil
    }
}
