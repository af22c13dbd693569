#if canImport(Glibc)
    import Glibc
#endif
import ControlFraming
import Logging
import MUCCore
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// roomd's control socket as a service: `prepare` loads the rooms; `run` publishes the socket and serves it
/// until graceful shutdown, then removes it. The component streams are services of their own
/// (`componentLinks`), run in the same group on the same event loop, which the caller shuts down
/// (`shutdownEventLoop`) once the whole group has returned.
public final class ControlServer: Service, Sendable {
    private let configuration: RoomDaemonConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let service: NIOLoopBound<RoomService>
    /// One per `--xmpp-component`, to run beside this service.
    public let componentLinks: [ComponentLinkService]
    /// The TLS listener's files as read at start, when `--listen-tls` is given.
    private let tlsMaterial: ControlTLSMaterial?

    /// Checks the configuration, loads the rooms and makes the event loop that owns them; nothing is
    /// published yet. One event loop owns every room: calls are short, and a single thread keeps the state
    /// free of locks and the order of events total.
    public static func prepare(_ configuration: RoomDaemonConfiguration, logger: Logger) throws
        -> ControlServer
    {
        guard !configuration.services.isEmpty || !configuration.components.isEmpty else {
            throw StartupError.config("no MUC service configured: pass --service DOMAIN at least once")
        }
        for service in configuration.services {
            guard (try? JID(parsing: service)).map({ $0.node == nil && $0.isBare }) == true else {
                throw StartupError.config("--service '\(service)' is not a domain")
            }
        }
        try StateDirectory.prepare(configuration.stateDirectory)
        let store: RoomStore
        do {
            store = try RoomStore(directory: configuration.stateDirectory, sync: configuration.sync)
        } catch {
            throw StartupError.cantCreate("cannot open the state database in \(configuration.stateDirectory): \(error)")
        }
        var registry = RoomRegistry(
            services: configuration.services + configuration.components.map(\.domain),
            policy: configuration.servicePolicy)
        do {
            let loaded = try store.loadRooms()
            registry.restore(contentsOf: loaded.rooms)
            let served = loaded.rooms.keys.reduce(0) { $0 + (registry.services.contains($1.service) ? 1 : 0) }
            logger.info(
                "state loaded",
                metadata: [
                    "rooms": "\(loaded.rooms.count)", "served": "\(served)",
                    "droppedTemporary": "\(loaded.droppedTemporary)",
                ])
            if !loaded.unreadable.isEmpty {
                logger.warning("skipped unreadable rooms in the database: \(loaded.unreadable.prefix(5))")
            }
        } catch {
            throw StartupError.ioError("cannot read the state database: \(error)")
        }

        let path = configuration.socketPath
        switch ControlSocketPath.inspect(path) {
        case .liveSocket:
            throw StartupError.unavailable("another roomd is already listening on \(path)")
        case .notASocket:
            throw StartupError.cantCreate("\(path) exists and is not a socket; not replacing it")
        case .staleSocket:
            logger.notice("replacing the stale socket \(path)")
        case .nothing:
            break
        }

        var tlsMaterial: ControlTLSMaterial?
        if let tls = configuration.tls {
            do {
                tlsMaterial = try ControlTLSMaterial.load(tls)
            } catch {
                throw StartupError.config("--listen-tls: \(error)")
            }
        }

        let loadedRegistry = registry
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let made: (NIOLoopBound<RoomService>, [ComponentLinkService])
        do {
            made = try loop.submit {
                let service = RoomService(
                    eventLoop: loop, registry: loadedRegistry, store: store, policy: configuration.policy,
                    protectPrivilegedAlways: configuration.protectPrivileged, logger: logger)
                let links = configuration.components.map {
                    ComponentLinkService(service.addComponent($0), eventLoop: loop)
                }
                service.startPruningAudit(configuration.auditRetention)
                service.lockTimeout = configuration.lockTimeout
                return (NIOLoopBound(service, eventLoop: loop), links)
            }.wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw StartupError.software("cannot start the event loop: \(error)")
        }
        return ControlServer(
            configuration: configuration, group: group, service: made.0, componentLinks: made.1,
            tlsMaterial: tlsMaterial, logger: logger)
    }

    private init(
        configuration: RoomDaemonConfiguration, group: MultiThreadedEventLoopGroup, service: NIOLoopBound<RoomService>,
        componentLinks: [ComponentLinkService], tlsMaterial: ControlTLSMaterial?, logger: Logger
    ) {
        self.configuration = configuration
        self.group = group
        self.service = service
        self.componentLinks = componentLinks
        self.tlsMaterial = tlsMaterial
        self.logger = logger
    }

    /// Publishes the socket and serves until graceful shutdown (or cancellation), then removes the socket (if
    /// it is still ours) and stops the event loop. Every change acknowledged so far was committed before its
    /// reply, so nothing is left to save.
    public func run() async throws {
        let channel: any Channel
        channel = try await bind()
        let path = configuration.socketPath
        let inode = ControlSocketPath.inode(path)
        let tls: (listener: NIOLoopBound<ControlTLSListener>, channel: any Channel)?
        do {
            tls = try await bindTLS()
        } catch {
            if ControlSocketPath.inode(path) == inode { unlink(path) }
            try? await channel.close()
            throw error
        }
        logger.info(
            "listening",
            metadata: ["socket": "\(path)", "services": "\(configuration.services.joined(separator: ","))"])
        let reloads = Task { if let tls { await reloadOnHangUp(tls.listener) } }
        await withTaskCancellationHandler {
            try? await withGracefulShutdownHandler {
                try await channel.closeFuture.get()
            } onGracefulShutdown: {
                self.logger.info("stopping")
                tls?.channel.close(promise: nil)
                channel.close(promise: nil)
            }
        } onCancel: {
            tls?.channel.close(promise: nil)
            channel.close(promise: nil)
        }
        reloads.cancel()
        if ControlSocketPath.inode(path) == inode { unlink(path) }
        try? await tls?.channel.close()
        try? await channel.close()
        logger.info("stopped")
    }

