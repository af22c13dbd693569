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
