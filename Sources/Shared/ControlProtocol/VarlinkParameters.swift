import StrictJSON

/// A `parameters` object of the contract (a call's or a reply's): one type writes it and the same type
/// reads it back, whichever end does which.
public protocol VarlinkParameters: Sendable {
    /// Reads and validates the members; the first bad one is the error roomd answers with.
    init(reading parameters: ParameterReader) throws(RoomsError)
    /// Writes the members, between the object's braces.
    func writeMembers(to writer: inout JSONWriter)
}

extension VarlinkParameters {
    /// The parameters as a JSON object of their own.
    @inlinable
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writeMembers(to: &writer)
        writer.endObject()
    }
}
