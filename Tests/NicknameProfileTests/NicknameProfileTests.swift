import MUCCore
import NicknameProfile
import Testing

/// RFC 8266's nickname profile. Every expected output here was also given by precis-i18n 1.1.2 (profiles
/// NicknameCasePreserved for the shown form, NicknameCaseMapped:ToLower for the comparison form).
@Suite struct NicknameProfileTests {
    private func shown(_ text: String) throws -> String { try NicknameProfile.nickname(text).description }
    private func key(_ text: String) throws -> String { try NicknameProfile.nickname(text).comparisonKey }

    /// RFC 8266 §3's examples.
    @Test func rfc8266Examples() throws {
        #expect(try shown("Foo") == "Foo")
        #expect(try key("Foo") == "foo")
        #expect(try shown("foo") == "foo")
        #expect(try shown("Foo Bar") == "Foo Bar")
        #expect(try key("Foo Bar") == "foo bar")
        #expect(try shown("\u{3A3}") == "\u{3A3}")
        #expect(try key("\u{3A3}") == "\u{3C3}")  // capital sigma alone lowercases to σ, not final ς
        #expect(try key("\u{3C3}") == "\u{3C3}")
        #expect(try key("\u{3C2}") == "\u{3C2}")  // final sigma stays: PVALID by RFC 5892's exceptions
        #expect(try shown("\u{3D4}") == "\u{3AB}")  // NFKC of the upsilon-with-hook symbol
        #expect(try key("\u{3D4}") == "\u{3CB}")
        #expect(try shown("\u{265A}") == "\u{265A}")  // a symbol: FreeformClass allows it
        #expect(try shown("Richard \u{2163}") == "Richard IV")  // Roman numeral four, by NFKC
        #expect(try key("Richard \u{2163}") == "richard iv")
        #expect(throws: AddressError.empty) { try NicknameProfile.nickname("") }
    }

    @Test func caseKeptForDisplayIgnoredForComparison() throws {
        #expect(try NicknameProfile.nickname("Bob") == NicknameProfile.nickname("bob"))
        #expect(try NicknameProfile.nickname("Bob").description == "Bob")
        #expect(try !NicknameProfile.nickname("Bob").isShown(as: NicknameProfile.nickname("bob")))
        #expect(try key("\u{3A3}\u{391}\u{3A3}") == "\u{3C3}\u{3B1}\u{3C2}")  // Final_Sigma context
        #expect(try key("\u{130}") == "i\u{307}")
        #expect(try key("\u{1E9E}") == "\u{DF}")
    }

    @Test func compatibilityFormsCompareEqual() throws {
        #expect(try shown("\u{FB01}") == "fi")  // the ligature
        #expect(try NicknameProfile.nickname("\u{FB01}") == NicknameProfile.nickname("fi"))
        #expect(try shown("\u{FF22}\u{FF4F}\u{FF42}") == "Bob")  // full width
        #expect(try NicknameProfile.nickname("\u{FF22}\u{FF4F}\u{FF42}") == NicknameProfile.nickname("bob"))
        #expect(try shown("\u{2126}") == "\u{3A9}")  // ohm sign
        #expect(try shown("\u{BD}") == "1\u{2044}2")
        #expect(try shown("A\u{308}") == "\u{C4}")
        #expect(try shown("x\u{301}") == "x\u{301}")
    }

    @Test func spacesMappedTrimmedAndCollapsed() throws {
        #expect(try shown("  Bob  ") == "Bob")
        #expect(try shown("Bob\u{3000}\u{3000}Smith") == "Bob Smith")
        #expect(try shown("Bob\u{A0}Smith") == "Bob Smith")
        #expect(try shown("Bob    Smith") == "Bob Smith")
        #expect(try NicknameProfile.nickname("Bob  Smith") == NicknameProfile.nickname("bob smith"))
        #expect(throws: AddressError.empty) { try NicknameProfile.nickname("   ") }
        #expect(throws: AddressError.empty) { try NicknameProfile.nickname("\u{3000}") }
        #expect(throws: AddressError.empty) { try NicknameProfile.nickname("\u{A0} \u{2003}") }
    }

