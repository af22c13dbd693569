import StrictJSON

/// A value of the contract that is written as one JSON value (the records inside replies and events).
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}