    /// Listens on `--listen-tls`, if given.
    private func bindTLS() async throws(StartupError) -> (
        listener: NIOLoopBound<ControlTLSListener>, channel: any Channel
    )? {
        guard let settings = configuration.tls, let material = tlsMaterial else { return nil }
        let service = self.service
        let idleTimeout = configuration.controlIdleTimeout
        let logger = self.logger
        do {
            let listener = try await service.eventLoop.submit {
                NIOLoopBound(
                    ControlTLSListener(
                        settings: settings, material: material, service: service.value, idleTimeout: idleTimeout,
                        logger: logger), eventLoop: service.eventLoop)
            }.get()
            let channel = try await service.eventLoop.flatSubmit { listener.value.bind() }.get()
            logger.info(
                "listening (TLS)",
                metadata: [
                    "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                    "callers": "\(material.callers.tokens.count) tokens, \(material.callers.certificates.count) certificates, \(material.callers.authorities.count) CAs",
                ])
            return (listener: listener, channel: channel)
        } catch {
            throw StartupError.cantCreate("cannot listen on \(settings.host):\(settings.port): \(error)")
        }
    }

    /// SIGHUP re-reads the TLS listener's certificate, key and callers. A file that does not read, or that
    /// does not agree with the others, leaves everything as it was, and the log says why.
    private func reloadOnHangUp(_ listener: NIOLoopBound<ControlTLSListener>) async {
        guard let settings = configuration.tls else { return }
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            do {
                let material = try ControlTLSMaterial.load(settings)
                try? await service.eventLoop.submit { listener.value.replace(material) }.get()
                logger.notice(
                    "reloaded the TLS certificate and callers",
                    metadata: [
                        "certificate": "\(settings.certificatePath)",
                        "callers": "\(material.callers.tokens.count) tokens, \(material.callers.certificates.count) certificates, \(material.callers.authorities.count) CAs",
                    ])
            } catch {
                logger.error("reload refused, keeping the previous TLS certificate and callers: \(error)")
            }
        }
    }

    /// Stops the event loop that runs the rooms, the control connections and the component streams; for
    /// after the group's services have all returned.
    public func shutdownEventLoop() async {
        try? await group.shutdownGracefully()
    }

    /// The pipeline of a control connection on the Unix socket.
    static func configure(
        _ channel: any Channel, service: RoomService, idleTimeout: TimeAmount, logger: Logger,
        credentials: @escaping (any Channel) -> EventLoopFuture<PeerCredentials> = PeerCredentials.of
    ) throws {
        try configure(
            channel, idleTimeout: idleTimeout,
            handler: ControlConnectionHandler(service: service, logger: logger, credentials: credentials))
    }

    /// The same pipeline after a TLS handler (`ControlTLSListener`), whose handshake says who the caller is.
    static func configure(
        _ channel: any Channel, service: RoomService, idleTimeout: TimeAmount, logger: Logger,
        identify: @escaping (any Channel) -> EventLoopFuture<ControlIdentity>
    ) throws {
        try configure(
            channel, idleTimeout: idleTimeout,
            handler: ControlConnectionHandler(service: service, logger: logger, identify: identify))
    }

    private static func configure(
        _ channel: any Channel, idleTimeout: TimeAmount, handler: ControlConnectionHandler
    ) throws {
        // Reads stop while the connection cannot take more replies (the high water mark): a client that
        // pipelines calls without reading their replies waits, instead of roomd buffering the replies without
        // bound.
        try channel.pipeline.syncOperations.addHandlers(
            BackPressureHandler(),
            IdleStateHandler(readTimeout: idleTimeout),
            ByteToMessageHandler(VarlinkFrameDecoder()),
            handler)
    }

    /// Binds under a temporary name, sets the mode, then renames over the final path: clients never see a
    /// socket with the wrong mode, and a stale socket is replaced in one atomic step.
    private func bind() async throws(StartupError) -> any Channel {
        let path = configuration.socketPath
        let temporaryPath = path + ".\(getpid()).tmp"
        let service = self.service
        let logger = self.logger
        let idleTimeout = configuration.controlIdleTimeout
        let bootstrap = ServerBootstrap(group: service.eventLoop)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1024 * 1024, high: 4 * 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, service: service.value, idleTimeout: idleTimeout, logger: logger)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: temporaryPath, cleanupExistingSocketFile: true)
                .get()
        } catch {
            throw StartupError.cantCreate("cannot bind \(path): \(error)")
        }
        guard chmod(temporaryPath, mode_t(configuration.socketMode)) == 0, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            try? await channel.close()
            throw StartupError.cantCreate("cannot publish the socket at \(path): \(reason)")
        }
        return channel
    }
}
