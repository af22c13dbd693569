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
    public static func varlinkReply(continues: Bool = false, _ reply: some VarlinkParameters) -> [UInt8] {
        varlinkReply(continues: continues) { reply.writeMembers(to: &$0) }
    }
}
