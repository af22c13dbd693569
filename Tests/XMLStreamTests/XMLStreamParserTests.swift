import Testing

@testable import XMLStream

@Suite struct XMLStreamParserTests {
    let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='chat.localhost'>"
    let stanza = "<presence from='a@b/c' to='r@chat.localhost/nick' xml:lang='en'><x xmlns='http://jabber.org/protocol/muc'/><status>hi &amp; &lt;bye&gt;</status></presence>"

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
                == "<message to='a&apos;b@c'><body>1 &lt; 2 &amp; 3</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>")
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
        let deep = "<message from='a@b/c' id='x'>" + String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40) + "</message>"
        let events = try feedAll(header + deep + stanza, chunk: 7)
        #expect(events.count == 3)
        #expect(events[1] == .refusedTooDeep(XMLElement("message", namespace: "jabber:component:accept", attributes: ["from": "a@b/c", "id": "x"])))
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
}
