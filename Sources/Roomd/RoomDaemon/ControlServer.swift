#if canImport(Glibc)
    import Glibc
#endif
import Logging
import MUCCore
import NIOCore
import NIOPosix

/// roomd: loads the rooms, publishes the control socket and serves it until `shutdown`.
public final class RoomDaemon: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let socketPath: String
    private let socketInode: UInt64?
    private let logger: Logger
    private let service: NIOLoopBound<RoomService>

    /// Starts serving. One event loop owns every room: calls are short, and a single thread keeps the state
    /// free of locks and the order of events total.
    public static func start(_ configuration: RoomDaemonConfiguration, logger: Logger) throws -> RoomDaemon {
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
        var registry = RoomRegistry(services: configuration.services + configuration.components.map(\.domain))
        do {
            let loaded = try store.loadRooms()
            for room in loaded.rooms { registry.restore(room) }
            let served = loaded.rooms.filter { registry.services.contains($0.address.service) }.count
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

        let loadedRegistry = registry
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let service = try loop.submit {
            NIOLoopBound(
                RoomService(
                    eventLoop: loop, registry: loadedRegistry, store: store, policy: configuration.policy,
                    protectPrivilegedAlways: configuration.protectPrivileged, logger: logger),
                eventLoop: loop)
        }.wait()

        // Bind under a temporary name, set the mode, then rename over the final path: clients never see a
        // socket with the wrong mode, and a stale socket is replaced in one atomic step.
        let temporaryPath = path + ".\(getpid()).tmp"
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1024 * 1024, high: 4 * 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Reads stop while the connection cannot take more replies (the high water mark above):
                    // a client that pipelines calls without reading their replies waits, instead of roomd
                    // buffering the replies without bound.
                    try channel.pipeline.syncOperations.addHandlers(
                        BackPressureHandler(),
                        IdleStateHandler(readTimeout: configuration.controlIdleTimeout),
                        ControlConnectionHandler(service: service.value, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(unixDomainSocketPath: temporaryPath, cleanupExistingSocketFile: true).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw StartupError.cantCreate("cannot bind \(path): \(error)")
        }
        guard chmod(temporaryPath, mode_t(configuration.socketMode)) == 0, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            try? channel.close().wait()
            try? group.syncShutdownGracefully()
            throw StartupError.cantCreate("cannot publish the socket at \(path): \(reason)")
        }
        let components = configuration.components
        let retention = configuration.auditRetention
        try loop.submit {
            for component in components { service.value.addComponent(component) }
            service.value.startPruningAudit(retention)
        }.wait()
        logger.info(
            "listening",
            metadata: ["socket": "\(path)", "services": "\(configuration.services.joined(separator: ","))"])
        return RoomDaemon(
            group: group, serverChannel: channel, socketPath: path, socketInode: ControlSocketPath.inode(path),
            service: service, logger: logger)
    }

    private init(
        group: MultiThreadedEventLoopGroup, serverChannel: any Channel, socketPath: String, socketInode: UInt64?,
        service: NIOLoopBound<RoomService>, logger: Logger
    ) {
        self.service = service
        self.group = group
        self.serverChannel = serverChannel
        self.socketPath = socketPath
        self.socketInode = socketInode
        self.logger = logger
    }

    /// Blocks until the server channel closes.
    public func wait() throws {
        try serverChannel.closeFuture.wait()
    }

    /// Stops accepting, removes the socket (if it is still ours), and stops the event loop. Every change
    /// acknowledged so far was committed before its reply, so nothing is left to save.
    public func shutdown() {
        if ControlSocketPath.inode(socketPath) == socketInode { unlink(socketPath) }
        let service = self.service
        try? serverChannel.eventLoop.submit { service.value.stopComponents() }.wait()
        try? serverChannel.close().wait()
        try? group.syncShutdownGracefully()
        logger.info("stopped")
    }
}
