import StrictJSON

extension Rooms {
    public struct JoinReply: VarlinkParameters, Equatable {
        public var occupant: Occupant
        public init(occupant: Occupant) { self.occupant = occupant }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            occupant = try Occupant(reading: try parameters.object("occupant"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("occupant", occupant) }
    }
}
