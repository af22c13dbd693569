import StrictJSON

/// A call as a client writes it: `{"method":M[,"more":true][,"oneway":true],"parameters":{...}}` and the
/// terminator. Inlinable, like the other generic paths of the contract, so that roomd and the responder get
/// them specialised for each message instead of dispatching through witness tables on every call.
public enum VarlinkCall {
    @inlinable
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
    @inlinable
    public static func framed<Call: RoomsCall>(_ call: Call, more: Bool = false, capacity: Int = 256) -> [UInt8] {
        framed(method: Call.method.qualifiedName, more: more, capacity: capacity, call)
    }
}
