import MUCCore
import StrictJSON

extension Rooms {
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
}
