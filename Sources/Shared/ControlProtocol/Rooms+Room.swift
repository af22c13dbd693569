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

        /// A room of the core in full: its occupants in the core's order, its affiliations by JID.
        public init(_ room: MUCCore.Room) {
            self.init(
                room: room.address, name: room.configuration.name, persistent: room.configuration.persistent,
                occupants: room.sortedOccupants.map(Rooms.Occupant.init),
                affiliations: room.affiliations.sorted { $0.key < $1.key }.map {
                    Rooms.AffiliationEntry(jid: $0.key, affiliation: $0.value.affiliation, reason: $0.value.reason)
                })
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
