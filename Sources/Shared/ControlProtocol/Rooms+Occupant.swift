import MUCCore
import StrictJSON

extension Rooms {
    public struct Occupant: VarlinkRecord, Equatable {
        public var nick: Nickname
        public var jids: [JID]
        public var role: Role
        public var affiliation: MUCCore.Affiliation
        public init(nick: Nickname, jids: [JID], role: Role, affiliation: MUCCore.Affiliation) {
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
        }

        public init(_ occupant: MUCCore.Occupant) {
            self.init(
                nick: occupant.nick, jids: occupant.sessions, role: occupant.role, affiliation: occupant.affiliation)
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            nick = try object.nick("nick")
            jids = try object.jids("jids")
            role = try object.role("role")
            affiliation = try object.affiliation("affiliation")
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("nick", nick.description)
            writer.field("jids", jids)
            writer.field("role", role.rawValue)
            writer.field("affiliation", affiliation.rawValue)
            writer.endObject()
        }
    }
}
