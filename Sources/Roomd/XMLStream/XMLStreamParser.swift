import CExpat

/// An incremental XMPP stream parser over expat: feed bytes as they arrive, get complete stanzas.
///
/// expat is the parser Prosody and ejabberd use; it reads any split of the input and reports errors with
/// positions. This type only builds elements from its callbacks and enforces XMPP's limits.
///
/// expat's reparse deferral stays on: without it, a token fed in small reads is parsed again from its start
/// on every read (CVE-2023-52425), quadratic in its size. Deferral would in turn hold back a stanza that
/// ends a read; `XMLLexicalScanner` tells when every byte fed ends a complete token, and then the pending
/// bytes are parsed at once. An expat without deferral (before 2.6.0 and its backports) parses everything
/// it can on every read: there is nothing to force, and nothing protects it from that quadratic reparse.
public final class XMLStreamParser {
    public let maxStanzaBytes: Int
    public let maxDepth: Int

    private var parser: XML_Parser!
    private var stack: [XMLElement] = []
    /// Character data of the innermost open element since its last child, joined once: expat reports text
    /// in many pieces (one per line, one per reference), and joining them one by one would be quadratic.
    /// Behind a pointer: the character data handler runs once per line, and a stored property of a class
    /// would cost a dynamic exclusivity check on each append.
    private let pendingText: UnsafeMutablePointer<[UInt8]> = {
        let pointer = UnsafeMutablePointer<[UInt8]>.allocate(capacity: 1)
        pointer.initialize(to: [])
        return pointer
    }()
    /// Whether character data belongs to an element being kept: inside a stanza, not skipped, no failure.
    private var collectsText = false
    private var events: [XMLStreamEvent] = []
    private var failure: XMLStreamError?
    /// Where the current stanza began: just past the stream header, the previous stanza or whitespace
    /// between stanzas. Every byte since counts against the limit, unfinished tokens included.
    private var stanzaStartByte = 0
    private var fedBytes = 0
    /// Depth inside a subtree that is being skipped because it is too deep.
    private var skippedDepth = 0
    private var stanzaTooDeep = false
    private var scanner = XMLLexicalScanner()
    private let hasReparseDeferral: Bool
    /// How many times pending bytes were pushed past the deferral: at most one per `feed`.
    private(set) var forcedPasses = 0

    static let separator: XML_Char = 0x01  // between namespace URI and local name

