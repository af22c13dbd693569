import StrictJSON

extension Rooms {
    /// One kick or ban of the audit log. Its texts stay as recorded, unparsed: a record written under an
    /// earlier version's rules must still be shown.
    public struct AuditRecord: VarlinkRecord, Equatable {
        public var id: Int64
        public var time: String
        public var action: String
        public var room: String
        public var nick: String
        public var jids: [String]
        public var reason: String?
        public var actor: String?
        /// The uid of a Unix-socket caller, -1 for a caller over TLS (named by `caller`).
        public var uid: Int64
        /// A caller over TLS, as roomd identified it: `certificate:NAME` or `token:NAME`. Absent for Unix-socket
        /// callers (`uid` says who) and XMPP-initiated changes.
        public var caller: String?
        public init(
            id: Int64, time: String, action: String, room: String, nick: String, jids: [String], reason: String?,
            actor: String?, uid: Int64, caller: String? = nil
        ) {
            self.id = id
            self.time = time
            self.action = action
            self.room = room
            self.nick = nick
            self.jids = jids
            self.reason = reason
            self.actor = actor
            self.uid = uid
            self.caller = caller
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            id = try object.int("id")
            time = try object.string("time")
            action = try object.string("action")
            room = try object.string("room")
            nick = try object.string("nick")
            jids = try object.strings("jids")
            reason = try object.optionalString("reason")
            actor = try object.optionalString("actor")
            uid = try object.int("uid")
            caller = try object.optionalString("caller")
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("id", id)
            writer.field("time", time)
            writer.field("action", action)
            writer.field("room", room)
            writer.field("nick", nick)
            writer.field("jids", jids)
            writer.field("reason", reason)
            writer.field("actor", actor)
            writer.field("uid", uid)
            writer.field("caller", caller)
            writer.endObject()
        }
    }
}
