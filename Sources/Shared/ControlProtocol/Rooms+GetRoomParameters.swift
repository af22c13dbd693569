import MUCCore
import StrictJSON

extension Rooms {
    public struct GetRoomParameters: RoomsCall, Equatable {
        public typealias Reply = GetRoomReply
        public static var method: Method { .getRoom }
        public var room: RoomAddress
        public init(room: RoomAddress) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) { room = try parameters.room("room") }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room.description) }
    }
}
