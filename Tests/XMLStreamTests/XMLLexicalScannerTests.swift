import Testing

@testable import XMLStream

@Suite struct XMLLexicalScannerTests {
    func state(after pieces: [String]) -> XMLLexicalScanner.State {
        var scanner = XMLLexicalScanner()
        for piece in pieces {
            Array(piece.utf8).withUnsafeBytes { scanner.scan($0) }
        }
        return scanner.state
    }

    @Test func followsTokensAcrossReads() {
        #expect(state(after: ["<?xml version='1.0'?>", "<stream:stream a='>'>"]) == .text)
        #expect(state(after: ["<message a='", "x\"/>"]) == .quoted(UInt8(ascii: "'")))
        #expect(state(after: ["<message a=\"'>\"", "/>"]) == .text)
        #expect(state(after: ["<m>&a", "mp"]) == .reference)
        #expect(state(after: ["<m>&amp;", "</m>"]) == .text)
        #expect(state(after: ["<m><![CDA", "TA[x]]", "]>y"]) == .text)
        #expect(state(after: ["<m><![CDATA[x]>]] >"]) == .cdata(brackets: 0))
        #expect(state(after: ["<m><", "/m"]) == .tag)
    }

    @Test func aByteOrderMarkBeforeTheDeclarationIsNoProcessingInstruction() {
        #expect(state(after: ["\u{FEFF}<?xml version='1.0'?>", "<stream:stream>", "<a/>"]) == .text)
        #expect(state(after: ["\u{FEFF}<a/><?xml version='1.0'?>"]) == .restricted)
    }

    @Test(arguments: ["<!-- x -->", "<!DOCTYPE x>", "<a/><?pi x?>", " <?xml version='1.0'?>", "<![CDATX["])
    func restrictedMarkupIsSticky(markup: String) {
        #expect(state(after: [markup, "<a/>", "text"]) == .restricted)
    }
}
