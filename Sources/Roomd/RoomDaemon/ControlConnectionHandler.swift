import ControlFraming
import ControlProtocol
import Logging
import NIOCore

/// Feeds the calls of one connection, framed by the `VarlinkFrameDecoder` before it in the pipeline, to the
/// room service; their replies go into the service's turn, which sends them in order once it has committed.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = VarlinkFrame
    typealias OutboundOut = ByteBuffer

    private let service: RoomService
    private let logger: Logger
    private var connection: ControlConnection?
    /// Frames not handled yet: those that arrived before the peer's credentials were known, and those held
    /// back while the replies so far wait to be written. Nothing more is read meanwhile, so this holds at
    /// most what one read brought.
    private var held = CircularBuffer<VarlinkFrame>()
    /// Calls wait in `held` until the replies so far have been written.
    private var holdingBack = false
    private var closing = false

    /// The replies of one turn that make a connection's further calls wait for the next: one read can carry
    /// thousands of small calls with large replies, more than the connection's high water mark (which stops
    /// the next read, not this one) should let roomd buffer.
    static let maxBufferedReplies = 1 << 20

    /// How the caller is learnt: from the kernel on the Unix socket (except in tests on channels without a
    /// socket), from the TLS handshake on the TLS listener.
    private let identify: (any Channel) -> EventLoopFuture<ControlIdentity>

    init(
        service: RoomService, logger: Logger,
        credentials: @escaping (any Channel) -> EventLoopFuture<PeerCredentials> = PeerCredentials.of
    ) {
        self.service = service
        self.logger = logger
        let policy = service.policy
        self.identify = { channel in
            credentials(channel).map { ControlIdentity(peer: .local($0), level: policy.level(for: $0)) }
        }
    }

    init(service: RoomService, logger: Logger, identify: @escaping (any Channel) -> EventLoopFuture<ControlIdentity>) {
        self.service = service
        self.logger = logger
        self.identify = identify
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        identify(channel).whenComplete { result in
            let (handler, context) = loopBound.value
            switch result {
            case .success(let identity):
                let connection = ControlConnection(channel: channel, identity: identity)
                handler.connection = connection
                handler.service.connectionOpened(connection)
                handler.processHeld(context: context)
            case .failure(is ControlTLSRefusal):
                // Logged where it was decided, with the peer's address.
                context.close(promise: nil)
            case .failure(let error):
                handler.logger.error("cannot read the peer's credentials, closing: \(error)")
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { service.connectionClosed(connection) }
        held.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard connection != nil, !holdingBack, held.isEmpty else {
            held.append(frame)
            return
        }
        process(frame, context: context)
    }

    private func processHeld(context: ChannelHandlerContext) {
        while !holdingBack, connection != nil, let frame = held.popFirst() {
            process(frame, context: context)
        }
    }

    /// Stops handling calls (and reading) once the turn holds `maxBufferedReplies` of this connection's
    /// replies; they go on after the turn has sent them and the connection can take more.
    private func holdBack(context: ChannelHandlerContext) {
        holdingBack = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        // The turn scheduled its end before this task, so the replies are written when it runs.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.resume(context: context)
        }
    }

    /// Takes the calls held back once the connection can take their replies.
    private func resume(context: ChannelHandlerContext) {
        guard holdingBack, context.channel.isActive, context.channel.isWritable else { return }
        holdingBack = false
        processHeld(context: context)
        if !holdingBack { context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resume(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event {
            guard connection?.watching == nil else { return }
            logger.debug(
                "closing an idle control connection", metadata: ["peer": "\(connection?.who ?? "?")"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }

    private func process(_ frame: VarlinkFrame, context: ChannelHandlerContext) {
        guard let connection, !closing, context.channel.isActive else { return }
        switch frame {
        case .tooLarge:
            logger.notice("message over the size limit, closing", metadata: ["peer": "\(connection.who)"])
            replyAndClose(
                RoomsError.messageTooLarge(limit: VarlinkFraming.maxRequestSize).framed(), context: context)
        case .message(let message):
            switch service.handle(frame: message, connection: connection) {
            case .reply(let reply):
                service.turn.reply(reply, to: connection)
                if connection.replies.readableBytes >= Self.maxBufferedReplies { holdBack(context: context) }
            case .replyAndClose(let reply):
                replyAndClose(reply, context: context)
            case .none:
                break
            }
        }
    }

    /// Sends the replies so far (after committing them) and a last one, then closes.
    private func replyAndClose(_ reply: [UInt8], context: ChannelHandlerContext) {
        closing = true
        service.turn.end()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: reply))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
