/// The escaping `printLine` applies to what it prints.
enum TerminalText {
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi marks and overrides
        default: return false
        }
    }

    /// In JSON output the encoder has already escaped C0 controls inside strings; the ones left are the
    /// layout's own line breaks and indentation, which stay.
    static func escaped(_ text: String, json: Bool) -> String {
        let escapes = { (scalar: Unicode.Scalar) in needsEscape(scalar) && !(json && scalar.value < 0x20) }
        guard text.unicodeScalars.contains(where: escapes) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard escapes(scalar) else {
                out.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let escape =
                json
                ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                : scalar.value < 0x100
                    ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{" + hex + "}"
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }
}
