/// A stored affiliation with the reason given when it was set.
public struct AffiliationEntry: Sendable, Equatable {
    public var affiliation: Affiliation
    public var reason: String?

    public init(affiliation: Affiliation, reason: String? = nil) {
        self.affiliation = affiliation
        self.reason = reason
    }
}
