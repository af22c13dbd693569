import StrictJSON

/// A value of the contract that is written as one JSON value (the records inside replies and events).
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

/// A record inside a message: written as an object, read back from one.
public protocol VarlinkRecord: JSONWritable, Sendable {
    init(reading object: ParameterReader) throws(RoomsError)
}
