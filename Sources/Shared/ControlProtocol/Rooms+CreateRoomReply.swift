import StrictJSON

extension Rooms {
    public struct CreateRoomReply: VarlinkParameters, Equatable {
        public var room: RoomSummary
        public init(room: RoomSummary) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try RoomSummary(reading: try parameters.object("room"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room) }
    }
}
