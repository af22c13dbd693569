import StrictJSON

/// A record that replies and events are made of (`Rooms.Removed`, `Rooms.Event`...): written as an object
/// and read back from one by the same type, so roomd's writer and a client's reader cannot drift apart. The
/// field names and their order are the IDL's and the wire's.
public protocol VarlinkRecord: JSONWritable, Sendable {
    init(reading object: ParameterReader) throws(RoomsError)
}