    public init(maxStanzaBytes: Int = 1024 * 1024, maxDepth: Int = 32) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
        parser = XML_ParserCreateNS("UTF-8", Self.separator)
        hasReparseDeferral = muckick_expat_set_reparse_deferral(parser, 1) >= 0
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetElementHandler(
            parser,
            { data, name, attributes in
                XMLStreamParser.from(data).startElement(name!, attributes!)
            },
            { data, name in
                XMLStreamParser.from(data).endElement()
            })
        XML_SetCharacterDataHandler(parser) { data, text, length in
            // Called once per line and once per reference: no reference counting on this path.
            Unmanaged<XMLStreamParser>.fromOpaque(data!)._withUnsafeGuaranteedRef {
                $0.characters(text!, Int(length))
            }
        }
        XML_SetStartDoctypeDeclHandler(parser) { data, _, _, _, _ in
            XMLStreamParser.from(data).restrict()
        }
        XML_SetCommentHandler(parser) { data, _ in XMLStreamParser.from(data).restrict() }
        XML_SetProcessingInstructionHandler(parser) { data, _, _ in XMLStreamParser.from(data).restrict() }
        XML_SetEntityDeclHandler(parser) { data, _, _, _, _, _, _, _, _ in XMLStreamParser.from(data).restrict() }
    }

    deinit {
        XML_ParserFree(parser)
        pendingText.deinitialize(count: 1)
        pendingText.deallocate()
    }

    private static func from(_ data: UnsafeMutableRawPointer?) -> XMLStreamParser {
        Unmanaged<XMLStreamParser>.fromOpaque(data!).takeUnretainedValue()
    }

    /// Feeds bytes; returns the events they completed. After an error, every call throws it again.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        if let failure { throw failure }
        // XML has no NUL character; expat, though, reads a stream whose first bytes have one as UTF-16,
        // whatever encoding it was told, and would find in it stanzas the server never saw. What comes before
        // the NUL is parsed in full first, so that the stream fails the same way however the reads fall.
        if let nul = bytes.firstIndex(of: 0) {
            try parse(UnsafeRawBufferPointer(rebasing: bytes[..<nul]), completely: true)
            throw record(.notWellFormed("NUL byte"))
        }
        try parse(bytes, completely: false)
        if fedBytes - stanzaStartByte > maxStanzaBytes {
            throw record(.policyViolation("stanza larger than \(maxStanzaBytes) bytes"))
        }
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Hands bytes to expat, then the bytes it holds back too where they are complete tokens, or where
    /// `completely` (the stream ends after them), or where they would exceed the limit otherwise.
    private func parse(_ bytes: UnsafeRawBufferPointer, completely: Bool) throws(XMLStreamError) {
        fedBytes += bytes.count
        scanner.scan(bytes)
        var status = XML_Parse(
            parser, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), 0)
        // Deferral may also be holding back stanzas that did end: only what is still unparsed after a forced
        // pass is one stanza. Such a pass comes at most once per limit's worth of bytes that then parse for
        // good, or ends the stream.
        if status != XML_STATUS_ERROR, failure == nil, hasReparseDeferral, fedBytes > 0,
            completely || scanner.isBetweenTokens || fedBytes - stanzaStartByte > maxStanzaBytes
        {
            status = parsePending()
        }
        if let failure { throw failure }
        if status == XML_STATUS_ERROR {
            let message = XML_ErrorString(XML_GetErrorCode(parser)).map { String(cString: $0) } ?? "parse error"
            throw record(.notWellFormed(message))
        }
    }

    private func record(_ error: XMLStreamError) -> XMLStreamError {
        failure = error
        return error
    }

    public func feed(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(XMLStreamError) in try feed(raw) } }
        return try result.get()
    }

    /// Parses every byte expat holds back, once, then lets it defer again.
    private func parsePending() -> XML_Status {
        forcedPasses += 1
        _ = muckick_expat_set_reparse_deferral(parser, 0)
        let status = XML_ParseBuffer(parser, 0, 0)
        _ = muckick_expat_set_reparse_deferral(parser, 1)
        return status
    }

    private func fail(_ error: XMLStreamError) {
        if failure == nil { failure = error }
        collectsText = false
        XML_StopParser(parser, 0)
    }

    private func restrict() { fail(.restrictedXML) }

    /// The current stanza, if any, begins after the token being reported.
    private func markStanzaBoundary() {
        stanzaStartByte = Int(XML_GetCurrentByteIndex(parser)) + Int(XML_GetCurrentByteCount(parser))
    }

    private static func split(_ qualified: UnsafePointer<XML_Char>) -> (namespace: String, name: String) {
        let text = String(cString: qualified)
        if let separator = text.utf8.firstIndex(of: 0x01) {
            return (String(text[..<separator]), String(text[text.utf8.index(after: separator)...]))
        }
        return ("", text)
    }

    private func startElement(
        _ qualified: UnsafePointer<XML_Char>, _ attributes: UnsafeMutablePointer<UnsafePointer<XML_Char>?>
    ) {
        guard failure == nil else { return }
        let (namespace, name) = Self.split(qualified)
        var plain: [String: String] = [:]
        var namespaced: [XMLAttribute] = []
        var index = 0
        // expat reports no namespace declarations (`xmlns`, `xmlns:p`) in namespace mode, and refuses two
        // attributes with the same namespace and local name.
        while let key = attributes[index], let value = attributes[index + 1] {
            let (attributeNamespace, attributeName) = Self.split(key)
            let value = String(cString: value)
            if attributeNamespace.isEmpty {
                plain[attributeName] = value
            } else if attributeNamespace == XMLNamespace.xml, attributeName == "lang" {
                plain["xml:lang"] = value
            } else {
                namespaced.append(XMLAttribute(namespace: attributeNamespace, localName: attributeName, value: value))
            }
            index += 2
        }
        if stack.isEmpty {
            // The stream header stays open for the whole session; it is reported at once.
            stack.append(XMLElement(name, namespace: namespace, attributes: plain, namespacedAttributes: namespaced))
            events.append(.streamOpened(attributes: plain))
            markStanzaBoundary()
            return
        }
        if skippedDepth > 0 || stack.count >= maxDepth {
            skippedDepth += 1
            stanzaTooDeep = true
            collectsText = false
            return
        }
        flushText()
        stack.append(XMLElement(name, namespace: namespace, attributes: plain, namespacedAttributes: namespaced))
        collectsText = true
    }

    private func endElement() {
        guard failure == nil else { return }
        if skippedDepth > 0 {
            skippedDepth -= 1
            collectsText = skippedDepth == 0
            return
        }
        flushText()
        guard let element = stack.popLast() else { return }
        collectsText = stack.count > 1 && skippedDepth == 0
        if stack.isEmpty {
            events.append(.streamClosed)
        } else if stack.count == 1 {
            if stanzaTooDeep {
                stanzaTooDeep = false
                var refused = element
                refused.children = []
                events.append(.refusedTooDeep(refused))
            } else {
                events.append(.element(element))
            }
            markStanzaBoundary()
        } else {
            stack[stack.count - 1].append(element)
        }
    }

    private func characters(_ text: UnsafePointer<XML_Char>, _ length: Int) {
        if collectsText {
            if length == 1 {
                pendingText.pointee.append(UInt8(bitPattern: text.pointee))
            } else {
                pendingText.pointee.append(contentsOf: UnsafeRawBufferPointer(start: text, count: length))
            }
            return
        }
        // Whitespace between stanzas belongs to no stanza.
        if failure == nil, stack.count <= 1 { markStanzaBoundary() }
    }

    private func flushText() {
        guard !pendingText.pointee.isEmpty, stack.count > 1 else { return }
        stack[stack.count - 1].append(text: String(decoding: pendingText.pointee, as: UTF8.self))
        // A large buffer is not kept for the whole session because of one large stanza.
        pendingText.pointee.removeAll(keepingCapacity: pendingText.pointee.capacity <= 64 * 1024)
    }
}
