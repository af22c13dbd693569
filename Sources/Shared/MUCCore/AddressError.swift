/// Why a JID or a nickname was refused. The text is meant for the operator who sent it.
public enum AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(part: String)
    case controlCharacter
    case invalidUTF8
    case emptyPart(String)
    case tooManyAts
    case forbiddenCharacter(Character, part: String)
    case missingNode
    case unexpectedResource
    case whitespaceOnly
    /// RFC 8264's FreeformClass does not allow this code point here (RFC 8266 nickname profile).
    case disallowedCodePoint(UInt32, part: String)
    /// The profile's rules did not reach a stable output (RFC 8264 §7).
    case unstable(part: String)

    public var description: String {
        switch self {
        case .empty: return "is empty"
        case .tooLong(let part): return "\(part) is longer than 1023 bytes"
        case .controlCharacter: return "contains a control character"
        case .invalidUTF8: return "is not valid UTF-8"
        case .emptyPart(let part): return "has an empty \(part)"
        case .tooManyAts: return "has more than one '@'"
        case .forbiddenCharacter(let c, let part): return "has a forbidden character '\(c)' in its \(part)"
        case .missingNode: return "has no '@': a room address is node@service"
        case .unexpectedResource: return "has a '/resource' part, which a room address must not have"
        case .whitespaceOnly: return "is only white space"
        case .disallowedCodePoint(let value, let part):
            let hex = String(value, radix: 16, uppercase: true)
            return "has U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex), which a \(part) may not hold"
                + " there (RFC 8266)"
        case .unstable(let part): return "has a \(part) that does not reach a stable form (RFC 8264 §7)"
        }
    }
}
