import StrictJSON

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
    @inlinable
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
