/// Why a text is not the JSON the parser accepts.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    /// The text may be valid JSON, but an object in it has more members than the parser takes.
    public var isMemberLimit: Bool = false
    public var description: String { "\(reason) at byte \(offset)" }
}
