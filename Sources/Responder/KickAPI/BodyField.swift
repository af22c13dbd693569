import StrictJSON

/// One field of the body: absent (the optional is nil), null, a string, or something else.
enum BodyField: Equatable {
    case null
    case string(String)
    case other

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .string(let text): self = .string(text)
        default: self = .other
        }
    }
}
