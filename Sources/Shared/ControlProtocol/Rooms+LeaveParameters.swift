import MUCCore
import StrictJSON

extension Rooms {
    public struct LeaveParameters: RoomsCall, Equatable {
        public typealias Reply = EmptyReply
        public static var method: Method { .leave }
        public var room: RoomAddress
        public var nick: Nickname
        /// Only this session; absent: all of the occupant's.
        public var jid: JID?
        public init(room: RoomAddress, nick: Nickname, jid: JID? = nil) {
            self.room = room
            self.nick = nick
            self.jid = jid
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            nick = try parameters.nick("nick")
            jid = try parameters.optionalJID("jid")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("nick", nick.description)
            writer.field("jid", jid?.description)
        }
    }
}
