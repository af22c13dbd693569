import MUCCore
import StrictJSON

extension Rooms {
    /// One message of a `Watch` stream.
    public struct Event: VarlinkRecord, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case watching, created, destroyed, joined, left, kicked, banned
            /// A nickname change: `nick` is the new one, `reason` says "was OLD".
            case nick
            case affiliation
            /// The room's owner set its configuration over XMPP (XEP-0045 §10.2).
            case configured
            /// An occupant set the subject: `reason` is the subject, `actor` the nickname that set it.
            case subject
        }

        public var kind: Kind
        public var room: RoomAddress?
        public var nick: Nickname?
        public var jids: [JID]?
        public var role: Role?
        public var affiliation: MUCCore.Affiliation?
        public var reason: String?
        public var actor: String?
        public init(
            kind: Kind, room: RoomAddress? = nil, nick: Nickname? = nil, jids: [JID]? = nil, role: Role? = nil,
            affiliation: MUCCore.Affiliation? = nil, reason: String? = nil, actor: String? = nil
        ) {
            self.kind = kind
            self.room = room
            self.nick = nick
            self.jids = jids
            self.role = role
            self.affiliation = affiliation
            self.reason = reason
            self.actor = actor
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            guard let kind = Kind(rawValue: try object.string("kind")) else { throw .invalidParameter("kind") }
            self.kind = kind
            room = try object.optionalRoom("room")
            nick = try object.optionalNick("nick")
            jids = object.object["jids"] == nil ? nil : try object.jids("jids")
            role = try object.optionalString("role") == nil ? nil : try object.role("role")
            affiliation = try object.optionalString("affiliation") == nil ? nil : try object.affiliation("affiliation")
            reason = try object.optionalString("reason")
            actor = try object.optionalString("actor")
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("kind", kind.rawValue)
            writer.field("room", room?.description)
            writer.field("nick", nick?.description)
            if let jids { writer.field("jids", jids) }
            writer.field("role", role?.rawValue)
            writer.field("affiliation", affiliation?.rawValue)
            writer.field("reason", reason)
            writer.field("actor", actor)
            writer.endObject()
        }
    }
}
