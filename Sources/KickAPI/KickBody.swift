import FoundationEssentials

/// The JSON body of POST /muc_kick, each field kept as sent so wrong types can be named.
struct KickBody: Decodable {
    var nickname: BodyField?
    var muc: BodyField?
    var reason: BodyField?
    var jid: BodyField?

    enum Problem: Error, Equatable {
        case empty
        case invalidJSON
        case notAnObject
    }

    static func parse(_ bytes: [UInt8]) throws(Problem) -> KickBody {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { throw .empty }
        do {
            return try JSONDecoder().decode(KickBody.self, from: Data(bytes))
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw .notAnObject
        } catch DecodingError.valueNotFound(_, let context) where context.codingPath.isEmpty {
            throw .notAnObject  // the body is `null`
        } catch {
            throw .invalidJSON
        }
    }
}

/// One field of the body: absent (the optional is nil), null, a string, or something else.
enum BodyField: Decodable, Equatable {
    case null
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else {
            self = .other
        }
    }
}
