/// Reads the subset of TOML 1.0 that `TOMLDocument` documents, over the file's UTF-8 bytes.
///
/// Follows the grammar of the TOML 1.0 ABNF for what it accepts, so that an accepted document means what any
/// TOML reader would read from it; constructs outside the subset end in an error that says they are not
/// supported, so that a document is never half-understood. Tests/integration/test_toml_corpus.py holds it to
/// Python's `tomllib`.
struct TOMLParser {
    /// Deeper than any configuration needs; bounds the recursion (and the JSON that `--check-config` prints).
    static let maxArrayDepth = 16
    static let maxKeyParts = 16

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1

    /// Keys with their values, by the path of table names and key.
    private(set) var values: [[String]: TOMLDocument.Value] = [:]
    private(set) var valueLines: [[String]: Int] = [:]
    /// Tables opened by a `[header]`: each may be opened once.
    private(set) var definedTables: Set<[String]> = []
    /// Tables that exist because a header names a table inside them: `[a.b]` makes `a`, which `[a]` may
    /// still open once.
    private(set) var implicitTables: Set<[String]> = []

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func byte(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func advance() { index += 1 }

    private func error(_ reason: String) -> SettingsError { .syntax(line: line, reason: reason) }

    mutating func parse() throws(SettingsError) {
        var table: [String] = []
        while true {
            skipSpace()
            guard let c = peek else { return }
            switch c {
            case UInt8(ascii: "#"), 0x0A, 0x0D:
                try endOfLine(after: "")
            case UInt8(ascii: "["):
                table = try tableHeader()
            default:
                let keyLine = line
                let key = try self.key()
                skipSpace()
                guard peek == UInt8(ascii: "=") else {
                    if peek == UInt8(ascii: ".") {
                        throw error("dotted keys ('\(key).…') are not supported: write [tables] or one key per line")
                    }
                    throw error("expected '=' after the key '\(key)'")
                }
                advance()
                skipSpace()
                let value = try self.value(depth: 0, after: "after '\(key) ='")
                try endOfLine(after: " after the value of '\(key)'")
                let path = table + [key]
                if values[path] != nil {
                    throw .syntax(line: keyLine, reason: "'\(Self.spelling(path))' is set twice")
                }
                if definedTables.contains(path) || implicitTables.contains(path) {
                    throw .syntax(line: keyLine, reason: "'\(Self.spelling(path))' is already a table")
                }
                values[path] = value
                valueLines[path] = keyLine
            }
        }
    }

    /// How an error names a key: as it would be written after the last table header.
    static func spelling(_ path: [String]) -> String {
        path.map { part in
            !part.isEmpty && part.utf8.allSatisfy(isBareKeyByte) ? part : "\"" + part + "\""
        }.joined(separator: ".")
    }

    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
    }

