import MUCCore
import StrictJSON

extension Rooms {
    public struct CreateRoomParameters: RoomsCall, Equatable {
        public typealias Reply = CreateRoomReply
        public static var method: Method { .createRoom }
        public var room: RoomAddress
        public var name: String?
        /// Absent: persistent.
        public var persistent: Bool?
        public init(room: RoomAddress, name: String? = nil, persistent: Bool? = nil) {
            self.room = room
            self.name = name
            self.persistent = persistent
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            name = try parameters.optionalText("name", as: .name)
            persistent = try parameters.optionalBool("persistent")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("name", name)
            if let persistent { writer.field("persistent", persistent) }
        }
    }
}
