import StrictJSON

/// A message type roomd writes with `JSONWriter` (its hot path) instead of `JSONEncoder`. The field names
/// are the IDL's; `RoomsWireFormatTests` checks both ways of encoding agree.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

extension Rooms.RoomSummary: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("room", room)
        writer.field("name", name)
        writer.field("persistent", persistent)
        writer.field("occupants", Int64(occupants))
        writer.endObject()
    }
}

extension Rooms.Occupant: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("nick", nick)
        writer.field("jids", jids)
        writer.field("role", role)
        writer.field("affiliation", affiliation)
        writer.endObject()
    }
}

extension Rooms.Affiliation: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("jid", jid)
        writer.field("affiliation", affiliation)
        writer.field("reason", reason)
        writer.endObject()
    }
}

extension Rooms.Room: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("room", room)
        writer.field("name", name)
        writer.field("persistent", persistent)
        writer.key("occupants")
        writer.array(occupants)
        writer.key("affiliations")
        writer.array(affiliations)
        writer.endObject()
    }
}

extension Rooms.Removed: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("room", room)
        writer.field("nick", nick)
        writer.field("jids", jids)
        writer.field("role", role)
        writer.field("affiliation", affiliation)
        writer.endObject()
    }
}

extension Rooms.Event: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("kind", kind)
        writer.field("room", room)
        writer.field("nick", nick)
        if let jids { writer.field("jids", jids) }
        writer.field("role", role)
        writer.field("affiliation", affiliation)
        writer.field("reason", reason)
        writer.field("actor", actor)
        writer.endObject()
    }
}

extension Rooms.AuditRecord: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("time", time)
        writer.field("action", action)
        writer.field("room", room)
        writer.field("nick", nick)
        writer.field("jids", jids)
        writer.field("reason", reason)
        writer.field("actor", actor)
        writer.field("uid", uid)
        writer.endObject()
    }
}

extension JSONWriter {
    public mutating func array(_ items: [some JSONWritable]) {
        beginArray()
        for item in items { item.write(to: &self) }
        endArray()
    }

    public mutating func field(_ name: String, _ item: some JSONWritable) {
        key(name)
        item.write(to: &self)
    }

    /// `{"parameters":{...}}` (with `"continues":true` for a stream reply) and the NUL terminator.
    public static func varlinkReply(continues: Bool = false, _ parameters: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        if continues { writer.field("continues", true) }
        writer.key("parameters")
        writer.beginObject()
        parameters(&writer)
        writer.endObject()
        writer.endObject()
        writer.appendRaw(VarlinkFraming.terminator)
        return writer.bytes
    }
}

extension VarlinkErrorReply {
    /// The error as a NUL-terminated varlink message.
    public func framed() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("error", error)
        writer.key("parameters")
        writer.value(parameters ?? .object([:]))
        writer.endObject()
        writer.appendRaw(VarlinkFraming.terminator)
        return writer.bytes
    }
}
