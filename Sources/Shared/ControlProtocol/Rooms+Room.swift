import MUCCore
import StrictJSON

extension Rooms {
    public struct Room: VarlinkRecord, Equatable {
        public var room: RoomAddress
        public var name: String?
        public var persistent: Bool
        public var occupants: [Occupant]
        public var affiliations: [AffiliationEntry]
        public init(
            room: RoomAddress, name: String?, persistent: Bool, occupants: [Occupant], affiliations: [AffiliationEntry]
        ) {
            self.room = room
            self.name = name
            self.persistent = persistent
            self.occupants = occupants
            self.affiliations = affiliations
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            room = try object.room("room")
            name = try object.optionalString("name")
            persistent = try object.bool("persistent")
            occupants = try object.objects("occupants") { reader throws(RoomsError) in try Occupant(reading: reader) }
            affiliations = try object.objects("affiliations") { reader throws(RoomsError) in
                try AffiliationEntry(reading: reader)
            }
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("room", room.description)
            writer.field("name", name)
            writer.field("persistent", persistent)
            writer.field("occupants", occupants)
            writer.field("affiliations", affiliations)
            writer.endObject()
        }
    }
}
