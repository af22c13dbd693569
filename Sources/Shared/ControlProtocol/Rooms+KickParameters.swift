import MUCCore
import StrictJSON

extension Rooms {
    public struct KickParameters: RoomsCall, Equatable {
        public typealias Reply = KickReply
        public static var method: Method { .kick }
        public var room: RoomAddress
        /// Exactly one of `nick` and `jid` on the wire.
        public var target: KickTarget
        public var reason: String?
        public var actor: String?
        /// Refuse the whole kick if an owner or admin is among the targets. Written only when set.
        public var protect: Bool
        /// Wall-clock milliseconds (`WallClock`) after which roomd refuses the call: its caller gave up.
        public var deadline: Int64?
        public init(
            room: RoomAddress, target: KickTarget, reason: String? = nil, actor: String? = nil, protect: Bool = false,
            deadline: Int64? = nil
        ) {
            self.room = room
            self.target = target
            self.reason = reason
            self.actor = actor
            self.protect = protect
            self.deadline = deadline
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            switch (try parameters.optionalString("nick"), try parameters.optionalString("jid")) {
            case (let nick?, nil): target = .nick(try ParameterReader.nick(nick, field: "nick"))
            case (nil, let jid?): target = .jid(try ParameterReader.jid(jid, field: "jid"))
            case (nil, nil), (.some, .some): throw .invalidParameter("nick")
            }
            reason = try parameters.optionalText("reason", as: .reason)
            actor = try parameters.optionalText("actor", as: .actor)
            protect = try parameters.optionalBool("protect") ?? false
            deadline = try parameters.optionalInt("deadline")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            switch target {
            case .nick(let nick): writer.field("nick", nick.description)
            case .jid(let jid): writer.field("jid", jid.description)
            }
            writer.field("reason", reason)
            writer.field("actor", actor)
            if protect { writer.field("protect", true) }
            if let deadline { writer.field("deadline", deadline) }
        }
    }
}
