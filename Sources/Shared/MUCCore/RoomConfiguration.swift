/// What an owner configures (XEP-0045 §10.2, the `muc#roomconfig` form) and what survives a restart.
public struct RoomConfiguration: Sendable, Equatable {
    public var name: String?
    public var description: String?
    /// The room's language tag (`muc#roomconfig_lang`).
    public var language: String?
    /// A persistent room stays when empty; a temporary one is destroyed when its last occupant goes.
    public var persistent: Bool
    /// Listed in the service's disco#items; a hidden room is not.
    public var isPublic: Bool
    /// Only members (and admins, owners) may join.
    public var membersOnly: Bool
    /// Who sees occupants' real JIDs.
    public var whois: Whois
    /// Visitors may not speak; participants may.
    public var moderated: Bool
    /// The password a join must carry; nil for none.
    public var password: String?
    /// Whether participants, not only moderators, may change the subject.
    public var changeSubject: Bool
    /// Who may send private messages to occupants.
    public var privateMessages: PrivateMessages
    /// Whether participants may invite others.
    public var allowInvites: Bool
    /// The most occupants the room takes; nil for no limit.
    public var maxUsers: Int?
    /// XEP-0045 §7.2.13: how many of the room's last messages it keeps for joiners
    /// (`muc#roomconfig_historylength`, Prosody's field); 0 keeps none.
    public var historyLength: Int
    /// How many of them a join without `<history/>` gets (`muc#roomconfig_defaulthistorymessages`); never more
    /// than `historyLength`.
    public var defaultHistoryMessages: Int

    /// Prosody 0.12's default for both history settings.
    public static let defaultHistoryLength = 20
    /// The most messages a room may keep (Prosody's `max_history_messages`): a bound on roomd's memory per room.
    public static let maxHistoryLength = 50

    public init(
        name: String? = nil, description: String? = nil, language: String? = nil, persistent: Bool = true,
        isPublic: Bool = true, membersOnly: Bool = false, whois: Whois = .moderators, moderated: Bool = false,
        password: String? = nil, changeSubject: Bool = false, privateMessages: PrivateMessages = .anyone,
        allowInvites: Bool = false, maxUsers: Int? = nil, historyLength: Int = defaultHistoryLength,
        defaultHistoryMessages: Int = defaultHistoryLength
    ) {
        self.name = name
        self.description = description
        self.language = language
        self.persistent = persistent
        self.isPublic = isPublic
        self.membersOnly = membersOnly
        self.whois = whois
        self.moderated = moderated
        self.password = password
        self.changeSubject = changeSubject
        self.privateMessages = privateMessages
        self.allowInvites = allowInvites
        self.maxUsers = maxUsers
        self.historyLength = historyLength
        self.defaultHistoryMessages = defaultHistoryMessages
        clampHistory()
    }

    /// Keeps the history settings within their bounds: the length within 0…`maxHistoryLength`, the default
    /// within 0…length, as Prosody's `set_defaulthistorymessages` does.
    public mutating func clampHistory() {
        historyLength = min(max(historyLength, 0), Self.maxHistoryLength)
        defaultHistoryMessages = min(max(defaultHistoryMessages, 0), historyLength)
    }
}
