import MUCCore
import StrictJSON

extension Rooms {
    /// Changes the settings given and leaves the others; none given reads the configuration. An empty
    /// `name`, `description`, `language` or `password` clears it; `maxUsers` 0 is no limit. `historyLength` is
    /// 0…`RoomConfiguration.maxHistoryLength`; a `defaultHistoryMessages` above the length is taken as the length.
    public struct ConfigureRoomParameters: RoomsCall, Equatable {
        public typealias Reply = ConfigureRoomReply
        public static var method: Method { .configureRoom }
        /// The largest `maxUsers` taken, as in the XMPP form.
        public static let maxUsersLimit: Int64 = 1_000_000

        public var room: RoomAddress
        public var name: String?
        public var description: String?
        public var language: String?
        public var persistent: Bool?
        public var isPublic: Bool?
        public var membersOnly: Bool?
        public var whois: Whois?
        public var moderated: Bool?
        public var password: String?
        public var changeSubject: Bool?
        public var allowPM: PrivateMessages?
        public var allowInvites: Bool?
        public var maxUsers: Int?
        public var historyLength: Int?
        public var defaultHistoryMessages: Int?

        public init(room: RoomAddress) { self.room = room }

        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.room("room")
            name = try parameters.optionalText("name", as: .name)
            description = try parameters.optionalText("description", as: .reason)
            language = try parameters.optionalText("language", as: .name)
            persistent = try parameters.optionalBool("persistent")
            isPublic = try parameters.optionalBool("public")
            membersOnly = try parameters.optionalBool("membersOnly")
            if let text = try parameters.optionalString("whois") {
                guard let whois = Whois(rawValue: text) else { throw .invalidParameter("whois") }
                self.whois = whois
            }
            moderated = try parameters.optionalBool("moderated")
            password = try parameters.optionalText("password", as: .name)
            changeSubject = try parameters.optionalBool("changeSubject")
            if let text = try parameters.optionalString("allowPM") {
                guard let allowPM = PrivateMessages(rawValue: text) else { throw .invalidParameter("allowPM") }
                self.allowPM = allowPM
            }
            allowInvites = try parameters.optionalBool("allowInvites")
            if let limit = try parameters.optionalInt("maxUsers") {
                guard limit >= 0, limit <= Self.maxUsersLimit else { throw .invalidParameter("maxUsers") }
                maxUsers = Int(limit)
            }
            historyLength = try Self.historyCount(parameters, "historyLength")
            defaultHistoryMessages = try Self.historyCount(parameters, "defaultHistoryMessages")
        }

        /// A number of history messages, 0…`RoomConfiguration.maxHistoryLength`.
        private static func historyCount(_ parameters: ParameterReader, _ name: String) throws(RoomsError) -> Int? {
            guard let count = try parameters.optionalInt(name) else { return nil }
            guard count >= 0, count <= Int64(RoomConfiguration.maxHistoryLength) else {
                throw .invalidParameter(name)
            }
            return Int(count)
        }

        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room.description)
            if let name { writer.field("name", name) }
            if let description { writer.field("description", description) }
            if let language { writer.field("language", language) }
            if let persistent { writer.field("persistent", persistent) }
            if let isPublic { writer.field("public", isPublic) }
            if let membersOnly { writer.field("membersOnly", membersOnly) }
            if let whois { writer.field("whois", whois.rawValue) }
            if let moderated { writer.field("moderated", moderated) }
            if let password { writer.field("password", password) }
            if let changeSubject { writer.field("changeSubject", changeSubject) }
            if let allowPM { writer.field("allowPM", allowPM.rawValue) }
            if let allowInvites { writer.field("allowInvites", allowInvites) }
            if let maxUsers { writer.field("maxUsers", Int64(maxUsers)) }
            if let historyLength { writer.field("historyLength", Int64(historyLength)) }
            if let defaultHistoryMessages { writer.field("defaultHistoryMessages", Int64(defaultHistoryMessages)) }
        }

        /// Whether the call changes nothing (a read).
        public var changesNothing: Bool {
            name == nil && description == nil && language == nil && persistent == nil && isPublic == nil
                && membersOnly == nil && whois == nil && moderated == nil && password == nil && changeSubject == nil
                && allowPM == nil && allowInvites == nil && maxUsers == nil && historyLength == nil
                && defaultHistoryMessages == nil
        }

        /// `configuration` with the settings this call gives.
        public func applied(to configuration: RoomConfiguration) -> RoomConfiguration {
            var c = configuration
            if let name { c.name = name.isEmpty ? nil : name }
            if let description { c.description = description.isEmpty ? nil : description }
            if let language { c.language = language.isEmpty ? nil : language }
            if let persistent { c.persistent = persistent }
            if let isPublic { c.isPublic = isPublic }
            if let membersOnly { c.membersOnly = membersOnly }
            if let whois { c.whois = whois }
            if let moderated { c.moderated = moderated }
            if let password { c.password = password.isEmpty ? nil : password }
            if let changeSubject { c.changeSubject = changeSubject }
            if let allowPM { c.privateMessages = allowPM }
            if let allowInvites { c.allowInvites = allowInvites }
            if let maxUsers { c.maxUsers = maxUsers == 0 ? nil : maxUsers }
            if let historyLength { c.historyLength = historyLength }
            if let defaultHistoryMessages { c.defaultHistoryMessages = defaultHistoryMessages }
            c.clampHistory()
            return c
        }
    }
}
