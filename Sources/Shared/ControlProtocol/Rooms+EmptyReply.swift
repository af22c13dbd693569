import StrictJSON

extension Rooms {
    /// `{}`: the reply of a method that returns nothing.
    public struct EmptyReply: VarlinkParameters, Equatable {
        public init() {}
        public init(reading parameters: ParameterReader) throws(RoomsError) {}
        public func writeMembers(to writer: inout JSONWriter) {}
    }
}
