import MUCCore
import StrictJSON

// The records that replies and events are made of. Each is written and read by the same type; the field
// names and their order are the IDL's and the wire's.

extension JSONWriter {
    mutating func field(_ name: String, _ jids: [JID]) {
        key(name)
        beginArray()
        for jid in jids { string(jid.description) }
        endArray()
    }

    public mutating func array(_ items: [some JSONWritable]) {
        beginArray()
        for item in items { item.write(to: &self) }
        endArray()
    }

    public mutating func field(_ name: String, _ item: some JSONWritable) {
        key(name)
        item.write(to: &self)
    }

    public mutating func field(_ name: String, _ items: [some JSONWritable]) {
        key(name)
        array(items)
    }
}

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

    /// One entry of a room's affiliation list.
    public struct AffiliationEntry: VarlinkRecord, Equatable {
        public var jid: JID
        public var affiliation: MUCCore.Affiliation
        public var reason: String?
        public init(jid: JID, affiliation: MUCCore.Affiliation, reason: String?) {
            self.jid = jid
            self.affiliation = affiliation
            self.reason = reason
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            jid = try object.jid("jid")
            affiliation = try object.affiliation("affiliation")
            reason = try object.optionalString("reason")
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("jid", jid.description)
            writer.field("affiliation", affiliation.rawValue)
            writer.field("reason", reason)
            writer.endObject()
        }
    }

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

    /// One message of a `Watch` stream.
    public struct Event: VarlinkRecord, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case watching, created, destroyed, joined, left, kicked, banned
            /// A nickname change: `nick` is the new one, `reason` says "was OLD".
            case nick
            case affiliation
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
        public var uid: Int64
        public init(
            id: Int64, time: String, action: String, room: String, nick: String, jids: [String], reason: String?,
            actor: String?, uid: Int64
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
            writer.endObject()
        }
    }
}
