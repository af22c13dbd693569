/// Follows an XMPP stream's bytes just far enough to tell whether every byte so far ends a complete token.
///
/// expat's reparse deferral (its CVE-2023-52425 fix) holds back bytes that end in an unfinished token until
/// enough new bytes arrive, which would also hold back a stanza whose last byte ends a read. When this scanner
/// is in `.text` after a read, nothing fed is an unfinished token (bar a split character or a trailing CR
/// or `]`, which expat keeps however it is called), so the parser can make expat parse it all at once at
/// the cost of the bytes pending, each of them parsed for good. One pass over each byte, whatever the reads.
struct XMLLexicalScanner {
    enum State: Equatable {
        /// Between tokens, or inside character data.
        case text
        /// Just after `<`.
        case tagOpen
        /// Inside a start or end tag, outside quotes.
        case tag
        /// Inside an attribute value, until the quote that opened it.
        case quoted(UInt8)
        /// Inside `&...;`.
        case reference
        /// After `<!`: how many bytes of `[CDATA[` matched so far.
        case markupDeclaration(matched: Int)
        /// Inside `<![CDATA[`: how many `]` were just seen (`]]>` ends it).
        case cdata(brackets: Int)
        /// Inside the XML declaration at the stream's very start; whether the last byte was `?`.
        case xmlDeclaration(question: Bool)
        /// After `<!--`, `<?` (other than the XML declaration) or `<!DOCTYPE`: RFC 6120 §11.1 refuses them,
        /// and expat's handlers end the stream when it reaches them, so this scanner never leaves it.
        case restricted
    }

    private static let cdataOpening: [UInt8] = Array("[CDATA[".utf8)

    private(set) var state: State = .text
    /// Bytes scanned so far: the XML declaration is one only as the stream's first bytes.
    private var offset = 0
    /// Where the declaration's `?` stands when it opens the stream: after `<`, or after a UTF-8 byte order
    /// mark and `<` (expat accepts both; taking the second for a processing instruction would stop the
    /// forced passes for the whole stream).
    private var declarationQuestionMark = 1

    var isBetweenTokens: Bool { state == .text }

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        defer { offset += bytes.count }
        if offset == 0, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            declarationQuestionMark = 4
        }
        var state = self.state
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .text:
                // Character data is most of a stream: skip it without leaving the loop.
                while index < count, bytes[index] != UInt8(ascii: "<"), bytes[index] != UInt8(ascii: "&") {
                    index += 1
                }
                guard index < count else { break }
                state = bytes[index] == UInt8(ascii: "<") ? .tagOpen : .reference
            case .tagOpen:
                let byte = bytes[index]
                if byte == UInt8(ascii: "!") {
                    state = .markupDeclaration(matched: 0)
                } else if byte == UInt8(ascii: "?") {
                    state = offset + index == declarationQuestionMark ? .xmlDeclaration(question: false) : .restricted
                } else if byte == UInt8(ascii: ">") {
                    state = .text
                } else {
                    state = .tag
                }
            case .tag:
                let byte = bytes[index]
                if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    state = .quoted(byte)
                } else if byte == UInt8(ascii: ">") {
                    state = .text
                }
            case .quoted(let quote):
                while index < count, bytes[index] != quote { index += 1 }
                guard index < count else { break }
                state = .tag
            case .reference:
                if bytes[index] == UInt8(ascii: ";") { state = .text }
            case .markupDeclaration(let matched):
                if bytes[index] != Self.cdataOpening[matched] {
                    state = .restricted
                } else if matched + 1 == Self.cdataOpening.count {
                    state = .cdata(brackets: 0)
                } else {
                    state = .markupDeclaration(matched: matched + 1)
                }
            case .cdata(let brackets):
                let byte = bytes[index]
                if byte == UInt8(ascii: "]") {
                    state = .cdata(brackets: min(brackets + 1, 2))
                } else if byte == UInt8(ascii: ">"), brackets == 2 {
                    state = .text
                } else if brackets != 0 {
                    state = .cdata(brackets: 0)
                }
            case .xmlDeclaration(let question):
                let byte = bytes[index]
                if byte == UInt8(ascii: ">"), question {
                    state = .text
                } else {
                    state = .xmlDeclaration(question: byte == UInt8(ascii: "?"))
                }
            case .restricted:
                self.state = .restricted
                return
            }
            index += 1
        }
        self.state = state
    }
}
