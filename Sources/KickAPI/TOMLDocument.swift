/// The subset of TOML the responder's configuration uses: `key = value` lines with strings (basic and
/// literal), integers, floats, booleans and single-line arrays of those, `[table]` headers, comments.
///
/// Written here because the Swift TOML package available (TOMLKit) cannot be resolved offline (its
/// manifest depends on a package outside the mirror) and pulls in Foundation with ICU, doubling the
/// responder's memory. Anything outside the subset is refused with its line number, never guessed.
public struct TOMLDocument: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case array([Value])
    }

    /// Keys are qualified by their table: `[roomd] socket = ...` is `roomd.socket`.
    public private(set) var values: [String: Value] = [:]
    /// The line each key came from, for error messages.
    public private(set) var lines: [String: Int] = [:]

    public init(parsing text: String) throws(SettingsError) {
        var table = ""
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var scanner = Scanner(Array(rawLine.utf8), line: number)
            scanner.skipSpace()
            if scanner.atEndOrComment { continue }
            if scanner.peek == UInt8(ascii: "[") {
                scanner.advance()
                scanner.skipSpace()
                let name = try scanner.key()
                scanner.skipSpace()
                try scanner.expect(UInt8(ascii: "]"))
                scanner.skipSpace()
                guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the table name") }
                table = name + "."
                continue
            }
            let key = table + (try scanner.key())
            scanner.skipSpace()
            try scanner.expect(UInt8(ascii: "="))
            scanner.skipSpace()
            let value = try scanner.value()
            scanner.skipSpace()
            guard scanner.atEndOrComment else { throw scanner.error("unexpected text after the value of '\(key)'") }
            if lines[key] != nil { throw .syntax(line: number, reason: "'\(key)' is set twice") }
            values[key] = value
            lines[key] = number
        }
    }

    struct Scanner {
        let bytes: [UInt8]
        let line: Int
        var index = 0

        init(_ bytes: [UInt8], line: Int) {
            // Files written on Windows end lines with CR LF.
            self.bytes = bytes.last == 13 ? Array(bytes.dropLast()) : bytes
            self.line = line
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }
        mutating func advance() { index += 1 }

        mutating func skipSpace() {
            while let c = peek, c == 32 || c == 9 { advance() }
        }

        func error(_ reason: String) -> SettingsError { .syntax(line: line, reason: reason) }

        mutating func expect(_ c: UInt8) throws(SettingsError) {
            guard peek == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
            advance()
        }

        mutating func key() throws(SettingsError) -> String {
            var parts: [String] = []
            repeat {
                skipSpace()
                if peek == UInt8(ascii: "\"") {
                    parts.append(try basicString())
                } else {
                    let start = index
                    while let c = peek, isBareKeyByte(c) { advance() }
                    guard index > start else { throw error("expected a key") }
                    parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                }
                skipSpace()
            } while peek == UInt8(ascii: ".") && { advance(); return true }()
            return parts.joined(separator: ".")
        }

        func isBareKeyByte(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }

        mutating func value() throws(SettingsError) -> Value {
            guard let c = peek else { throw error("expected a value") }
            switch c {
            case UInt8(ascii: "\""):
                if bytes[index...].starts(with: Array("\"\"\"".utf8)) {
                    throw error("multi-line strings are not supported")
                }
                return .string(try basicString())
            case UInt8(ascii: "'"):
                return .string(try literalString())
            case UInt8(ascii: "["):
                advance()
                var items: [Value] = []
                while true {
                    skipSpace()
                    if peek == UInt8(ascii: "]") {
                        advance()
                        return .array(items)
                    }
                    items.append(try value())
                    skipSpace()
                    if peek == UInt8(ascii: ",") {
                        advance()
                    } else if peek != UInt8(ascii: "]") {
                        throw error("expected ',' or ']' in the array (arrays must fit on one line)")
                    }
                }
            default:
                let start = index
                while let c = peek, c != 32, c != 9, c != UInt8(ascii: ","), c != UInt8(ascii: "]"),
                    c != UInt8(ascii: "#")
                {
                    advance()
                }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                let digits = word.replacingOccurrences(of: "_", with: "")
                if let number = Int(digits) { return .integer(number) }
                if let number = Double(digits), digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                    return .float(number)
                }
                throw error("'\(word)' is not a value (strings need quotes)")
            }
        }

        mutating func literalString() throws(SettingsError) -> String {
            advance()
            let start = index
            while let c = peek, c != UInt8(ascii: "'") { advance() }
            guard peek != nil else { throw error("unterminated string") }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            advance()
            return text
        }

        mutating func basicString() throws(SettingsError) -> String {
            advance()
            var out: [UInt8] = []
            while true {
                guard let c = peek else { throw error("unterminated string") }
                advance()
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 && c != 9 { throw error("control character in a string") }
                guard c == UInt8(ascii: "\\") else {
                    out.append(c)
                    continue
                }
                guard let escape = peek else { throw error("unterminated escape") }
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
                    guard index + length <= bytes.count,
                        let code = UInt32(String(decoding: bytes[index..<index + length], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else { throw error("invalid unicode escape") }
                    index += length
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { throw error("string is not UTF-8") }
            return text
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
