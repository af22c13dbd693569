/// How long the audit log keeps records. Pruning deletes a bounded number of rows per step so that no turn of
/// the event loop stalls on a large backlog (after the limits are lowered, say).
public struct AuditRetention: Sendable, Equatable {
    /// Records older than this many milliseconds go; nil keeps them whatever their age.
    public var maxAge: Int64?
    /// Only the newest this many records stay; nil keeps any number.
    public var maxRows: Int?
    /// Rows deleted per step at most.
    public var batch: Int = 500
    /// Milliseconds between pruning passes when there was nothing left to delete.
    public var interval: Int64 = 60_000

    public static let millisecondsPerDay: Int64 = 86_400_000

    public init(maxAgeDays: Int?, maxRows: Int?) {
        self.maxAge = maxAgeDays.map { Int64($0) * Self.millisecondsPerDay }
        self.maxRows = maxRows
    }

    /// Whether anything is ever pruned.
    public var isEnabled: Bool { maxAge != nil || maxRows != nil }
}
