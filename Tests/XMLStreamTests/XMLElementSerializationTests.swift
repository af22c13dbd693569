import Testing

@testable import XMLStream

@Suite struct XMLElementSerializationTests {
    let header = "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"

    func reparse(_ element: XMLElement) throws -> XMLElement? {
        let events = try XMLStreamParser().feed(
            Array((header + element.serialized(parentNamespace: "jabber:component:accept")).utf8))
        guard case .element(let parsed)? = events.last else { return nil }
        return parsed
    }

    @Test func plainKeysThatAreNotOneUnprefixedNameAreLeftOut() {
        let message = XMLElement(
            "message", namespace: "jabber:component:accept",
            attributes: [
                "xmlns": "urn:evil", "xmlns:p": "urn:evil", "p:from": "owner@x", "a b": "c", "": "d", "1a": "e",
                "a>": "f", "xml:lang": "en", "to": "r@c", "é-1.x": "g",
            ])
        #expect(
            message.serialized(parentNamespace: "jabber:component:accept")
                == "<message to='r@c' xml:lang='en' é-1.x='g'/>")
    }

    @Test func namespacedAttributesGetPrefixesDeclaredOnTheirElement() throws {
        let message = XMLElement(
            "message", namespace: "jabber:component:accept", attributes: ["from": "real@y"],
            namespacedAttributes: [
                XMLAttribute(namespace: "urn:a", localName: "from", value: "x"),
                XMLAttribute(namespace: "urn:a", localName: "id", value: "y'"),
                XMLAttribute(namespace: "urn:b", localName: "from", value: "z"),
                XMLAttribute(namespace: "http://www.w3.org/XML/1998/namespace", localName: "space", value: "preserve"),
            ]
        ).adding(
            XMLElement(
                "body", namespace: "jabber:component:accept",
                namespacedAttributes: [XMLAttribute(namespace: "urn:b", localName: "k", value: "v")]))
        #expect(
            message.serialized(parentNamespace: "jabber:component:accept")
                == "<message from='real@y' xmlns:ns1='urn:a' ns1:from='x' ns1:id='y&apos;' xmlns:ns2='urn:b'"
                + " ns2:from='z' xml:space='preserve'><body xmlns:ns1='urn:b' ns1:k='v'/></message>")
        #expect(try reparse(message) == message)
    }

    @Test func namespacedAttributesThatCannotBeReadBackAreLeftOut() {
        let message = XMLElement(
            "message", namespace: "jabber:component:accept", attributes: ["xml:lang": "en"],
            namespacedAttributes: [
                XMLAttribute(namespace: "", localName: "from", value: "a"),
                XMLAttribute(namespace: "http://www.w3.org/2000/xmlns/", localName: "p", value: "urn:evil"),
                XMLAttribute(namespace: "urn:a", localName: "p:q", value: "b"),
                XMLAttribute(namespace: "urn:a", localName: "ok", value: "c"),
                XMLAttribute(namespace: "urn:a", localName: "ok", value: "d"),
                XMLAttribute(namespace: "http://www.w3.org/XML/1998/namespace", localName: "lang", value: "de"),
            ])
        #expect(
            message.serialized(parentNamespace: "jabber:component:accept")
                == "<message xml:lang='en' xmlns:ns1='urn:a' ns1:ok='c'/>")
    }

    @Test func charactersXMLCannotCarryBecomeReplacementCharacters() throws {
        let body = XMLElement("body", namespace: "jabber:component:accept")
            .adding(text: "a\u{0}b\u{1F}c\u{FFFE}d\u{FFFF}e\u{7F}\u{10FFFF}")
        #expect(
            body.serialized(parentNamespace: "jabber:component:accept")
                == "<body>a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{7F}\u{10FFFF}</body>")
        let message = XMLElement("message", namespace: "jabber:component:accept", attributes: ["id": "x\u{8}y\u{FFFF}"])
        #expect(
            message.serialized(parentNamespace: "jabber:component:accept") == "<message id='x\u{FFFD}y\u{FFFD}'/>")
        #expect(try reparse(message)?["id"] == "x\u{FFFD}y\u{FFFD}")
    }

    @Test func whitespaceAParserWouldNormaliseIsWrittenAsReferences() throws {
        let message = XMLElement("message", namespace: "jabber:component:accept", attributes: ["id": "a\tb\nc\rd"])
            .adding(XMLElement("body", namespace: "jabber:component:accept").adding(text: "a\tb\nc\rd\r\ne"))
        #expect(
            message.serialized(parentNamespace: "jabber:component:accept")
                == "<message id='a&#9;b&#10;c&#13;d'><body>a\tb\nc&#13;d&#13;\ne</body></message>")
        #expect(try reparse(message) == message)
    }
}
