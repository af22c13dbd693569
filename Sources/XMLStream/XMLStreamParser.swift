import CExpat

/// What the parser found in an XMPP stream.
public enum XMLStreamEvent: Sendable, Equatable {
    /// The `<stream:stream>` header, with its attributes (`id`, `from`, ...).
    case streamOpened(attributes: [String: String])
    /// One complete top-level child of the stream: a stanza, `<handshake/>`, `<stream:error/>`...
    case element(XMLElement)
    /// `</stream:stream>`.
    case streamClosed
    /// A top-level element nested deeper than the limit: only its own name and attributes are kept, so the
    /// sender can be refused while the stream goes on (one stanza must not bring down a whole stream).
    case refusedTooDeep(XMLElement)
}

/// Why a stream cannot go on. Each maps to an XMPP stream error condition (RFC 6120 §4.9.3).
public enum XMLStreamError: Error, Equatable, Sendable {
    case notWellFormed(String)
    /// DTDs, comments, processing instructions: RFC 6120 §11.1 restricts them.
    case restrictedXML
    /// A stanza over the size limit or nested too deep.
    case policyViolation(String)

    public var condition: String {
        switch self {
        case .notWellFormed: return "not-well-formed"
        case .restrictedXML: return "restricted-xml"
        case .policyViolation: return "policy-violation"
        }
    }
}

/// An incremental XMPP stream parser over expat: feed bytes as they arrive, get complete stanzas.
///
/// expat is the parser Prosody and ejabberd use; it reads any split of the input and reports errors with
/// positions. This type only builds elements from its callbacks and enforces XMPP's limits.
public final class XMLStreamParser {
    public let maxStanzaBytes: Int
    public let maxDepth: Int

    private var parser: XML_Parser!
    private var stack: [XMLElement] = []
    private var events: [XMLStreamEvent] = []
    private var failure: XMLStreamError?
    private var stanzaStartByte: Int = 0
    private var fedBytes = 0
    /// Depth inside a subtree that is being skipped because it is too deep.
    private var skippedDepth = 0
    private var stanzaTooDeep = false

    static let separator: XML_Char = 0x01  // between namespace URI and local name

    public init(maxStanzaBytes: Int = 1024 * 1024, maxDepth: Int = 32) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
        parser = XML_ParserCreateNS("UTF-8", Self.separator)
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        // Reparse deferral (expat's CVE-2023-52425 fix) would hold back a stanza that ends a read until the
        // next read: each stanza must be handled as soon as its last byte arrives.
        _ = muckick_expat_set_reparse_deferral(parser, 0)
        XML_SetElementHandler(
            parser,
            { data, name, attributes in
                XMLStreamParser.from(data).startElement(name!, attributes!)
            },
            { data, name in
                XMLStreamParser.from(data).endElement()
            })
        XML_SetCharacterDataHandler(parser) { data, text, length in
            XMLStreamParser.from(data).characters(text!, Int(length))
        }
        XML_SetStartDoctypeDeclHandler(parser) { data, _, _, _, _ in
            XMLStreamParser.from(data).restrict()
        }
        XML_SetCommentHandler(parser) { data, _ in XMLStreamParser.from(data).restrict() }
        XML_SetProcessingInstructionHandler(parser) { data, _, _ in XMLStreamParser.from(data).restrict() }
        XML_SetEntityDeclHandler(parser) { data, _, _, _, _, _, _, _, _ in XMLStreamParser.from(data).restrict() }
    }

    deinit { XML_ParserFree(parser) }

    private static func from(_ data: UnsafeMutableRawPointer?) -> XMLStreamParser {
        Unmanaged<XMLStreamParser>.fromOpaque(data!).takeUnretainedValue()
    }

    /// Feeds bytes; returns the events they completed. After an error, every call throws it again.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        if let failure { throw failure }
        fedBytes += bytes.count
        let status = XML_Parse(
            parser, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), 0)
        if let failure { throw failure }
        if status == XML_STATUS_ERROR {
            let message = XML_ErrorString(XML_GetErrorCode(parser)).map { String(cString: $0) } ?? "parse error"
            let failure = XMLStreamError.notWellFormed(message)
            self.failure = failure
            throw failure
        }
        if stack.count > 1, fedBytes - stanzaStartByte > maxStanzaBytes {
            let failure = XMLStreamError.policyViolation("stanza larger than \(maxStanzaBytes) bytes")
            self.failure = failure
            throw failure
        }
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    public func feed(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(XMLStreamError) in try feed(raw) } }
        return try result.get()
    }

    private func fail(_ error: XMLStreamError) {
        if failure == nil { failure = error }
        XML_StopParser(parser, XML_FALSE)
    }

    private func restrict() { fail(.restrictedXML) }

    private static func split(_ qualified: UnsafePointer<XML_Char>) -> (namespace: String, name: String) {
        let text = String(cString: qualified)
        if let separator = text.firstIndex(of: "\u{1}") {
            return (String(text[..<separator]), String(text[text.index(after: separator)...]))
        }
        return ("", text)
    }

    private func startElement(_ qualified: UnsafePointer<XML_Char>, _ attributes: UnsafeMutablePointer<UnsafePointer<XML_Char>?>) {
        guard failure == nil else { return }
        let (namespace, name) = Self.split(qualified)
        var attributeMap: [String: String] = [:]
        var index = 0
        while let key = attributes[index], let value = attributes[index + 1] {
            let (attributeNamespace, attributeName) = Self.split(key)
            let name = attributeNamespace == "http://www.w3.org/XML/1998/namespace" ? "xml:" + attributeName : attributeName
            attributeMap[name] = String(cString: value)
            index += 2
        }
        if stack.isEmpty {
            // The stream header stays open for the whole session; it is reported at once.
            stack.append(XMLElement(name, namespace: namespace, attributes: attributeMap))
            events.append(.streamOpened(attributes: attributeMap))
            return
        }
        if stack.count == 1 { stanzaStartByte = fedBytes }
        if skippedDepth > 0 || stack.count >= maxDepth {
            skippedDepth += 1
            stanzaTooDeep = true
            return
        }
        stack.append(XMLElement(name, namespace: namespace, attributes: attributeMap))
    }

    private func endElement() {
        guard failure == nil else { return }
        if skippedDepth > 0 {
            skippedDepth -= 1
            return
        }
        guard let element = stack.popLast() else { return }
        if stack.isEmpty {
            events.append(.streamClosed)
        } else if stack.count == 1 {
            if stanzaTooDeep {
                stanzaTooDeep = false
                events.append(.refusedTooDeep(XMLElement(element.name, namespace: element.namespace, attributes: element.attributes)))
            } else {
                events.append(.element(element))
            }
            stanzaStartByte = fedBytes
        } else {
            stack[stack.count - 1].append(element)
        }
    }

    private func characters(_ text: UnsafePointer<XML_Char>, _ length: Int) {
        guard failure == nil, stack.count > 1, skippedDepth == 0 else { return }  // whitespace between stanzas is ignored
        let string = text.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        let top = stack.count - 1
        if case .text(let previous)? = stack[top].children.last {
            stack[top].children[stack[top].children.count - 1] = .text(previous + string)
        } else {
            stack[top].append(text: string)
        }
    }
}
