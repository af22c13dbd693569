import MUCCore
import StrictJSON

extension Rooms {
    public struct SetAffiliationParameters: RoomsCall, Equatable {
        public typealias Reply = RemovedReply
        public static var method: Method { .setAffiliation }
        public var room: RoomAddress
        public var jid: JID
        public var affiliation: MUCCore.Affiliation
        public var reason: String?
        public var actor: String?
        public init(
            room: RoomAddress, jid: JID, affiliation: MUCCore.Affiliation, reason: String? = nil, actor: String? = nil
        ) {
            self.room = room
            self.jid = jid
            self.affiliation = affiliation
            self.reason = reason
            self.actor = actor
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            jid = try parameters.jid("jid")
            affiliation = try parameters.affiliation("affiliation")
            reason = try parameters.optionalText("reason", as: .reason)
            actor = try parameters.optionalText("actor", as: .actor)
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            writer.field("jid", jid.description)
            writer.field("affiliation", affiliation.rawValue)
            writer.field("reason", reason)
            writer.field("actor", actor)
        }
    }
}
