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
        }
    }
}
