import Testing

@testable import MUCCore

@Suite struct JIDTests {
    @Test func normalisesNodeAndDomainButNotResource() throws {
        let jid = try JID(parsing: "Romeo@Example.NET/Orchard")
        #expect(jid.description == "romeo@example.net/Orchard")
        #expect(jid.node == "romeo")
        #expect(jid.domain == "example.net")
        #expect(jid.resource == "Orchard")
        #expect(jid.bare.description == "romeo@example.net")
        #expect(jid.bare.isBare)
        #expect(!jid.isBare)
    }

    @Test func trailingDotAndCaseTogetherKeepThePartsInPlace() throws {
        let jid = try JID(parsing: "Romeo@Example.NET./Or.chard")
        #expect(jid.description == "romeo@example.net/Or.chard")
        #expect(jid.domain == "example.net")
        #expect(jid.resource == "Or.chard")
        #expect(jid.bare.description == "romeo@example.net")
        let normal = try JID(parsing: "romeo@example.net/Orchard")
        #expect(normal.bare == jid.bare)
        #expect(normal.node == "romeo")
        #expect(try JID(parsing: "example.net.").description == "example.net")
    }

    @Test func roomAddressesCompareCaseInsensitively() throws {
        #expect(try RoomAddress(parsing: "Snuggery@Chat.Example.org") == RoomAddress(parsing: "snuggery@chat.example.org"))
        #expect(try RoomAddress(parsing: "room@chat.example.org.").description == "room@chat.example.org")
    }

    @Test func domainOnlyAndResourceWithAtSigns() throws {
        let server = try JID(parsing: "example.org")
        #expect(server.node == nil)
        #expect(server.domain == "example.org")
        let odd = try JID(parsing: "user@example.org/res@with/slash")
        #expect(odd.resource == "res@with/slash")
        #expect(odd.domain == "example.org")
    }

    @Test(arguments: [
        ("", AddressError.empty),
        ("a@b@c", .tooManyAts),
        ("@example.org", .emptyPart("node")),
        ("user@", .emptyPart("domain")),
        ("user@example.org/", .emptyPart("resource")),
        ("us er@example.org", .forbiddenCharacter(" ", part: "node")),
        ("us:er@example.org", .forbiddenCharacter(":", part: "node")),
        ("user@exa mple.org", .forbiddenCharacter(" ", part: "domain")),
        ("user\u{7}@example.org", .controlCharacter),
        ("user@example.org/a\nb", .controlCharacter),
        ("user@example.org/\u{85}", .controlCharacter),
    ])
    func rejectsInvalidJIDs(text: String, error: AddressError) {
        #expect(throws: error) { try JID(parsing: text) }
    }

    @Test func limitsEachPartTo1023Bytes() throws {
        let long = String(repeating: "a", count: 1023)
        #expect(try JID(parsing: "\(long)@example.org/\(long)").node == long)
        #expect(throws: AddressError.tooLong(part: "node")) { try JID(parsing: long + "a@example.org") }
        #expect(throws: AddressError.tooLong(part: "resource")) { try JID(parsing: "u@example.org/\(long)é") }
        #expect(throws: AddressError.tooLong(part: "domain")) { try JID(parsing: long + ".org") }
    }

    @Test func domainIsComparedInPlace() throws {
        let jid = try JID(parsing: "Room@Chat.Example.org./res")
        #expect(jid.hasNode && jid.hasDomain("chat.example.org"))
        #expect(!jid.hasDomain("chat.example.or") && !jid.hasDomain("chat.example.org.") && !jid.hasDomain("room"))
        let domainOnly = try JID(parsing: "chat.example.org")
        #expect(!domainOnly.hasNode && domainOnly.hasDomain("chat.example.org"))
    }

    @Test func roomAddressNeedsNodeAndNoResource() {
        #expect(throws: AddressError.missingNode) { try RoomAddress(parsing: "chat.example.org") }
        #expect(throws: AddressError.unexpectedResource) { try RoomAddress(parsing: "room@chat.example.org/nick") }
    }

    @Test func nfcAppliesToEveryPart() throws {
        let decomposed = try JID(parsing: "cafe\u{301}@example.org/re\u{301}s")
        let composed = try JID(parsing: "caf\u{e9}@example.org/r\u{e9}s")
        #expect(decomposed == composed)
        #expect(Array(decomposed.description.utf8) == Array(composed.description.utf8))
    }
}

@Suite struct NicknameTests {
    /// RFC 8266 §2.5 (issue #15): `Bob` and `bob` name one occupant; each keeps its form for display.
    @Test func comparedCaseInsensitivelyShownAsGivenAndNFC() throws {
        #expect(try Nickname(parsing: "Bob") == Nickname(parsing: "bob"))
        #expect(try Nickname(parsing: "Bob").description == "Bob")
        #expect(try !Nickname(parsing: "Bob").isShown(as: Nickname(parsing: "bob")))
        #expect(try Nickname(parsing: "Bob  Smith ") == Nickname(parsing: "bob smith"))
        #expect(try Nickname(parsing: "\u{C9}mile") == Nickname(parsing: "\u{E9}mile"))
        #expect(try Nickname(parsing: "Zo\u{65}\u{301}") == Nickname(parsing: "Zo\u{e9}"))
        #expect(try Nickname(parsing: "Zo\u{65}\u{301}").description == "Zo\u{e9}")
    }

    /// The one pass the kick path takes for printable ASCII gives RFC 8266's forms: spaces trimmed and
    /// collapsed in the shown form, lowercase for comparison; anything else is left to the general path.
    @Test func printableASCIIIsPreparedInOnePass() throws {
        let bob = try #require(Nickname.preparedPrintableASCII("  Bob   Smith "))
        #expect(bob.description == "Bob Smith")
        #expect(bob.comparisonKey == "bob smith")
        let plain = try #require(Nickname.preparedPrintableASCII("u00042"))
        #expect(plain.description == "u00042" && plain.comparisonKey == "u00042")
        #expect(Nickname.preparedPrintableASCII("   ")?.description == "")
        #expect(Nickname.preparedPrintableASCII("")?.description == "")
        #expect(Nickname.preparedPrintableASCII("tab\there") == nil)
        #expect(Nickname.preparedPrintableASCII("caf\u{E9}") == nil)
        #expect(Nickname.preparedPrintableASCII("del\u{7F}") == nil)
        // What `init(parsing:)` compares by is the same, while it shows the text as given.
        #expect(try Nickname(parsing: "  Bob   Smith ").comparisonKey == "bob smith")
        #expect(try Nickname(parsing: "  Bob   Smith ").description == "  Bob   Smith ")
    }

    @Test func allowsAtAndSlash() throws {
        #expect(try Nickname(parsing: "a/b@c").description == "a/b@c")
    }

    @Test func rejectsEmptyBlankControlAndLong() {
        #expect(throws: AddressError.empty) { try Nickname(parsing: "") }
        #expect(throws: AddressError.whitespaceOnly) { try Nickname(parsing: "   ") }
        #expect(throws: AddressError.controlCharacter) { try Nickname(parsing: "a\u{0}b") }
        #expect(throws: AddressError.tooLong(part: "nickname")) {
            try Nickname(parsing: String(repeating: "x", count: 1024))
        }
    }
}
