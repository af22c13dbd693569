import XMLStream

/// Reads what a test's stream wrote back into elements, the way the server would read them.
enum XMLElementTestParser {
    struct NotOne: Error { let text: String }

    static func elements(_ text: String) throws -> [XMLStream.XMLElement] {
        let parser = XMLStreamParser()
        let header =
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
        var found: [XMLStream.XMLElement] = []
        for event in try parser.feed(Array((header + text).utf8)) {
            if case .element(let element) = event { found.append(element) }
        }
        return found
    }

    static func one(_ text: String) throws -> XMLStream.XMLElement {
        let found = try elements(text)
        guard found.count == 1 else { throw NotOne(text: text) }
        return found[0]
    }
}
