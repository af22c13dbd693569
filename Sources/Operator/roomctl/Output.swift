import ControlProtocol
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

// Foundation's encoder only formats roomctl's own output (pretty or compact, keys sorted, as it always
// has); the control path reads and writes with StrictJSON.

func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { printLine(String(decoding: data, as: UTF8.self), json: true) }
}

func printCompactJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { printLine(String(decoding: data, as: UTF8.self), json: true) }
}

/// `watch` output goes to pipes; each event must leave as soon as it is printed.
func fflushStandardOutput() {
    fflush(nil)  // all streams: the `stdout` global is not concurrency-safe in Swift 6
}

/// Prints one line of output with every character that a terminal would act on, rather than show, written
/// as an escape: control characters (C0, DEL, C1 — including ESC, which starts a terminal's control
/// sequences) and the bidirectional overrides that reorder what is shown. Names, reasons and nicknames come
/// from whoever made the room or the kick. JSON output keeps valid JSON: it escapes them as `\uXXXX`.
func printLine(_ line: String, json: Bool = false) {
    print(TerminalText.escaped(line, json: json))
}

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
