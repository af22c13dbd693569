import NIOCore

/// Where and how roomd attaches to an XMPP server as the component for one MUC domain (XEP-0114).
public struct ComponentConfiguration: Sendable {
    public var domain: String
    public var host: String
    public var port: Int
    /// Read from a file or the environment by the executable, never from the command line.
    public var secret: String
    /// From the start of a connection to the server's `<handshake/>`: a server that accepts and then says
    /// nothing (stopped, wedged, or not an XMPP server at all) is left for another attempt.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Read silence after which roomd sends an XEP-0199 ping to its own domain. The server routes it back,
    /// which proves it still reads the stream and routes stanzas; the ping is also the stream's keepalive.
    public var pingAfter: TimeAmount = .seconds(60)
    /// How long that ping may take to come back before the stream is dropped and reconnected. A silent
    /// server is noticed after at most `pingAfter + pingTimeout`.
    public var pingTimeout: TimeAmount = .seconds(30)
    /// Unsent bytes (in the channel and queued) over which a server that takes nothing for `pingTimeout`
    /// gets its stream dropped; twice this drops it at once. A large room's burst (one message reflected
    /// to every occupant) passes through this one stream, so the bound leaves room for bursts while still
    /// capping what a server that stopped reading costs: presences to its occupants are worth less than
    /// roomd's memory.
    public var sendQueueLimit: Int = 16 * 1024 * 1024

    public init(domain: String, host: String, port: Int, secret: String) {
        self.domain = domain.lowercased()
        self.host = host
        self.port = port
        self.secret = secret
    }

    /// The three liveness intervals, in seconds.
    public mutating func setTimeouts(handshake: Double, pingAfter: Double, pingTimeout: Double) {
        func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1_000_000_000)) }
        handshakeTimeout = amount(handshake)
        self.pingAfter = amount(pingAfter)
        self.pingTimeout = amount(pingTimeout)
    }

    /// Whether `host` is certainly on this machine. XEP-0114 has no encryption: anywhere else, the secret's
    /// digest and every stanza cross a network, and whoever answers on that address gets the digest.
    public var isLoopback: Bool {
        let name = host.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name == "[::1]" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
