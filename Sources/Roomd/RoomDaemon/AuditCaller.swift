/// Who a change is recorded against in the audit log: a uid (a Unix-socket caller, or roomd itself), or -1
/// and the name of a caller over TLS.
struct AuditCaller: Sendable, Equatable {
    var uid: Int64
    var name: String?
}
