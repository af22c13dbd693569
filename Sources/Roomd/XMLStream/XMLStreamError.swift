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
