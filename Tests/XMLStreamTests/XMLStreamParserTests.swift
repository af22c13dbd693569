import CExpat
import Testing

@testable import XMLStream

@Suite struct XMLStreamParserTests {
    let header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='chat.localhost'>"
    let stanza =
        "<presence from='a@b/c' to='r@chat.localhost/nick' xml:lang='en'><x xmlns='http://jabber.org/protocol/muc'/><status>hi &amp; &lt;bye&gt;</status></presence>"

    func feedAll(_ text: String, chunk: Int) throws -> [XMLStreamEvent] {
        let parser = XMLStreamParser()
        let bytes = Array(text.utf8)
        var events: [XMLStreamEvent] = []
        var index = 0
        while index < bytes.count {
            let end = min(index + chunk, bytes.count)
            events += try parser.feed(Array(bytes[index..<end]))
            index = end
        }
        return events
    }

    @Test func sameStanzasHoweverTheBytesAreSplit() throws {
        let text = header + stanza + " \n " + stanza + "</stream:stream>"
        let whole = try feedAll(text, chunk: text.utf8.count)
        #expect(whole.count == 4)
        guard case .streamOpened(let attributes) = whole[0] else {
            Issue.record("no header")
            return
        }
        #expect(attributes["id"] == "abc")
        guard case .element(let presence) = whole[1] else {
            Issue.record("no stanza")
            return
        }
        #expect(presence.name == "presence")
        #expect(presence.namespace == "jabber:component:accept")
        #expect(presence["xml:lang"] == "en")
        #expect(presence.child("x", namespace: "http://jabber.org/protocol/muc") != nil)
        #expect(presence.child("status")?.text == "hi & <bye>")
        #expect(whole.last == .streamClosed)
        for chunk in [1, 2, 3, 7, 64] {
            #expect(try feedAll(text, chunk: chunk) == whole)
        }
    }

