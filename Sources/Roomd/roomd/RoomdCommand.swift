import ArgumentParser
import CBuildInfo
import CExpat
import CSQLite
import Logging
import MUCCore
import RoomDaemon
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

@main
struct RoomdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomd",
        abstract: "The muc-kick room daemon: owns MUC rooms and serves the varlink control socket.",
        discussion: """
            Logs go to standard error. SIGTERM or SIGINT stops it cleanly (exit 0). SIGHUP re-reads the TLS
            listener's certificate, key and callers file (a file that does not read keeps the previous ones); without
            --listen-tls it is ignored.
            """,
        version: [
            "roomd (muc-kick)", String(cString: muckick_c_libraries_line()),
            "SQLite \(String(cString: sqlite3_libversion())), \(String(cString: XML_ExpatVersion()))",
        ].joined(separator: "\n"))

    @Option(help: "Path of the control socket.")
    var socket = "/run/muc-kick/roomd.sock"

    @Option(help: "Directory for the state database.")
    var stateDir = "/var/lib/muc-kick"

    @Option(name: .customLong("service"), help: "A MUC domain to serve (repeatable).")
    var services: [String] = []

    @Option(help: "Group whose members may kick and read (Kick, Get*, List*, Watch).")
    var kickGroup: String?

    @Option(help: "Group whose members may do everything.")
    var adminGroup: String?

    @Option(help: "Durability of commits: normal (survives a crash of roomd) or full (fsync; survives power loss).")
    var sync: String = "normal"

    @Flag(help: "Refuse to kick owners and admins, whatever the caller asks.")
    var protectPrivileged = false

    @Option(
        name: .customLong("xmpp-component"),
        help: ArgumentHelp(
            "Attach to an XMPP server as the component for a MUC domain: DOMAIN=HOST:PORT (repeatable).",
            discussion: "The secret comes from --xmpp-secret-file or $ROOMD_XMPP_SECRET, never the command line."))
    var xmppComponents: [String] = []

    @Option(help: "File holding the component secret(s): one line, or DOMAIN=SECRET lines for several domains.")
    var xmppSecretFile: String?

    @Option(help: "Seconds after which a control connection that sends nothing is closed (watchers excepted).")
    var controlIdleTimeout: Int = 300

    @Option(help: "Seconds from connecting to the XMPP server to its <handshake/> before roomd tries again.")
    var xmppHandshakeTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Seconds without a byte from the XMPP server before roomd pings it (XEP-0199, routed back to itself).",
            discussion: "A silent server is dropped after --xmpp-ping-after plus --xmpp-ping-timeout."))
    var xmppPingAfter: Double = 60

    @Option(help: "Seconds that ping may take to come back before the stream is dropped and reconnected.")
    var xmppPingTimeout: Double = 30

    @Option(
        name: .customLong("xmpp-send-queue-kib"),
        help: ArgumentHelp(
            "KiB of unsent output over which a stream whose server takes nothing for --xmpp-ping-timeout is dropped.",
            discussion: "Twice as much is never held: past that the stream is dropped at once."))
    var xmppSendQueueKiB: Int = 16384

    @Option(
        help: ArgumentHelp(
            "Who may create a room by joining it: anyone, local (users of the XMPP server's domain) or admins.",
            discussion: "Service admins may always; the control socket (roomctl create) is not held to it."))
    var roomCreation: String = "anyone"

    @Option(
        name: .customLong("local-domain"),
        help: ArgumentHelp(
            "A domain whose users are local for --room-creation local (repeatable).",
            discussion: "Default: the domain each MUC service is a subdomain of (chat.example.org: example.org)."))
    var localDomains: [String] = []

    @Option(
        name: .customLong("service-admin"),
        help: "A JID that is an owner of every room: may enter, configure and destroy any room (repeatable).")
    var serviceAdmins: [String] = []

    @Option(help: "Rooms one user may have created (and not yet destroyed) at once (0: no limit).")
    var maxRoomsPerUser: Int = 0

    @Option(help: "Occupants a room takes at most, whatever its own maxusers (0: no limit).")
    var maxOccupants: Int = 0

    @Option(help: "Seconds a room a join created stays locked when its owner never configures it.")
    var lockTimeout: Double = 300

    @Option(help: "Days the audit log keeps a record (0: no age limit).")
    var auditMaxAge: Int = 365

    @Option(help: "Audit records kept at most, the newest (0: no limit).")
    var auditMaxRows: Int = 1_000_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(
        help: ArgumentHelp(
            "Serve the control protocol over TLS as well, on HOST:PORT ([ADDRESS]:PORT for IPv6).",
            discussion: "Needs --tls-certificate and --tls-key; callers are identified by --tls-callers."))
    var listenTls: String?

    @Option(help: "PEM file with the TLS listener's certificate (then any intermediates); re-read on SIGHUP.")
    var tlsCertificate: String?

    @Option(help: "PEM file with the TLS listener's private key; re-read on SIGHUP.")
    var tlsKey: String?

    @Option(
        help: ArgumentHelp(
            "File naming who may call over TLS and at what level; re-read on SIGHUP.",
            discussion: "Lines KIND NAME LEVEL CREDENTIAL: token NAME kick|admin sha256:HEX, cert NAME kick|admin "
                + "sha256:FINGERPRINT, ca NAME kick|admin /path/ca.pem (docs/control-protocol.md)."))
    var tlsCallers: String?

    @Option(help: "Seconds a TLS peer has to finish its handshake before it is dropped.")
    var tlsHandshakeTimeout: Double = 10

    @Option(help: "TLS connections open at once; more are closed as they come.")
    var tlsMaxConnections: Int = 1024

    @Flag(help: "Read a token on standard input, print the sha256: line for --tls-callers, and exit.")
    var hashToken = false

    func run() async throws {
        if hashToken { printTokenHash() }
        guard let level = Logger.Level(rawValue: logLevel) else { fail("unknown --log-level '\(logLevel)'", 64) }
        guard let syncMode = SyncMode(rawValue: sync) else { fail("--sync must be normal or full", 64) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "roomd")
        var policy = AccessPolicy()
        if let kickGroup {
            guard let gid = AccessPolicy.gid(named: kickGroup) else { fail("unknown group '\(kickGroup)'", 67) }
            policy.kickGroup = gid
        }
        if let adminGroup {
            guard let gid = AccessPolicy.gid(named: adminGroup) else { fail("unknown group '\(adminGroup)'", 67) }
            policy.adminGroup = gid
        }
        var configuration = RoomDaemonConfiguration(
            socketPath: socket, stateDirectory: stateDir, services: services, policy: policy, sync: syncMode,
            protectPrivileged: protectPrivileged)
        configuration.components = componentConfigurations()
        guard controlIdleTimeout > 0, controlIdleTimeout <= 86_400 * 365 else {
            fail("--control-idle-timeout must be between 1 and 31536000 seconds", 64)
        }
        configuration.controlIdleTimeout = .seconds(Int64(controlIdleTimeout))
        guard auditMaxAge >= 0, auditMaxAge <= 100_000 else { fail("--audit-max-age must be 0 to 100000 days", 64) }
        guard auditMaxRows >= 0 else { fail("--audit-max-rows must not be negative", 64) }
        configuration.servicePolicy = servicePolicy()
        guard lockTimeout.isFinite, lockTimeout >= 1, lockTimeout <= 86_400 else {
            fail("--lock-timeout must be between 1 and 86400 seconds", 64)
        }
        configuration.lockTimeout = .milliseconds(Int64(lockTimeout * 1000))
        configuration.auditRetention = AuditRetention(
            maxAgeDays: auditMaxAge == 0 ? nil : auditMaxAge, maxRows: auditMaxRows == 0 ? nil : auditMaxRows)
        configuration.tls = tlsSettings()

        for component in configuration.components where !component.isLoopback {
            // The handshake is SHA-1(stream id + secret) in clear: whoever answers on that address can try to
            // guess the secret offline, and reads every stanza.
            let warning =
                "the component link for \(component.domain) goes to \(component.host):\(component.port), not loopback:"
                + " XEP-0114 has no encryption, so the handshake and every stanza cross the network in clear;"
                + " keep it on loopback or a trusted network, with a long random secret (docs/deploy.md)"
            logger.warning("\(warning)")
        }

        // A terminal hang-up, or a supervisor's reload, would otherwise end roomd with a status systemd counts as
        // clean, dropping every occupant.
        signal(SIGHUP, SIG_IGN)
        // Past a file-size limit (RLIMIT_FSIZE) the write must fail with EFBIG, which SQLite reports and roomd
        // survives like a full disk, instead of the signal killing it.
        signal(SIGXFSZ, SIG_IGN)

        let server: ControlServer
        do {
            server = try ControlServer.prepare(configuration, logger: logger)
        } catch let error as StartupError {
            fail(error.message, error.exitCode)
        }
        // Stopped in the reverse order: the component streams close before the socket.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "control")
        ]
        for link in server.componentLinks {
            services.append(.init(service: link, serviceName: "component \(link.domain)"))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Every change acknowledged was committed before its reply, so a stop has nothing to save: one that
        // hangs (a peer that never lets a socket close) is cut short rather than holding off the supervisor.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch let error as StartupError {
            await server.shutdownEventLoop()
            fail(error.message, error.exitCode)
        }
        await server.shutdownEventLoop()
    }

    /// `--listen-tls` and its files, each checked; nil without it.
    private func tlsSettings() -> ControlTLSSettings? {
        guard let listenTls else {
            guard tlsCertificate == nil, tlsKey == nil, tlsCallers == nil else {
                fail("--tls-certificate, --tls-key and --tls-callers need --listen-tls", 64)
            }
            return nil
        }
        guard let colon = listenTls.lastIndex(of: ":"), let port = Int(listenTls[listenTls.index(after: colon)...]),
            (1...65535).contains(port)
        else { fail("--listen-tls must be HOST:PORT, not '\(listenTls)'", 64) }
        var host = String(listenTls[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { fail("--listen-tls must be HOST:PORT, not '\(listenTls)'", 64) }
        guard let tlsCertificate, let tlsKey else { fail("--listen-tls needs --tls-certificate and --tls-key", 64) }
        var settings = ControlTLSSettings(
            host: host, port: port, certificatePath: tlsCertificate, keyPath: tlsKey, callersPath: tlsCallers)
        guard tlsHandshakeTimeout.isFinite, tlsHandshakeTimeout >= 0.05, tlsHandshakeTimeout <= 3600 else {
            fail("--tls-handshake-timeout must be between 0.05 and 3600 seconds", 64)
        }
        settings.handshakeTimeout = .milliseconds(Int64(tlsHandshakeTimeout * 1000))
        guard (1...1_000_000).contains(tlsMaxConnections) else {
            fail("--tls-max-connections must be between 1 and 1000000", 64)
        }
        settings.maxConnections = tlsMaxConnections
        return settings
    }

    /// `--hash-token`: the token from standard input (never argv, which every local user can read), its
    /// trailing line end dropped.
    private func printTokenHash() -> Never {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 64 * 1024 {
            let count = read(0, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { fail("--hash-token: no token on standard input", 65) }
        print(ControlCallers.hashedToken(String(decoding: bytes, as: UTF8.self)))
        Glibc.exit(0)
    }

    /// The service policy from its options, each checked.
    private func servicePolicy() -> ServicePolicy {
        guard let creation = ServicePolicy.Creation(rawValue: roomCreation) else {
            fail("--room-creation must be anyone, local or admins", 64)
        }
        var admins: [JID] = []
        for text in serviceAdmins {
            guard let jid = try? JID(parsing: text), jid.isBare else {
                fail("--service-admin '\(text)' is not a bare JID", 64)
            }
            admins.append(jid)
        }
        for domain in localDomains {
            guard (try? JID(parsing: domain)).map({ $0.node == nil && $0.isBare }) == true else {
                fail("--local-domain '\(domain)' is not a domain", 64)
            }
        }
        guard maxRoomsPerUser >= 0 else { fail("--max-rooms-per-user must not be negative", 64) }
        guard maxOccupants >= 0 else { fail("--max-occupants must not be negative", 64) }
        return ServicePolicy(
            creation: creation, localDomains: Set(localDomains), admins: admins,
            maxRoomsPerUser: maxRoomsPerUser == 0 ? nil : maxRoomsPerUser,
            maxOccupants: maxOccupants == 0 ? nil : maxOccupants)
    }

    /// `DOMAIN=HOST:PORT` options with their secrets.
    private func componentConfigurations() -> [ComponentConfiguration] {
        guard !xmppComponents.isEmpty else { return [] }
        var secrets: [String: String] = [:]
        var defaultSecret = getenv("ROOMD_XMPP_SECRET").map { String(cString: $0) }
        if let path = xmppSecretFile {
            guard let text = try? readSmallFile(path) else { fail("cannot read --xmpp-secret-file \(path)", 66) }
            let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            if lines.count == 1 && !lines[0].contains("=") {
                defaultSecret = lines[0]
            } else {
                for line in lines {
                    guard let equals = line.firstIndex(of: "=") else {
                        fail("--xmpp-secret-file: expected DOMAIN=SECRET lines", 78)
                    }
                    secrets[line[..<equals].lowercased()] = String(line[line.index(after: equals)...])
                }
            }
        }
        return xmppComponents.map { option in
            guard let equals = option.firstIndex(of: "="), let colon = option.lastIndex(of: ":"), colon > equals,
                let port = Int(option[option.index(after: colon)...]), (1...65535).contains(port)
            else { fail("--xmpp-component must be DOMAIN=HOST:PORT, not '\(option)'", 64) }
            let domain = option[..<equals].lowercased()
            let host = String(option[option.index(after: equals)..<colon])
            guard let secret = secrets[domain] ?? defaultSecret, !secret.isEmpty else {
                fail("no component secret for \(domain): use --xmpp-secret-file or ROOMD_XMPP_SECRET", 78)
            }
            var configuration = ComponentConfiguration(domain: domain, host: host, port: port, secret: secret)
            configuration.setTimeouts(
                handshake: seconds(xmppHandshakeTimeout, "--xmpp-handshake-timeout"),
                pingAfter: seconds(xmppPingAfter, "--xmpp-ping-after"),
                pingTimeout: seconds(xmppPingTimeout, "--xmpp-ping-timeout"))
            guard (16...(1024 * 1024)).contains(xmppSendQueueKiB) else {
                fail("--xmpp-send-queue-kib must be between 16 and 1048576", 64)
            }
            configuration.sendQueueLimit = xmppSendQueueKiB * 1024
            return configuration
        }
    }

    private func seconds(_ value: Double, _ option: String) -> Double {
        guard value.isFinite, value >= 0.05, value <= 86_400 else {
            fail("\(option) must be between 0.05 and 86400 seconds", 64)
        }
        return value
    }

    private func readSmallFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StartupFileError() }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        let count = read(fd, &bytes, bytes.count)
        guard count >= 0 else { throw StartupFileError() }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }

    private func fail(_ message: String, _ code: Int32) -> Never {
        writeError("roomd: \(message)\n")
        Glibc.exit(code)
    }
}

/// Writes straight to fd 2: the C `stderr` global is not concurrency-safe in Swift 6.
func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
