import MUCCore
import StrictJSON

extension Rooms {
    public struct JoinParameters: RoomsCall, Equatable {
        public typealias Reply = JoinReply
        public static var method: Method { .join }
        public var room: RoomAddress
        public var nick: Nickname
        public var jid: JID
        /// Absent: from the affiliation. Never `.none`.
        public var role: Role?
        public init(room: RoomAddress, nick: Nickname, jid: JID, role: Role? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
            self.role = role
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            nick = try parameters.nick("nick")
            jid = try parameters.jid("jid")
            if let text = try parameters.optionalString("role") {
                guard let parsed = Role(rawValue: text), parsed != .none else { throw .invalidParameter("role") }
                role = parsed
            }
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("nick", nick.description)
            writer.field("jid", jid.description)
            writer.field("role", role?.rawValue)
        }
    }
}
