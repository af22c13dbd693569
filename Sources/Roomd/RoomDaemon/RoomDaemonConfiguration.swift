import MUCCore
import NIOCore

/// Everything roomd is started with.
public struct RoomDaemonConfiguration: Sendable {
    public var socketPath: String
    public var stateDirectory: String
    public var services: [String]
    public var policy: AccessPolicy
    public var sync: SyncMode
    /// Refuse kicks of owners and admins whatever the caller asks.
    public var protectPrivileged: Bool
    /// Mode of the control socket (0660: the owner and the socket's group).
    public var socketMode: UInt32
    /// XEP-0114 component streams; each domain is served as well.
    public var components: [ComponentConfiguration] = []
    /// A control connection that sends nothing this long is closed, unless it is watching (a watcher
    /// only reads). The responder reconnects on its next kick.
    public var controlIdleTimeout: TimeAmount = .minutes(5)
    public var auditRetention = AuditRetention(maxAgeDays: 365, maxRows: 1_000_000)
    /// Who may create rooms, limits, service admins (`MUCCore.ServicePolicy`).
    public var servicePolicy = ServicePolicy()
    /// XEP-0045 §10.1.1: how long a room a join created stays locked when its owner never configures it
    /// (Prosody's `muc_room_lock_timeout`, with its default).
    public var lockTimeout: TimeAmount = .seconds(300)
    /// The control protocol over TLS as well (`--listen-tls`), or not.
    public var tls: ControlTLSSettings?

    public init(
        socketPath: String, stateDirectory: String, services: [String], policy: AccessPolicy = AccessPolicy(),
        sync: SyncMode = .normal, protectPrivileged: Bool = false, socketMode: UInt32 = 0o660
    ) {
        self.socketPath = socketPath
        self.stateDirectory = stateDirectory
        self.services = services
        self.policy = policy
        self.sync = sync
        self.protectPrivileged = protectPrivileged
        self.socketMode = socketMode
    }
}
