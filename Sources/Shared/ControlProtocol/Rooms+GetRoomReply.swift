import StrictJSON

extension Rooms {
    public struct GetRoomReply: VarlinkParameters, Equatable {
        public var room: Room
        public init(room: Room) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try Room(reading: try parameters.object("room"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room) }
    }
}
