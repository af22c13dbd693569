import MUCCore
import Testing

@Suite struct FreeTextTests {
    @Test(arguments: ["", "Spamming", "Línea\tcon tab\nand newline\r", "Emoji 🎉 and CJK 漢字", "\u{FFFD}"])
    func ordinaryTextPasses(text: String) throws {
        try FreeText.check(text, as: .reason)
    }

    @Test(arguments: [
        ("a\u{0}b", 0x0), ("\u{1}", 0x1), ("bell\u{7}", 0x7), ("\u{1B}]0;pwned\u{7}", 0x1B), ("\u{1F}", 0x1F),
        ("del\u{7F}", 0x7F), ("c1\u{9B}2J", 0x9B), ("\u{85}", 0x85), ("x\u{FFFE}", 0xFFFE), ("\u{FFFF}", 0xFFFF),
    ])
    func charactersXMLOrTerminalsCannotTakeAreRefusedByCodePoint(text: String, scalar: UInt32) {
        #expect(throws: FreeText.Problem.forbiddenCharacter(field: .reason, scalar: scalar)) {
            try FreeText.check(text, as: .reason)
        }
    }

    @Test func eachFieldHasItsCapInBytesNotCharacters() throws {
        for field in FreeText.Field.allCases {
            try FreeText.check(String(repeating: "a", count: field.maxBytes), as: field)
            #expect(throws: FreeText.Problem.tooLong(field: field, maxBytes: field.maxBytes)) {
                try FreeText.check(String(repeating: "a", count: field.maxBytes + 1), as: field)
            }
        }
        // Two bytes each in UTF-8: half as many characters fit.
        #expect(throws: FreeText.Problem.tooLong(field: .actor, maxBytes: 256)) {
            try FreeText.check(String(repeating: "é", count: 129), as: .actor)
        }
    }

    @Test func theMessageNamesTheFieldAndTheCodePoint() {
        #expect(
            FreeText.Problem.forbiddenCharacter(field: .reason, scalar: 0x1B).message
                == "'reason' contains the character U+001B, which is not allowed")
        #expect(FreeText.Problem.tooLong(field: .name, maxBytes: 256).message == "'name' is longer than 256 bytes")
    }
}
