@_exported import StrictJSON
import FoundationEssentials

/// Varlink method names: `interface.Member`.
public enum VarlinkMethodName {
    /// `org.muckick.Rooms.Kick` -> (`org.muckick.Rooms`, `Kick`); nil when either part is missing.
    public static func split(_ method: String) -> (interface: String, member: String)? {
        // Over the UTF-8 view: `String.lastIndex(of:)` walks grapheme clusters, which cost 4 % of roomd's
        // time per call. A `.` is one byte and never part of a longer UTF-8 sequence.
        let utf8 = method.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), dot != utf8.startIndex,
            utf8.index(after: dot) != utf8.endIndex
        else { return nil }
        return (String(method[..<dot]), String(method[utf8.index(after: dot)...]))
    }
}

/// A call as a client writes it.
public struct VarlinkCall<Parameters: Encodable & Sendable>: Encodable, Sendable {
    public var method: String
    public var parameters: Parameters
    public var more: Bool?
    public var oneway: Bool?

    public init(method: String, parameters: Parameters, more: Bool? = nil, oneway: Bool? = nil) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
    }
}

/// Decodes only `parameters` of a call or reply, as the method's own type.
public struct VarlinkParameters<Parameters: Decodable>: Decodable {
    public var parameters: Parameters?
}

/// An error reply: a qualified error name and the error's parameters.
public struct VarlinkErrorReply: Codable, Sendable, Error, Equatable {
    public var error: String
    public var parameters: JSONValue?

    public init(error: String, parameters: JSONValue? = nil) {
        self.error = error
        self.parameters = parameters
    }

    public init(error: String, _ parameters: [String: JSONValue]) {
        self.error = error
        self.parameters = .object(JSONObject(parameters))
    }
}

/// What a client reads before it knows whether a reply is an error.
public struct VarlinkReplyHeader: Decodable, Sendable {
    public var error: String?
    public var continues: Bool?
}

/// Varlink frames: one JSON document followed by a NUL byte.
public enum VarlinkFraming {
    public static let terminator: UInt8 = 0
    /// The largest message either side accepts from the other, the terminator excluded.
    public static let maxRequestSize = 64 * 1024
}

extension JSONEncoder {
    /// The encoder for varlink messages: compact, keys in a stable order.
    public static func varlink() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Encodes to `{}`: the parameters of a method that takes or returns nothing.
public struct NoParameters: Codable, Sendable, Equatable {
    public init() {}
}