    @Test func serialisesWithEscapingAndNamespacesOnlyWhereTheyChange() throws {
        let element = XMLElement("message", namespace: "jabber:component:accept", attributes: ["to": "a'b@c"])
            .adding(XMLElement("body", namespace: "jabber:component:accept").adding(text: "1 < 2 & 3"))
            .adding(XMLElement("x", namespace: "http://jabber.org/protocol/muc#user"))
        #expect(
            element.serialized(parentNamespace: "jabber:component:accept")
                == "<message to='a&apos;b@c'><body>1 &lt; 2 &amp; 3</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"
        )
        let reparsed = try feedAll(header + element.serialized(parentNamespace: "jabber:component:accept"), chunk: 5)
        #expect(reparsed.last == .element(element))
    }

    @Test func malformedXMLIsNotWellFormed() {
        #expect(throws: XMLStreamError.self) { try feedAll(header + "<presence><x></presence>", chunk: 10) }
        #expect(throws: XMLStreamError.self) { try feedAll(header + "<presence a='1' a='2'/>", chunk: 100) }
    }

    @Test(arguments: [
        "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x/>", "<!-- comment --><x/>", "<?pi data?><x/>",
    ])
    func restrictedXMLIsRefused(prefix: String) {
        #expect(throws: XMLStreamError.restrictedXML) {
            try feedAll("<?xml version='1.0'?>" + prefix, chunk: 1000)
        }
    }

    @Test func tooDeepStanzaIsRefusedAloneAndTheStreamGoesOn() throws {
        let deep =
            "<message from='a@b/c' id='x'>" + String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
            + "</message>"
        let events = try feedAll(header + deep + stanza, chunk: 7)
        #expect(events.count == 3)
        #expect(
            events[1]
                == .refusedTooDeep(
                    XMLElement(
                        "message", namespace: "jabber:component:accept", attributes: ["from": "a@b/c", "id": "x"])))
        guard case .element(let next) = events[2] else {
            Issue.record("the stream did not go on")
            return
        }
        #expect(next.name == "presence")
    }

    @Test func limitsStanzaSize() {
        let big = header + "<message><body>" + String(repeating: "x", count: 1100 * 1024)
        #expect(throws: XMLStreamError.self) { try feedAll(big, chunk: 64 * 1024) }
    }

    @Test func errorsStayErrors() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        #expect(throws: XMLStreamError.self) { try parser.feed(Array("<a></b>".utf8)) }
        #expect(throws: XMLStreamError.self) { try parser.feed(Array("<ok/>".utf8)) }
    }

    func stanzas(_ events: [XMLStreamEvent]) -> [XMLElement] {
        events.compactMap { if case .element(let element) = $0 { return element } else { return nil } }
    }

    func parseOne(_ stanza: String) throws -> XMLElement? {
        stanzas(try XMLStreamParser().feed(Array((header + stanza).utf8))).first
    }

    @Test func aNamespacedAttributeNeverTakesThePlaceOfThePlainOne() throws {
        for stanza in [
            "<message p:from='owner@x' xmlns:p='urn:any' from='real@y'/>",
            "<message from='real@y' xmlns:p='urn:any' p:from='owner@x'/>",
        ] {
            let message = try #require(try parseOne(stanza))
            #expect(message["from"] == "real@y")
            #expect(message.attributes == ["from": "real@y"])
            #expect(
                message.namespacedAttributes == [
                    XMLAttribute(namespace: "urn:any", localName: "from", value: "owner@x")
                ])
        }
        let unstamped = try #require(try parseOne("<message p:from='owner@x' xmlns:p='urn:any'/>"))
        #expect(unstamped["from"] == nil)
        #expect(unstamped.attributes.isEmpty)
    }

    @Test func xmlLangIsPlainOtherXMLAttributesAreNamespaced() throws {
        let message = try #require(try parseOne("<message xml:lang='en' xml:space='preserve'/>"))
        #expect(message["xml:lang"] == "en")
        #expect(message.attributes == ["xml:lang": "en"])
        #expect(
            message.namespacedAttributes == [
                XMLAttribute(namespace: "http://www.w3.org/XML/1998/namespace", localName: "space", value: "preserve")
            ])
    }

    @Test func aPrefixedXmlnsAttributeDoesNotMoveAReflectedStanza() throws {
        let message = try #require(
            try parseOne("<message p:xmlns='urn:evil' xmlns:p='urn:any' to='r@c'><body>x</body></message>"))
        #expect(message.attributes == ["to": "r@c"])
        #expect(
            message.namespacedAttributes == [XMLAttribute(namespace: "urn:any", localName: "xmlns", value: "urn:evil")])
        let written = message.serialized(parentNamespace: "jabber:component:accept")
        #expect(!written.contains(" xmlns='urn:evil'"))
        let reparsed = try #require(try parseOne(written))
        #expect(reparsed.namespace == "jabber:component:accept")
        #expect(reparsed == message)
    }

    @Test func textInManyPiecesIsJoinedExactly() throws {
        let newlines = String(repeating: "\n", count: 256 * 1024)
        let lines = try #require(try parseOne("<message><body>" + newlines + "</body></message>"))
        #expect(lines.child("body")?.children == [.text(newlines)])
        let references = try #require(
            try parseOne("<message><body>" + String(repeating: "&lt;", count: 256 * 1024) + "</body></message>"))
        #expect(references.child("body")?.children == [.text(String(repeating: "<", count: 256 * 1024))])
    }

    @Test func textAroundChildrenStaysInPlace() throws {
        let body = try #require(
            try parseOne("<message><body>a\nb<br/>c&amp;<![CDATA[<d>]]>e</body></message>")?.child("body"))
        #expect(
            body.children == [
                .text("a\nb"), .element(XMLElement("br", namespace: "jabber:component:accept")), .text("c&<d>e"),
            ])
    }

    @Test func anUnfinishedStartTagCountsAgainstTheLimit() throws {
        let parser = XMLStreamParser(maxStanzaBytes: 64 * 1024)
        _ = try parser.feed(Array(header.utf8))
        _ = try parser.feed(Array("<message to='a' x='".utf8))
        var fed = "<message to='a' x='".utf8.count
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        while fed + chunk.count <= 64 * 1024 {
            _ = try parser.feed(chunk)
            fed += chunk.count
        }
        #expect(throws: XMLStreamError.policyViolation("stanza larger than 65536 bytes")) { try parser.feed(chunk) }
    }

    @Test func anUnfinishedStreamHeaderCountsAgainstTheLimit() throws {
        let parser = XMLStreamParser(maxStanzaBytes: 4096)
        _ = try parser.feed(Array("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' x='".utf8))
        #expect(throws: XMLStreamError.policyViolation("stanza larger than 4096 bytes")) {
            try parser.feed([UInt8](repeating: UInt8(ascii: "a"), count: 4096))
        }
    }

    @Test func stanzasAndWhitespaceBetweenThemEachStartTheCountAfresh() throws {
        let parser = XMLStreamParser(maxStanzaBytes: 4096)
        _ = try parser.feed(Array(header.utf8))
        let message = "<message><body>" + String(repeating: "x", count: 3000) + "</body></message>"
        let stream = Array(
            (String(repeating: message, count: 10) + String(repeating: " \n", count: 10_000) + message).utf8)
        var received = 0
        for start in stride(from: 0, to: stream.count, by: 1000) {
            received += stanzas(try parser.feed(Array(stream[start..<min(start + 1000, stream.count)]))).count
        }
        #expect(received == 11)
    }

    @Test func aStanzaThatEndsAReadComesOutOfThatRead() throws {
        let parser = XMLStreamParser()
        #expect(stanzas(try parser.feed(Array((header + "<message to='a' x='").utf8))).isEmpty)
        #expect(stanzas(try parser.feed([UInt8](repeating: UInt8(ascii: "a"), count: 1000))).isEmpty)
        let last = stanzas(try parser.feed(Array("'/>".utf8)))
        #expect(last.map { $0["x"] } == [String(repeating: "a", count: 1000)])
    }

    @Test(arguments: [
        "<message to='a' x='\(String(repeating: "v", count: 3000))'/>",
        "<message x=\"\(String(repeating: "'>", count: 1500))\"><body>\(String(repeating: "&amp;", count: 600))</body></message>",
        "<message><body><![CDATA[\(String(repeating: "<'\"]>", count: 600))]]></body></message>",
    ])
    func everyStanzaComesOutOfTheReadWithItsLastByte(stanza: String) throws {
        let bytes = Array(stanza.utf8)
        for split in stride(from: 1, to: bytes.count, by: 97) {
            let parser = XMLStreamParser()
            _ = try parser.feed(Array(header.utf8))
            _ = try parser.feed(Array(bytes[..<split]))
            // The last byte alone: expat's deferral on its own would hold back an unfinished token this small.
            _ = try parser.feed(Array(bytes[split..<(bytes.count - 1)]))
            #expect(stanzas(try parser.feed([bytes[bytes.count - 1]])).count == 1, "split at \(split)")
        }
    }

    @Test func aLargeStartTagFedByteByByteIsForcedThroughOnlyAtItsEnd() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        let forcedBefore = parser.forcedPasses
        let tag = Array(("<message to='a' x='" + String(repeating: "a", count: 100_000) + "'/>").utf8)
        var received: [XMLElement] = []
        for byte in tag { received += stanzas(try parser.feed([byte])) }
        #expect(received.map { $0["x"]?.utf8.count } == [100_000])
        #expect(received.map { $0["to"] } == ["a"])
        // Every byte inside the tag leaves the scanner inside it: the one forced pass is the final `>`'s.
        #expect(parser.forcedPasses - forcedBefore <= (muckick_expat_has_reparse_deferral() != 0 ? 1 : 0))
    }

    @Test func aNULByteEndsTheStreamBeforeExpatCanTakeItForUTF16() throws {
        // Found by the fuzzer: expat parsed this as UTF-16LE `<s/>` although it was told UTF-8.
        #expect(throws: XMLStreamError.notWellFormed("NUL byte")) {
            try XMLStreamParser().feed(Array("<\0s\0/\0>\0".utf8))
        }
        // However the reads fall, the stream fails the same way it fails when fed whole.
        let input: [UInt8] = [0x6F, 0x00, 0xC5, 0x00, 0x3F, 0x74, 0x72]
        let whole = #expect(throws: XMLStreamError.self) { _ = try XMLStreamParser().feed(input) }
        for split in 0...7 {
            let parser = XMLStreamParser()
            let error = #expect(throws: XMLStreamError.self) {
                _ = try parser.feed(Array(input[..<split]))
                _ = try parser.feed(Array(input[split...]))
            }
            #expect(error?.condition == whole?.condition, "split at \(split)")
        }
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        #expect(throws: XMLStreamError.notWellFormed("NUL byte")) {
            try parser.feed(Array("<message><body>a\0</body></message>".utf8))
        }
    }
}
