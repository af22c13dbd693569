/// The rule for every free-text field that ends up in a stanza, the audit log or a terminal: reasons,
/// actors, room names, subjects. XML 1.0 cannot carry most control characters, U+FFFE or U+FFFF, and a
/// server closes a stream that contains one (every stanza in flight is lost with it); terminals act on
/// escape sequences. Each field has a length cap in UTF-8 bytes so one call cannot make every later
/// stanza of a room large.
public enum FreeText {
    public enum Field: String, Sendable, CaseIterable {
        case reason, actor, name, subject, status

        /// UTF-8 bytes.
        public var maxBytes: Int {
            switch self {
            case .reason, .status: return 1024
            case .actor, .name: return 256
            case .subject: return 4096
            }
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        /// A character XML 1.0 cannot carry (a control character other than tab, newline and carriage
        /// return, U+FFFE, U+FFFF), or a C1 control (U+0080-U+009F: legal XML, but terminals act on them).
        case forbiddenCharacter(field: Field, scalar: UInt32)
        case tooLong(field: Field, maxBytes: Int)

        public var field: Field {
            switch self {
            case .forbiddenCharacter(let field, _), .tooLong(let field, _): return field
            }
        }

        public var message: String {
            switch self {
            case .forbiddenCharacter(let field, let scalar):
                let hex = String(scalar, radix: 16, uppercase: true)
                return "'\(field.rawValue)' contains the character U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex), which is not allowed"
            case .tooLong(let field, let maxBytes):
                return "'\(field.rawValue)' is longer than \(maxBytes) bytes"
            }
        }
    }

    /// Whether XML 1.0 (§2.2 `Char`) can carry the scalar. Swift strings hold no surrogates.
    public static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        isXMLCharacter(scalar) && !(0x7F...0x9F).contains(scalar.value)
    }

    /// The text as given if it is allowed in `field`; the first problem otherwise.
    public static func check(_ text: String, as field: Field) throws(Problem) {
        if text.utf8.count > field.maxBytes { throw .tooLong(field: field, maxBytes: field.maxBytes) }
        // ASCII printable text, the common case, needs no scalar decoding.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return }
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            throw .forbiddenCharacter(field: field, scalar: bad.value)
        }
    }
}
