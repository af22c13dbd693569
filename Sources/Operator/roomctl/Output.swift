import ControlProtocol
import FoundationEssentials
import StrictJSON

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

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// Columns padded to their widest cell; the last column is not padded.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
        }
        printLine(cells.joined(separator: "  "))
    }
}

func printRemoved(_ removed: [Rooms.Removed], verb: String) {
    for occupant in removed {
        let jids = occupant.jids.map(\.description).joined(separator: ", ")
        printLine("\(verb) \(occupant.nick) (\(jids)) from \(occupant.room)")
    }
}
