public enum XMLEscaping {
    public static func text(_ value: String) -> String { escape(value, inAttribute: false) }

    public static func attribute(_ value: String) -> String { escape(value, inAttribute: true) }

    /// `&`, `<`, `>` always; quotes inside attribute values. CR is written as a reference (a parser turns a
    /// literal one into LF), and so are TAB and LF in attribute values (a parser turns them into spaces), so
    /// that what is read back is what was written. Characters XML 1.0 cannot carry at all (C0 controls but
    /// TAB, LF and CR; U+FFFE; U+FFFF) become U+FFFD: nothing this writes can end a peer's stream.
    private static func escape(_ value: String, inAttribute: Bool) -> String {
        // Every byte that may need work: ASCII specials and controls, and 0xEF, which leads U+FFFE and U+FFFF.
        func mayNeedWork(_ byte: UInt8) -> Bool {
            byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0xEF
                || (inAttribute && (byte == 0x27 || byte == 0x22))
        }
        guard value.utf8.contains(where: mayNeedWork) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x27 where inAttribute: out += "&apos;"
            case 0x22 where inAttribute: out += "&quot;"
            case 0x0D: out += "&#13;"
            case 0x09 where inAttribute: out += "&#9;"
            case 0x0A where inAttribute: out += "&#10;"
            case 0x09, 0x0A: out.unicodeScalars.append(scalar)
            case 0x00..<0x20, 0xFFFE, 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