    private mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x09 { advance() }
    }

    /// Spaces, an optional comment, then a line break or the end of the file.
    private mutating func endOfLine(after context: String) throws(SettingsError) {
        skipSpace()
        if peek == UInt8(ascii: "#") { try comment() }
        guard let c = peek else { return }
        guard c == 0x0A || c == 0x0D else { throw error("unexpected text\(context)") }
        try lineBreak()
    }

    private mutating func lineBreak() throws(SettingsError) {
        if peek == 0x0D {
            guard byte(1) == 0x0A else { throw error("a carriage return must be followed by a line feed") }
            advance()
        }
        advance()
        line += 1
    }

    private mutating func comment() throws(SettingsError) {
        advance()
        while let c = peek, c != 0x0A {
            if c == 0x0D && byte(1) == 0x0A { return }
            if (c < 0x20 && c != 0x09) || c == 0x7F { throw error("control character in a comment") }
            advance()
        }
    }

    private mutating func tableHeader() throws(SettingsError) -> [String] {
        advance()
        if peek == UInt8(ascii: "[") { throw error("arrays of tables ([[name]]) are not supported") }
        var path: [String] = []
        while true {
            skipSpace()
            path.append(try key())
            skipSpace()
            guard path.count <= Self.maxKeyParts else {
                throw error("tables nested deeper than \(Self.maxKeyParts) are not supported")
            }
            if peek == UInt8(ascii: ".") {
                advance()
                continue
            }
            guard peek == UInt8(ascii: "]") else { throw error("expected ']' or '.' in the table header") }
            advance()
            break
        }
        try endOfLine(after: " after the table header [\(Self.spelling(path))]")
        for length in 1...path.count {
            let prefix = Array(path[..<length])
            if values[prefix] != nil {
                throw error("'\(Self.spelling(prefix))' is a value, not a table (line \(valueLines[prefix] ?? 0))")
            }
        }
        if definedTables.contains(path) { throw error("the table [\(Self.spelling(path))] is defined twice") }
        definedTables.insert(path)
        for length in 1..<path.count { implicitTables.insert(Array(path[..<length])) }
        return path
    }

    private mutating func key() throws(SettingsError) -> String {
        switch peek {
        case UInt8(ascii: "\"")?:
            return try basicString()
        case UInt8(ascii: "'")?:
            return try literalString()
        default:
            let start = index
            while let c = peek, Self.isBareKeyByte(c) { advance() }
            guard index > start else {
                throw error("expected a key (bare keys are ASCII letters, digits, '-' and '_'; quote others)")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    private mutating func value(depth: Int, after context: String) throws(SettingsError) -> TOMLDocument.Value {
        switch peek {
        case UInt8(ascii: "\"")?:
            if byte(1) == UInt8(ascii: "\""), byte(2) == UInt8(ascii: "\"") {
                throw error("multi-line strings (\"\"\") are not supported")
            }
            return .string(try basicString())
        case UInt8(ascii: "'")?:
            if byte(1) == UInt8(ascii: "'"), byte(2) == UInt8(ascii: "'") {
                throw error("multi-line strings (''') are not supported")
            }
            return .string(try literalString())
        case UInt8(ascii: "[")?:
            return try array(depth: depth + 1)
        case UInt8(ascii: "{")?:
            throw error("inline tables ({...}) are not supported")
        default:
            let start = index
            while let c = peek, c != 0x20, c != 0x09, c != 0x0A, c != 0x0D, c != UInt8(ascii: ","),
                c != UInt8(ascii: "]"), c != UInt8(ascii: "#")
            {
                advance()
            }
            guard index > start else { throw error("expected a value \(context)") }
            return try scalar(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    /// Newlines and comments may stand anywhere between the items, and a comma may follow the last one.
    private mutating func array(depth: Int) throws(SettingsError) -> TOMLDocument.Value {
        guard depth <= Self.maxArrayDepth else {
            throw error("arrays nested deeper than \(Self.maxArrayDepth) are not supported")
        }
        let openingLine = line
        advance()
        var items: [TOMLDocument.Value] = []
        while true {
            try skipSpaceCommentsAndLineBreaks()
            if peek == UInt8(ascii: "]") {
                advance()
                return .array(items)
            }
            items.append(try value(depth: depth, after: "or ']' in the array"))
            try skipSpaceCommentsAndLineBreaks()
            switch peek {
            case UInt8(ascii: ",")?:
                advance()
            case UInt8(ascii: "]")?:
                advance()
                return .array(items)
            case nil:
                throw error("the array opened on line \(openingLine) is not closed with ']'")
            default:
                throw error("expected ',' or ']' after an item of the array opened on line \(openingLine)")
            }
        }
    }

    private mutating func skipSpaceCommentsAndLineBreaks() throws(SettingsError) {
        while true {
            skipSpace()
            switch peek {
            case UInt8(ascii: "#")?: try comment()
            case 0x0A?, 0x0D?: try lineBreak()
            default: return
            }
        }
    }

    private mutating func literalString() throws(SettingsError) -> String {
        advance()
        let start = index
        while true {
            guard let c = peek, c != 0x0A, c != 0x0D || byte(1) != 0x0A else { throw error("unterminated string") }
            if c == UInt8(ascii: "'") { break }
            if (c < 0x20 && c != 0x09) || c == 0x7F { throw error("control character in a string") }
            advance()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        advance()
        return text
    }

    private mutating func basicString() throws(SettingsError) -> String {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = peek, c != 0x0A, c != 0x0D || byte(1) != 0x0A else { throw error("unterminated string") }
            advance()
            if c == UInt8(ascii: "\"") { break }
            if (c < 0x20 && c != 0x09) || c == 0x7F {
                throw error("control character in a string (write it as an escape such as \\u001B)")
            }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard let escape = peek else { throw error("unterminated string") }
            advance()
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let length = escape == UInt8(ascii: "u") ? 4 : 8
                let digits = bytes[index..<min(index + length, bytes.count)]
                guard digits.count == length, digits.allSatisfy(Self.isHexDigit) else {
                    throw error("\\\(Character(Unicode.Scalar(escape))) must be followed by \(length) hex digits")
                }
                let code = digits.reduce(UInt32(0)) { $0 << 4 | UInt32(Self.hexValue($1)) }
                guard let scalar = Unicode.Scalar(code) else {
                    let text = String(decoding: digits, as: UTF8.self)
                    throw error("\\\(Character(Unicode.Scalar(escape)))\(text) is not a Unicode scalar value")
                }
                index += length
                out.append(contentsOf: String(Character(scalar)).utf8)
            default:
                let shown = escape < 0x20 || escape >= 0x7F ? "" : " '\\\(Character(Unicode.Scalar(escape)))'"
                throw error("invalid escape\(shown): TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX")
            }
        }
        // The bytes come from a String and escapes add whole scalars, so this holds; checked all the same.
        guard let text = String(validating: out, as: UTF8.self) else { throw error("string is not UTF-8") }
        return text
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    static func hexValue(_ c: UInt8) -> UInt8 {
        c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
    }

    /// Booleans, integers and floats, by TOML's grammar rather than Swift's parsers (which take `007`, `1.`
    /// and `0x1p3`), then converted once the text is known to be TOML.
    private func scalar(_ word: String) throws(SettingsError) -> TOMLDocument.Value {
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let chars = Array(word.utf8)
        func isDigit(_ i: Int) -> Bool { i < chars.count && chars[i] >= 0x30 && chars[i] <= 0x39 }
        if chars.count >= 5, (0..<4).allSatisfy(isDigit), chars[4] == UInt8(ascii: "-") {
            throw error("dates and times are not supported ('\(word)'); quote the value if it is text")
        }
        if chars.count >= 3, isDigit(0), isDigit(1), chars[2] == UInt8(ascii: ":") {
            throw error("dates and times are not supported ('\(word)'); quote the value if it is text")
        }
        if chars.count >= 2, chars[0] == UInt8(ascii: "0"),
            let radix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][chars[1]]
        {
            return try prefixedInteger(word, chars.dropFirst(2), radix: radix)
        }
        let numeric = chars.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2B || $0 == 0x2D || $0 | 0x20 == 0x65
        }
        guard numeric, chars.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else {
            throw error("'\(word)' is not a value (strings need quotes)")
        }
        var i = 0
        if chars[0] == 0x2B || chars[0] == 0x2D { i = 1 }
        let integerStart = i
        try digitRun(word, chars, &i)
        if chars[integerStart] == 0x30 && i - integerStart > 1 {
            throw error("leading zeros are not allowed in '\(word)'")
        }
        var isFloat = false
        if i < chars.count && chars[i] == 0x2E {
            i += 1
            guard isDigit(i) else { throw error("a decimal point needs digits on both sides in '\(word)'") }
            try digitRun(word, chars, &i)
            isFloat = true
        }
        if i < chars.count && chars[i] | 0x20 == 0x65 {
            i += 1
            if i < chars.count && (chars[i] == 0x2B || chars[i] == 0x2D) { i += 1 }
            try digitRun(word, chars, &i)
            isFloat = true
        }
        guard i == chars.count else { throw error("'\(word)' is not a TOML number") }
        let plain = String(decoding: chars.filter { $0 != 0x5F }, as: UTF8.self)
        if isFloat {
            guard let number = Double(plain) else { throw error("'\(word)' is not a TOML number") }
            return .float(number)
        }
        guard let number = Int64(plain) else { throw error("'\(word)' is out of the range of 64-bit integers") }
        return .integer(Int(number))
    }

    /// Digits, with each underscore between two digits, from `i` on; at least one digit.
    private func digitRun(_ word: String, _ chars: [UInt8], _ i: inout Int) throws(SettingsError) {
        let start = i
        while i < chars.count, (chars[i] >= 0x30 && chars[i] <= 0x39) || chars[i] == 0x5F {
            if chars[i] == 0x5F {
                guard i > start, chars[i - 1] != 0x5F, i + 1 < chars.count, chars[i + 1] >= 0x30, chars[i + 1] <= 0x39
                else { throw error("an underscore must stand between two digits in '\(word)'") }
            }
            i += 1
        }
        guard i > start else {
            if start < chars.count && chars[start] == 0x2E {
                throw error("a decimal point needs digits on both sides in '\(word)'")
            }
            throw error("'\(word)' is not a TOML number")
        }
    }

    private func prefixedInteger(
        _ word: String, _ digits: ArraySlice<UInt8>, radix: Int
    ) throws(SettingsError) -> TOMLDocument.Value {
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        var previous: UInt8 = 0x5F
        var plain: [UInt8] = []
        for c in digits {
            if c == 0x5F {
                guard previous != 0x5F else { throw error("an underscore must stand between two digits in '\(word)'") }
            } else {
                guard Self.isHexDigit(c), Int(Self.hexValue(c)) < radix else {
                    throw error("'\(word)' is not a \(name) integer (TOML has no \(name) floats)")
                }
                plain.append(c)
            }
            previous = c
        }
        guard previous != 0x5F else {
            throw error(
                digits.isEmpty
                    ? "'\(word)' has no digits" : "an underscore must stand between two digits in '\(word)'")
        }
        guard let number = Int64(String(decoding: plain, as: UTF8.self), radix: radix) else {
            throw error("'\(word)' is out of the range of 64-bit integers")
        }
        return .integer(Int(number))
    }
}
