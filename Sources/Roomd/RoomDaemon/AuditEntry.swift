/// One row of the audit log as the store keeps it: the texts as they were recorded, the time in
/// milliseconds since the epoch. The control socket turns it into the wire's `Rooms.AuditRecord`.
struct AuditEntry: Sendable, Equatable {
    var id: Int64
    var milliseconds: Int64
    /// `kick` or `ban`.
    var action: String
    var room: String
    var nick: String
    var jids: [String]
    var reason: String?
    var actor: String?
    /// The uid of the control-socket caller, roomd's own for XMPP-initiated changes, -1 over TLS.
    var uid: Int64
    /// The name of a caller over TLS (`certificate:NAME`, `token:NAME`).
    var caller: String? = nil
}
