import Testing

import KickAPI
@testable import ResponderConfiguration

@Suite struct TOMLDocumentTests {
    @Test func aRotationListOverSeveralLinesWithCommentsAndATrailingComma() throws {
        let hashed = AuthorizationCheck.hashedForm(of: "Bearer new-token")
        let file = """
            authorization = [
                "Basic old",  # until the clients move

                # the new one, hashed
                "\(hashed)",
            ]
            threads = 2
            """
        let document = try TOMLDocument(parsing: file)
        #expect(document.values["authorization"] == .array([.string("Basic old"), .string(hashed)]))
        #expect(document.lines["threads"] == 7)
        let settings = try ResponderSettings.load(file: file, environment: [:])
        #expect(settings.policy.authorization.count == 2)
        #expect(settings.policy.authorization.accepts("Basic old") && settings.policy.authorization.accepts("Bearer new-token"))
        #expect(settings.threads == 2)
    }

    @Test func arraysNestAndSpanLinesInEveryPlaceTOMLAllows() throws {
        let document = try TOMLDocument(parsing: "a = [ # c\r\n  [ 1, # c\n 2 ], # c\n # c\n [3]\n , ]\nb = [\n]\n")
        #expect(document.values["a"] == .array([.array([.integer(1), .integer(2)]), .array([.integer(3)])]))
        #expect(document.values["b"] == .array([]))
    }

    @Test func numbersAsTOMLWritesThem() throws {
        let document = try TOMLDocument(
            parsing: """
                a = 1_000
                b = -0
                c = 0xdead_BEEF
                d = 0o755
                e = 0b101
                f = 9223372036854775807
                g = 6.02e+23
                h = -1E-2
                i = 1e06
                j = -inf
                k = 224_617.445_991
                """)
        #expect(document.values["a"] == .integer(1000))
        #expect(document.values["b"] == .integer(0))
        #expect(document.values["c"] == .integer(0xDEAD_BEEF))
        #expect(document.values["d"] == .integer(0o755))
        #expect(document.values["e"] == .integer(5))
        #expect(document.values["f"] == .integer(Int.max))
        #expect(document.values["g"] == .float(6.02e23))
        #expect(document.values["h"] == .float(-0.01))
        #expect(document.values["i"] == .float(1e6))
        #expect(document.values["j"] == .float(-.infinity))
        #expect(document.values["k"] == .float(224_617.445_991))
        guard case .float(let nan)? = try TOMLDocument(parsing: "n = nan").values["n"] else {
            Issue.record("nan is a float")
            return
        }
        #expect(nan.isNaN)
    }

