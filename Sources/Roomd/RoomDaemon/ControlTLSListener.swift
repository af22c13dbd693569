import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The control protocol over TLS on TCP (`--listen-tls`): the same pipeline as the Unix socket's (framing,
/// size limit, idle timeout, back-pressure, one event loop) behind a TLS handler, a handshake deadline and a
/// limit on open connections. The certificate, key and callers can be replaced while it runs (`reload`).
/// Lives on the rooms' event loop, like the connections it makes.
final class ControlTLSListener {
    private let settings: ControlTLSSettings
    private let service: RoomService
    private let idleTimeout: TimeAmount
    private let logger: Logger
    private var material: ControlTLSMaterial
    private var openConnections = 0

    init(
        settings: ControlTLSSettings, material: ControlTLSMaterial, service: RoomService, idleTimeout: TimeAmount,
        logger: Logger
    ) {
        self.settings = settings
        self.material = material
        self.service = service
        self.idleTimeout = idleTimeout
        self.logger = logger
        service.replaceCallers(material.callers)
    }

    /// Later connections use the new files; open ones keep their session, but their callers are looked up
    /// again (a revoked one is disconnected).
    func replace(_ material: ControlTLSMaterial) {
        self.material = material
        service.replaceCallers(material.callers)
    }

    func bind() -> EventLoopFuture<any Channel> {
        let loopBound = NIOLoopBound(self, eventLoop: service.eventLoop)
        return ServerBootstrap(group: service.eventLoop)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1024 * 1024, high: 4 * 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try loopBound.value.configure(channel) }
            }
            .bind(host: settings.host, port: settings.port)
    }

    private func configure(_ channel: any Channel) throws {
        let address = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        guard openConnections < settings.maxConnections else {
            logger.warning(
                "too many TLS connections, refusing one",
                metadata: ["peer": "\(address)", "limit": "\(settings.maxConnections)"])
            channel.close(promise: nil)
            return
        }
        openConnections += 1
        let loopBound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        channel.closeFuture.whenComplete { _ in loopBound.value.openConnections -= 1 }

        let callers = material.callers
        let handshake = ControlTLSHandshakeHandler(
            callers: callers, timeout: settings.handshakeTimeout, address: address, eventLoop: channel.eventLoop,
            logger: logger)
        let record = handshake.verification
        let tls = try NIOSSLServerHandler.withChainVerification(context: material.context) { result, certificate in
            ControlTLSHandshakeHandler.verify(result, certificate, callers: callers, record: record)
        }
        try channel.pipeline.syncOperations.addHandlers(tls, handshake)
        try ControlServer.configure(
            channel, service: service, idleTimeout: idleTimeout, logger: logger,
            identify: { _ in handshake.identity })
    }
}

/// NIOSSL's per-certificate verification callback, the one that sees BoringSSL's verdict for each
/// certificate of the chain: the newer callbacks replace BoringSSL's verification whole, and roomd wants it
/// kept for CA-issued certificates, with an exception only for pinned ones. NIOSSL marks the initialiser
/// deprecated; a protocol requirement reaches it without repeating the warning at each use.
private protocol ChainVerifyingServerHandler {
    init(context: NIOSSLContext, verificationCallback: NIOSSLVerificationCallback?) throws
}

extension NIOSSLServerHandler: ChainVerifyingServerHandler {}

extension NIOSSLServerHandler {
    static func withChainVerification(
        context: NIOSSLContext, _ callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLServerHandler {
        let type: any ChainVerifyingServerHandler.Type = NIOSSLServerHandler.self
        guard let handler = try type.init(context: context, verificationCallback: callback) as? NIOSSLServerHandler
        else { fatalError("NIOSSLServerHandler.init returned another type") }
        return handler
    }
}
