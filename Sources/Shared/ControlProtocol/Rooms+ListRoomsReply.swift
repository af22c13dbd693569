import StrictJSON

extension Rooms {
    public struct ListRoomsReply: VarlinkParameters, Equatable {
        public var rooms: [RoomSummary]
        public init(rooms: [RoomSummary]) { self.rooms = rooms }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            rooms = try parameters.objects("rooms") { reader throws(RoomsError) in try RoomSummary(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("rooms", rooms) }
    }
}