    @Test func escapesAndKeys() throws {
        let document = try TOMLDocument(
            parsing: #"""
                "" = "\b\t\n\f\r\"\\"
                'lit.eral' = 'C:\dir'
                bare-key_1 = "\u00e9\U0001F600"
                [ "a b" . c ]
                d = true
                """#)
        #expect(document.values[""] == .string("\u{8}\t\n\u{C}\r\"\\"))
        #expect(document.values["lit.eral"] == .string(#"C:\dir"#))
        #expect(document.values["bare-key_1"] == .string("\u{e9}\u{1F600}"))
        #expect(document.values["a b.c.d"] == .bool(true))
        #expect(document.paths["a b.c.d"] == ["a b", "c", "d"])
        #expect(document.tables == [["a b"], ["a b", "c"]])
    }

    /// Each refusal names the line and what is wrong, or what is not supported: never "expected a value" for
    /// a construct the reader does not know.
    @Test(arguments: [
        ("a = 007", SettingsError.syntax(line: 1, reason: "leading zeros are not allowed in '007'")),
        ("a = 1__0", .syntax(line: 1, reason: "an underscore must stand between two digits in '1__0'")),
        ("a = _1", .syntax(line: 1, reason: "an underscore must stand between two digits in '_1'")),
        ("a = 1_", .syntax(line: 1, reason: "an underscore must stand between two digits in '1_'")),
        ("a = 1.", .syntax(line: 1, reason: "a decimal point needs digits on both sides in '1.'")),
        ("a = .5", .syntax(line: 1, reason: "a decimal point needs digits on both sides in '.5'")),
        (
            "a = 0x1p3",
            .syntax(line: 1, reason: "'0x1p3' is not a hexadecimal integer (TOML has no hexadecimal floats)")
        ),
        (
            "a = 9223372036854775808",
            .syntax(line: 1, reason: "'9223372036854775808' is out of the range of 64-bit integers")
        ),
        ("\n[t]\n[t]", .syntax(line: 3, reason: "the table [t] is defined twice")),
        (
            "a = 1\na.b = 2",
            .syntax(line: 2, reason: "dotted keys ('a.…') are not supported: write [tables] or one key per line")
        ),
        ("a = 1\n[a.b]", .syntax(line: 2, reason: "'a' is a value, not a table (line 1)")),
        ("[a.b]\n[a]\nb = 1", .syntax(line: 3, reason: "'a.b' is already a table")),
        ("[t]\nx = 1\n\"x\" = 2", .syntax(line: 3, reason: "'t.x' is set twice")),
        ("a = [\n  1,\n  2\n", .syntax(line: 4, reason: "the array opened on line 1 is not closed with ']'")),
        (
            "a = [\n  1\n  2\n]",
            .syntax(line: 3, reason: "expected ',' or ']' after an item of the array opened on line 1")
        ),
        ("a = [1,,2]", .syntax(line: 1, reason: "expected a value or ']' in the array")),
        ("a =\nb = 1", .syntax(line: 1, reason: "expected a value after 'a ='")),
        ("a = { b = 1 }", .syntax(line: 1, reason: "inline tables ({...}) are not supported")),
        ("[[a]]", .syntax(line: 1, reason: "arrays of tables ([[name]]) are not supported")),
        ("a = \"\"\"\nx\"\"\"", .syntax(line: 1, reason: "multi-line strings (\"\"\") are not supported")),
        (
            "a = 1979-05-27",
            .syntax(line: 1, reason: "dates and times are not supported ('1979-05-27'); quote the value if it is text")
        ),
        ("a = \"\\uD800\"", .syntax(line: 1, reason: "\\uD800 is not a Unicode scalar value")),
        (
            "a = \"\\e\"",
            .syntax(line: 1, reason: "invalid escape '\\e': TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX")
        ),
        ("a = 'x\u{7F}'", .syntax(line: 1, reason: "control character in a string")),
        ("a = 1\rb = 2", .syntax(line: 1, reason: "a carriage return must be followed by a line feed")),
        (
            "é = 1",
            .syntax(line: 1, reason: "expected a key (bare keys are ASCII letters, digits, '-' and '_'; quote others)")
        ),
        (
            "\"a.b\" = 1\n[a]\nb = 2",
            .syntax(
                line: 3,
                reason: "'a.b' names the same setting as another key or table "
                    + "(quoted keys with dots are not supported there)")
        ),
    ])
    func refusalsNameTheLineAndTheReason(file: String, error: SettingsError) {
        #expect(throws: error) { try TOMLDocument(parsing: file) }
    }

    @Test func typedJSONNestsTablesAndKeepsNumbersExact() throws {
        let document = try TOMLDocument(parsing: "z = [1, 0.1, 'x', false]\n[t.u]\n[t]\nk = -0.0\n")
        let text = String(decoding: document.typedJSON, as: UTF8.self)
        #expect(
            text == #"{"t":{"k":{"type":"float","value":"-0.0"},"u":{}},"#
                + #""z":{"type":"array","value":[{"type":"integer","value":"1"},{"type":"float","value":"0.1"},"#
                + #"{"type":"string","value":"x"},{"type":"bool","value":"false"}]}}"#)
    }
}
