import MUCCore
import StrictJSON

extension JSONWriter {
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

    /// A reply of the contract, framed.
    @inlinable
    public static func varlinkReply(continues: Bool = false, _ reply: some VarlinkParameters) -> [UInt8] {
        varlinkReply(continues: continues) { reply.writeMembers(to: &$0) }
    }

    mutating func field(_ name: String, _ jids: [JID]) {
        key(name)
        beginArray()
        for jid in jids { string(jid.description) }
        endArray()
    }

    public mutating func array(_ items: [some JSONWritable]) {
        beginArray()
        for item in items { item.write(to: &self) }
        endArray()
    }

    public mutating func field(_ name: String, _ item: some JSONWritable) {
        key(name)
        item.write(to: &self)
    }

    public mutating func field(_ name: String, _ items: [some JSONWritable]) {
        key(name)
        array(items)
    }
}
