/// What an owner configures and what survives a restart.
public struct RoomConfiguration: Sendable, Equatable {
    public var name: String?
    /// A persistent room stays when empty; a temporary one is destroyed when its last occupant goes.
    public var persistent: Bool

    public init(name: String? = nil, persistent: Bool = true) {
        self.name = name
        self.persistent = persistent
    }
}

/// A stored affiliation with the reason given when it was set.
public struct AffiliationEntry: Sendable, Equatable {
    public var affiliation: Affiliation
    public var reason: String?

    public init(affiliation: Affiliation, reason: String? = nil) {
        self.affiliation = affiliation
        self.reason = reason
    }
}
