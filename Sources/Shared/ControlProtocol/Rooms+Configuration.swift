import MUCCore
import StrictJSON

extension Rooms {
    /// A room's configuration as the control socket shows it (XEP-0045 §10.2's settings). The password
    /// itself is not shown, only whether there is one.
    public struct Configuration: VarlinkRecord, Equatable {
        public var name: String?
        public var description: String?
        public var language: String?
        public var persistent: Bool
        public var isPublic: Bool
        public var membersOnly: Bool
        public var whois: Whois
        public var moderated: Bool
        public var passwordProtected: Bool
        public var changeSubject: Bool
        public var allowPM: PrivateMessages
        public var allowInvites: Bool
        public var maxUsers: Int?
        public var historyLength: Int
        public var defaultHistoryMessages: Int

        public init(_ c: RoomConfiguration) {
            name = c.name
            description = c.description
            language = c.language
            persistent = c.persistent
            isPublic = c.isPublic
            membersOnly = c.membersOnly
            whois = c.whois
            moderated = c.moderated
            passwordProtected = c.password != nil
            changeSubject = c.changeSubject
            allowPM = c.privateMessages
            allowInvites = c.allowInvites
            maxUsers = c.maxUsers
            historyLength = c.historyLength
            defaultHistoryMessages = c.defaultHistoryMessages
        }

        public init(reading object: ParameterReader) throws(RoomsError) {
            name = try object.optionalString("name")
            description = try object.optionalString("description")
            language = try object.optionalString("language")
            persistent = try object.bool("persistent")
            isPublic = try object.bool("public")
            membersOnly = try object.bool("membersOnly")
            guard let whois = Whois(rawValue: try object.string("whois")) else { throw .invalidParameter("whois") }
            self.whois = whois
            moderated = try object.bool("moderated")
            passwordProtected = try object.bool("passwordProtected")
            changeSubject = try object.bool("changeSubject")
            guard let allowPM = PrivateMessages(rawValue: try object.string("allowPM")) else {
                throw .invalidParameter("allowPM")
            }
            self.allowPM = allowPM
            allowInvites = try object.bool("allowInvites")
            maxUsers = try object.optionalInt("maxUsers").flatMap { Int(exactly: $0) }
            // Absent from a roomd older than the history settings: its rooms kept no history.
            historyLength = try object.optionalInt("historyLength").flatMap { Int(exactly: $0) } ?? 0
            defaultHistoryMessages = try object.optionalInt("defaultHistoryMessages").flatMap { Int(exactly: $0) } ?? 0
        }

        public func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.field("name", name)
            writer.field("description", description)
            writer.field("language", language)
            writer.field("persistent", persistent)
            writer.field("public", isPublic)
            writer.field("membersOnly", membersOnly)
            writer.field("whois", whois.rawValue)
            writer.field("moderated", moderated)
            writer.field("passwordProtected", passwordProtected)
            writer.field("changeSubject", changeSubject)
            writer.field("allowPM", allowPM.rawValue)
            writer.field("allowInvites", allowInvites)
            if let maxUsers { writer.field("maxUsers", Int64(maxUsers)) }
            writer.field("historyLength", Int64(historyLength))
            writer.field("defaultHistoryMessages", Int64(defaultHistoryMessages))
            writer.endObject()
        }
    }
}
