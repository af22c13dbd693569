import MUCCore
import StrictJSON

extension Rooms {
    public struct DestroyRoomParameters: RoomsCall, Equatable {
        public typealias Reply = RemovedReply
        public static var method: Method { .destroyRoom }
        public var room: RoomAddress
        public var reason: String?
        public init(room: RoomAddress, reason: String? = nil) {
            self.room = room
            self.reason = reason
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            reason = try parameters.optionalText("reason", as: .reason)
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("reason", reason)
        }
    }
}
