import MUCCore
import StrictJSON

extension Rooms {
    /// One message of a `Watch` stream.
    public struct Event: VarlinkRecord, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case watching, created, destroyed, joined, left, kicked, banned
            /// XEP-0045 §9.4 (321): an occupant removed because its membership of a members-only room was
            /// revoked; `reason` and `actor` are the affiliation change's.
            case revoked
            /// XEP-0045 §10.2 (322): an occupant removed because the room became members-only.
            case membersonly
            /// A nickname change: `nick` is the new one, `reason` says "was OLD".
            case nick
            case affiliation
            /// A moderator gave an occupant another role over XMPP (XEP-0045 §8.3–8.4, §9.6–9.7): `role` is the
            /// new one.
            case role
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

        /// What watchers are told of an event of the core.
        public init(_ event: RoomEvent) {
            switch event {
            case .created(let room, _):
                self.init(kind: .created, room: room)
            case .destroyed(let room, _, let reason):
                self.init(kind: .destroyed, room: room, reason: reason)
            case .joined(let room, let occupant, let session):
                self.init(
                    kind: .joined, room: room, nick: occupant.nick, jids: [session], role: occupant.role,
                    affiliation: occupant.affiliation)
            case .left(let room, let nick, let session, _):
                self.init(kind: .left, room: room, nick: nick, jids: [session])
            case .kicked(let removed, let reason, let actor), .banned(let removed, let reason, let actor):
                let kind: Kind
                if case .kicked = event { kind = .kicked } else { kind = .banned }
                self.init(
                    kind: kind, room: removed.room, nick: removed.nick, jids: removed.sessions, role: removed.role,
                    affiliation: removed.affiliation, reason: reason, actor: actor)
            case .removed(let removed, let cause, let reason, let actor):
                self.init(
                    kind: cause == .affiliationChanged ? .revoked : .membersonly, room: removed.room,
                    nick: removed.nick, jids: removed.sessions, role: removed.role, affiliation: removed.affiliation,
                    reason: reason, actor: actor)
            case .nickChanged(let room, let old, let occupant):
                // `nick` is the new nickname; the old one is given in `reason` as "was OLD".
                self.init(
                    kind: .nick, room: room, nick: occupant.nick, jids: occupant.sessions, role: occupant.role,
                    affiliation: occupant.affiliation, reason: "was \(old)")
            case .roleChanged(let room, let occupant, _, let reason, let actor):
                self.init(
                    kind: .role, room: room, nick: occupant.nick, jids: occupant.sessions, role: occupant.role,
                    affiliation: occupant.affiliation, reason: reason, actor: actor)
            case .configured(let room, _, _, _):
                self.init(kind: .configured, room: room)
            case .subjectChanged(let room, let subject):
                self.init(kind: .subject, room: room, reason: subject.text, actor: subject.by)
            case .affiliationChanged(let room, let jid, let entry, let actor):
                self.init(
                    kind: .affiliation, room: room, jids: [jid], affiliation: entry.affiliation, reason: entry.reason,
                    actor: actor)
            }
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
