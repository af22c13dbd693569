@_exported import StrictJSON

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

/// Varlink frames: one JSON document followed by a NUL byte.
public enum VarlinkFraming {
    public static let terminator: UInt8 = 0
    /// The largest message either side accepts from the other, the terminator excluded.
    public static let maxRequestSize = 64 * 1024
}

/// A call as a client writes it: `{"method":M[,"more":true][,"oneway":true],"parameters":{...}}` and the
/// terminator.
public enum VarlinkCall {
    public static func framed(
        method: String, more: Bool = false, oneway: Bool = false, capacity: Int = 256,
        _ parameters: some VarlinkParameters
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        writer.beginObject()
        writer.field("method", method)
        if more { writer.field("more", true) }
        if oneway { writer.field("oneway", true) }
        writer.key("parameters")
        parameters.write(to: &writer)
        writer.endObject()
        writer.appendRaw(VarlinkFraming.terminator)
        return writer.bytes
    }

    /// A call of `org.muckick.Rooms`, its method named by its parameters' type.
    public static func framed<Call: RoomsCall>(_ call: Call, more: Bool = false, capacity: Int = 256) -> [UInt8] {
        framed(method: Call.method.qualifiedName, more: more, capacity: capacity, call)
    }
}

/// What a client reads: a reply's parameters, or the error it carries.
public enum VarlinkReply {
    /// Reads one frame (without its terminator). A varlink error is thrown as the contract's error; a frame
    /// that is not a reply as `.malformed` with the start of its text, for a log.
    public static func parse(_ frame: [UInt8]) throws(VarlinkReplyError) -> (
        parameters: ParameterReader, continues: Bool
    ) {
        // Replies can be large (a ListRooms or GetAudit of thousands): the member cap is per object, and
        // a record has a handful.
        guard case .object(let message)? = try? JSONParser.parse(frame) else {
            throw .malformed(String(decoding: frame.prefix(200), as: UTF8.self))
        }
        if let name = message["error"] {
            guard case .string(let name) = name else {
                throw .malformed(String(decoding: frame.prefix(200), as: UTF8.self))
            }
            throw .remote(RoomsError(name: name, parameters: message["parameters"]))
        }
        let continues: Bool
        switch message["continues"] {
        case nil, .null?: continues = false
        case .bool(let flag)?: continues = flag
        default: throw .malformed(String(decoding: frame.prefix(200), as: UTF8.self))
        }
        do {
            return (try ParameterReader(message["parameters"]), continues)
        } catch {
            throw .malformed(String(decoding: frame.prefix(200), as: UTF8.self))
        }
    }

    /// Reads one frame as the reply `Reply`.
    public static func parse<Reply: VarlinkParameters>(_ frame: [UInt8], as type: Reply.Type)
        throws(VarlinkReplyError) -> (reply: Reply, continues: Bool)
    {
        let (parameters, continues) = try parse(frame)
        do {
            return (try Reply(reading: parameters), continues)
        } catch {
            throw .mismatch(error)
        }
    }
}

/// Why a frame did not give a reply.
public enum VarlinkReplyError: Error, Equatable, Sendable {
    /// The peer answered with an error.
    case remote(RoomsError)
    /// Not a varlink reply (the text's start, for a log).
    case malformed(String)
    /// A reply whose parameters are not the method's (the first field that does not read).
    case mismatch(RoomsError)
}
