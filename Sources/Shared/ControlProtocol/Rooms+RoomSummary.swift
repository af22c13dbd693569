import MUCCore
import StrictJSON

extension Rooms {
    public struct RoomSummary: VarlinkRecord, Equatable {
        public var room: RoomAddress
        public var name: String?
        public var persistent: Bool
        public var occupants: Int
        public init(room: RoomAddress, name: String?, persistent: Bool, occupants: Int) {
            self.room = room
            self.name = name
            self.persistent = persistent
            self.occupants = occupants
        }

        /// The summary of a room of the core.
        public init(_ room: MUCCore.Room) {
            self.init(
                room: room.address, name: room.configuration.name, persistent: room.configuration.persistent,
                occupants: room.occupants.count)
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            room = try object.room("room")
            name = try object.optionalString("name")
            persistent = try object.bool("persistent")
            guard let count = Int(exactly: try object.int("occupants")), count >= 0 else {
                throw .invalidParameter("occupants")
            }
            occupants = count
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("room", room.description)
            writer.field("name", name)
            writer.field("persistent", persistent)
            writer.field("occupants", Int64(occupants))
            writer.endObject()
        }
    }
}