    @Test func invisibleNicknamesRefused() {
        for text in ["\u{200B}", "\u{200B}\u{200B}", "a\u{200B}b", "\u{AD}", "\u{FEFF}", "\u{2060}", "\u{180E}"] {
            #expect(throws: AddressError.self) { try NicknameProfile.nickname(text) }
        }
        // The Hangul fillers: NFKC makes U+3164 a conjoining jamo, which RFC 5892 calls OldHangulJamo.
        #expect(throws: AddressError.disallowedCodePoint(0x1160, part: "nickname")) {
            try NicknameProfile.nickname("\u{3164}")
        }
        #expect(throws: AddressError.disallowedCodePoint(0x115F, part: "nickname")) {
            try NicknameProfile.nickname("\u{115F}")
        }
        #expect(throws: AddressError.disallowedCodePoint(0x200B, part: "nickname")) {
            try NicknameProfile.nickname("\u{200B}")
        }
    }

    @Test func disallowedCodePoints() {
        let refused: [String] = [
            "\u{1100}",  // a leading jamo alone
            "\u{E000}",  // private use
            "\u{2028}",  // line separator
            "\u{378}",  // unassigned
            "\u{FFFF}",  // noncharacter
            "\u{640}",  // tatweel, DISALLOWED by RFC 5892's exceptions
            "\t", "a\u{7F}", "\u{85}",  // controls
        ]
        for text in refused {
            #expect(throws: AddressError.self, "\(text.unicodeScalars.map(\.value))") {
                try NicknameProfile.nickname(text)
            }
        }
    }

    @Test func freeformClassAllows() throws {
        #expect(try shown("\u{1F600}") == "\u{1F600}")  // emoji: a symbol (So)
        #expect(try shown("\u{1100}\u{1161}") == "\u{AC00}")  // jamo that NFKC composes to a syllable
        #expect(
            try shown("\u{627}\u{644}\u{639}\u{631}\u{628}\u{64A}\u{629}")
                == "\u{627}\u{644}\u{639}\u{631}\u{628}\u{64A}\u{629}")
        #expect(try shown("\u{5E9}\u{5DC}\u{5D5}\u{5DD}") == "\u{5E9}\u{5DC}\u{5D5}\u{5DD}")  // no Bidi rule (§2.2 rule 5)
        #expect(try shown("a/b@c") == "a/b@c")
        #expect(try shown("\u{DF}") == "\u{DF}")
    }

    /// RFC 5892 appendix A's contextual rules.
    @Test func contextualRules() throws {
        // A.1: ZWNJ between joining Arabic letters (Persian "mi-khaham"), or after a virama.
        let persian = "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}"
        #expect(try shown(persian) == persian)
        #expect(throws: AddressError.disallowedCodePoint(0x200C, part: "nickname")) {
            try NicknameProfile.nickname("a\u{200C}b")
        }
        // A.2: ZWJ after a virama (Devanagari).
        #expect(try shown("\u{915}\u{94D}\u{200D}\u{937}") == "\u{915}\u{94D}\u{200D}\u{937}")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("a\u{200D}b") }
        // A.3: middle dot only between two l.
        #expect(try shown("l\u{B7}l") == "l\u{B7}l")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("a\u{B7}b") }
        // A.4-A.6: Greek keraia before Greek, Hebrew geresh after Hebrew.
        #expect(try shown("\u{375}\u{3B1}") == "\u{375}\u{3B1}")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("\u{375}a") }
        #expect(try shown("\u{5D0}\u{5F3}") == "\u{5D0}\u{5F3}")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("a\u{5F3}") }
        // A.7: katakana middle dot with some Hiragana, Katakana or Han.
        #expect(try shown("\u{30AB}\u{30FB}\u{30AB}") == "\u{30AB}\u{30FB}\u{30AB}")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("\u{30FB}") }
        // A.8-A.9: the two sets of Arabic-Indic digits never mixed.
        #expect(try shown("\u{661}\u{662}") == "\u{661}\u{662}")
        #expect(throws: AddressError.self) { try NicknameProfile.nickname("\u{661}\u{6F1}") }
    }

    @Test func enforcementIsIdempotent() throws {
        let samples = [
            "Foo", "Richard \u{2163}", "\u{FB01}", "  Bob\u{3000}\u{3000}Smith ", "\u{3D4}", "\u{FDFA}",
            "\u{3A3}\u{391}\u{3A3}",
            "\u{130}", "\u{1100}\u{1161}",
        ]
        for text in samples {
            let once = try NicknameProfile.nickname(text)
            let twice = try NicknameProfile.nickname(once.description)
            #expect(twice.description == once.description)
            #expect(twice.comparisonKey == once.comparisonKey)
        }
    }

    @Test func lengthBoundedBeforeAndAfter() throws {
        #expect(throws: AddressError.tooLong(part: "nickname")) {
            try NicknameProfile.nickname(String(repeating: "x", count: 1024))
        }
        #expect(try shown(String(repeating: "x", count: 1023)).utf8.count == 1023)
        // U+FDFA is 3 bytes and NFKC makes it 33: within the input bound, over it once enforced.
        #expect(throws: AddressError.tooLong(part: "nickname")) {
            try NicknameProfile.nickname(String(repeating: "\u{FDFA}", count: 300))
        }
    }

    @Test func unicodeVersionIsReported() {
        #expect(NicknameProfile.unicodeVersion.split(separator: ".").count == 2)
    }
}
