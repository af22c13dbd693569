/// How hard a commit pushes data to disk.
public enum SyncMode: String, Sendable, CaseIterable {
    /// WAL with `synchronous=NORMAL`: a commit is written to the WAL before the reply, so it survives a
    /// crash or `kill -9` of roomd; a power loss may lose the last commits.
    case normal
    /// `synchronous=FULL`: every commit is fsynced, surviving power loss, at the cost of one fsync per
    /// batch of calls.
    case full
}
