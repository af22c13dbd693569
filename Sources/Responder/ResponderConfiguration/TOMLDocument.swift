/// A configuration file read as a subset of TOML 1.0: what the responder's settings need, each construct read
/// exactly as TOML 1.0 defines it, and everything else refused with its line and what is not supported.
///
/// Supported: comments; bare, basic-quoted and literal-quoted keys (also empty ones); `[table]` headers (dotted
/// names, each table opened once); basic strings with every TOML escape (`\uXXXX`, `\UXXXXXXXX` for Unicode
/// scalar values, never surrogates) and literal strings; integers (decimal with TOML's underscore rules, `0x`,
/// `0o`, `0b`) within 64 bits; floats as TOML writes them (`1.5`, `1e6`, `6.02e+23`, `inf`, `nan`); booleans;
/// arrays, nested and of mixed types, over several lines with comments and a trailing comma. LF or CR LF
/// line breaks.
///
/// Not supported, each refused with a message that says so: dotted keys (`a.b = 1`), inline tables
/// (`{ ... }`), arrays of tables (`[[name]]`), multi-line strings (`"""`, `'''`), dates and times, integers
/// beyond 64 bits, arrays nested deeper than 16 and table names of more than 16 parts, and a quoted key with a
/// dot that would stand for the same setting as a table's key (`"a.b" = 1` beside `[a] b = 2`).
///
/// Written here rather than taken from a package: the only maintained Swift TOML package on the mirror,
/// TOMLKit, wraps the C++ toml++ library and imports Foundation (for `Data` in its decoder), whose ICU alone
/// would double the responder's resident memory against a 16 MiB budget, and its manifest depends on a package
/// by branch that the offline mirror cannot resolve. Tests/integration/test_toml_corpus.py compares this reader
/// with Python's `tomllib` over Tests/integration/toml_corpus/, where the unsupported list is kept.
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
    /// Each key's table names and key, unjoined, for output that nests them as TOML does.
    public private(set) var paths: [String: [String]] = [:]
    /// Every table, whether a header opened it or named a table inside it; `[]` is not among them.
    public private(set) var tables: Set<[String]> = []

    public init(parsing text: String) throws(SettingsError) {
        var parser = TOMLParser(text)
        try parser.parse()
        tables = parser.definedTables.union(parser.implicitTables)
        let tableNames = Set(tables.map { $0.joined(separator: ".") })
        // Sorted by line so that a clash below is reported at the later of the two keys.
        for (path, value) in parser.values.sorted(by: { parser.valueLines[$0.key]! < parser.valueLines[$1.key]! }) {
            let line = parser.valueLines[path]!
            let key = path.joined(separator: ".")
            // `"a.b" = 1` and `[a] b = 2` are different TOML keys with one joined name; refused rather than
            // letting one hide the other.
            guard values[key] == nil, !tableNames.contains(key) else {
                throw .syntax(
                    line: line,
                    reason: "'\(TOMLParser.spelling(path))' names the same setting as another key or table "
                        + "(quoted keys with dots are not supported there)")
            }
            values[key] = value
            lines[key] = line
            paths[key] = path
        }
    }
}
