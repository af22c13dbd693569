import Testing

@testable import StrictJSON

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, "x\u00e9\n\ud83d\ude00", true, false, null], "b": {}} "#)
        #expect(
            value
                == .object([
                    "a": .array([.number(1), .number(-2500), .string("xé\n😀"), .bool(true), .bool(false), .null]),
                    "b": .object([:]),
                ]))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "[1 2]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "01", "-", "1.", ".5", "1e", "+1",
        "NaN", "Infinity", "0x10", "tru", "nul", #""abc"#, "\"a\tb\"", "\"a\nb\"", #""\x""#, #""\ud800""#,
        #""\udc00x""#, #"{"a":1}{"#, #"{"a":1} x"#, "[1]]", "// c\n1", #"{"a":1,"a":2}"#, "'a'", "1e999",
    ])
    func refusesWhatRFC8259Forbids(text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(fine)
        // Far deeper than the stack could take if the bound were missing.
        #expect(throws: JSONParseError.self) { try parse(String(repeating: "[", count: 200_000)) }
    }

    @Test func numbersKeepIntegersExact() throws {
        #expect(try parse("1732543000123") == .number(1_732_543_000_123))
        #expect(try parse("-0") == .number(0))
        #expect(try parse("123456789012345678901234567890") == .number(1.2345678901234568e29))
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactJSONThatParsesBack() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("s", "quote\" back\\ nl\n ctl\u{1} del\u{7f} é")
        writer.field("n", Int64(-42))
        writer.field("b", true)
        writer.field("none", nil as String?)
        writer.field("list", ["a", "b"])
        writer.key("nested")
        writer.beginArray()
        writer.beginObject()
        writer.endObject()
        writer.null()
        writer.endArray()
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(
            text == #"{"s":"quote\" back\\ nl\n ctl\u0001 del\u007f é","n":-42,"b":true,"list":["a","b"],"nested":[{},null]}"#)
        let parsed = try JSONParser.parse(writer.bytes)
        #expect(parsed["s"] == .string("quote\" back\\ nl\n ctl\u{1} del\u{7f} é"))
    }

    @Test func separatesMembersAtEveryNestingLevel() throws {
        var writer = JSONWriter()
        for _ in 0..<(JSONWriter.maxDepth - 1) {
            writer.beginArray()
            writer.integer(1)
        }
        writer.beginObject()
        writer.field("a", "x")
        writer.field("b", "y")
        writer.endObject()
        for _ in 0..<(JSONWriter.maxDepth - 1) {
            writer.integer(2)
            writer.endArray()
        }
        let inner = #"{"a":"x","b":"y"}"#
        let expected =
            String(repeating: "[1,", count: JSONWriter.maxDepth - 1) + inner
            + String(repeating: ",2]", count: JSONWriter.maxDepth - 1)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }

    @Test func valuesRoundTrip() throws {
        let value = JSONValue.object(["z": .array([.number(1.5), .string("x")]), "a": .null])
        var writer = JSONWriter()
        writer.value(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":null,"z":[1.5,"x"]}"#)
        #expect(try JSONParser.parse(writer.bytes) == value)
    }
}

@Suite struct JSONParserObjectSizeTests {
    /// A body of `count` distinct members, as an attacker would send to make the duplicate check costly.
    static func object(members count: Int, duplicateLast: Bool = false) -> [UInt8] {
        var text = "{"
        for index in 0..<count {
            if index > 0 { text += "," }
            let key = duplicateLast && index == count - 1 ? "k0" : "k\(index)"
            text += "\"\(key)\":\(index)"
        }
        return Array((text + "}").utf8)
    }

    @Test func duplicatesAreFoundInLargeObjectsToo() {
        for count in [2, 8, 9, 200] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(Self.object(members: count, duplicateLast: true)) }
            #expect(throws: Never.self) { try JSONParser.parse(Self.object(members: count)) }
        }
    }

    @Test func theMemberCapIsEnforcedAndConfigurable() throws {
        let atCap = Self.object(members: JSONParser.defaultMaxMembers)
        guard case .object(let object) = try JSONParser.parse(atCap) else { Issue.record("not an object"); return }
        #expect(object.count == JSONParser.defaultMaxMembers)
        #expect(throws: JSONParseError.self) {
            try JSONParser.parse(Self.object(members: JSONParser.defaultMaxMembers + 1))
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Self.object(members: 9), maxMembers: 8) }
        // 7,753 members fit in 64 KiB; with a cap high enough to take them all, the check stays linear.
        let large = Self.object(members: 7753)
        guard case .object(let all) = try JSONParser.parse(large, maxMembers: 10_000) else {
            Issue.record("not an object")
            return
        }
        #expect(all.count == 7753)
    }
}
