import MUCCore
import StrictJSON

extension Rooms {
    /// An occupant taken out of a room (kicked, banned, or its room destroyed).
    public struct Removed: VarlinkRecord, Equatable {
        public var room: RoomAddress
        public var nick: Nickname
        public var jids: [JID]
        public var role: Role
        public var affiliation: MUCCore.Affiliation
        public init(room: RoomAddress, nick: Nickname, jids: [JID], role: Role, affiliation: MUCCore.Affiliation) {
            self.room = room
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
        }

        public init(_ removed: RemovedOccupant) {
            self.init(
                room: removed.room, nick: removed.nick, jids: removed.sessions, role: removed.role,
                affiliation: removed.affiliation)
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            room = try object.room("room")
            nick = try object.nick("nick")
            jids = try object.jids("jids")
            role = try object.role("role")
            affiliation = try object.affiliation("affiliation")
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("room", room.description)
            writer.field("nick", nick.description)
            writer.field("jids", jids)
            writer.field("role", role.rawValue)
            writer.field("affiliation", affiliation.rawValue)
            writer.endObject()
        }
    }
}
