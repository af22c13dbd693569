import StrictJSON

/// The JSON body of POST /muc_kick, each field kept as sent so wrong types can be named.
struct KickBody {
    var nickname: BodyField?
    var muc: BodyField?
    var reason: BodyField?
    var jid: BodyField?

    enum Problem: Error, Equatable {
        case empty
        case invalidJSON
        case notAnObject
        /// An object with more members than the parser takes (`JSONParser.defaultMaxMembers`).
        case tooManyMembers
    }

    /// Parses strictly (RFC 8259: no trailing commas, no leading zeros, no raw control characters, no
    /// duplicate keys, UTF-8 only): a body the original would misread must be refused, not guessed at.
    static func parse(_ bytes: [UInt8]) throws(Problem) -> KickBody {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { throw .empty }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw error.isMemberLimit ? .tooManyMembers : .invalidJSON
        }
        guard case .object(let object) = value else { throw .notAnObject }
        return KickBody(
            nickname: object["nickname"].map(BodyField.init), muc: object["muc"].map(BodyField.init),
            reason: object["reason"].map(BodyField.init), jid: object["jid"].map(BodyField.init))
    }
}
