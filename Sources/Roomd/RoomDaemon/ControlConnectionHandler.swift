import ControlFraming
import ControlProtocol
import Logging
import NIOCore

/// Feeds the calls of one connection to the room service and sends the replies in order, after the
/// service has made the batch durable.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let service: RoomService
    private let logger: Logger
    private var connection: ControlConnection?
    /// Frames that arrived before the peer's credentials were known.
    private var waiting: [VarlinkFrame] = []
    private var splitter = VarlinkFrameSplitter()
    /// Bytes of a message not complete yet.
    private var pending: ByteBuffer?
    /// The replies not sent yet, written at once after the commit at the end of the event loop's turn.
    private var replies: ByteBuffer
    /// Whether calls were handled since the replies were last handed to the service.
    private var processedCalls = false
    /// Replies in `replies` given after their batch changed something: they stand only if it commits.
    private var provisional: [(bytes: Range<Int>, batch: CommitBatch)] = []

    init(service: RoomService, logger: Logger) {
        self.service = service
        self.logger = logger
        self.replies = ByteBufferAllocator().buffer(capacity: 0)
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        PeerCredentials.of(channel).whenComplete { result in
            let (handler, context) = loopBound.value
            switch result {
            case .success(let peer):
                let connection = ControlConnection(
                    channel: channel, peer: peer, level: handler.service.policy.level(for: peer))
                handler.connection = connection
                handler.service.connectionOpened(connection)
                let frames = handler.waiting
                handler.waiting = []
                for frame in frames { handler.process(frame, context: context) }
                handler.finishBatch(context: context)
            case .failure(let error):
                handler.logger.error("cannot read the peer's credentials, closing: \(error)")
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { service.connectionClosed(connection) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        if var previous = pending {
            pending = nil
            previous.writeBuffer(&input)
            input = previous
        }
        consume(&input, context: context)
    }

    /// Frames and handles the calls in `input`; what is left (a message not complete yet, or calls held
    /// back) waits in `pending`. Calls are held back once their replies pass `maxBufferedReplies`: one read
    /// can carry thousands of small calls with large replies, more than the connection's high water mark
    /// (which stops the next read, not this one) should let roomd buffer.
    private func consume(_ input: inout ByteBuffer, context: ChannelHandlerContext) {
        while !holdingBack, let frame = splitter.next(&input) {
            if connection == nil {
                waiting.append(frame)
            } else {
                process(frame, context: context)
            }
            if case .tooLarge = frame { return }
            if replies.readableBytes >= Self.maxBufferedReplies {
                holdingBack = true
                // Nothing more is read meanwhile: `pending` holds at most what one read brought.
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            }
        }
        if input.readableBytes > 0 {
            input.discardReadBytes()
            pending = input
        }
    }

    /// The replies of one turn that make a connection's calls wait for the next.
    static let maxBufferedReplies = 1 << 20
    /// Calls wait in `pending` until the replies so far have been written.
    private var holdingBack = false

    /// Takes the calls held back once the connection can take their replies.
    private func resume(context: ChannelHandlerContext) {
        guard holdingBack, context.channel.isActive, context.channel.isWritable else { return }
        holdingBack = false
        if var input = pending {
            pending = nil
            consume(&input, context: context)
            finishBatch(context: context)
        }
        if !holdingBack { context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resume(context: context)
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        finishBatch(context: context)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event {
            guard connection?.watching == nil else { return }
            logger.debug("closing an idle control connection", metadata: ["peer": "\(connection?.peer.description ?? "?")"])
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
        guard let connection, context.channel.isActive else { return }
        switch frame {
        case .tooLarge:
            logger.notice("message over the size limit, closing", metadata: ["peer": "\(connection.peer)"])
            replyAndClose(
                RoomsError.messageTooLarge(limit: VarlinkFraming.maxRequestSize).framed(),
                context: context)
        case .message(let message):
            processedCalls = true
            switch service.handle(frame: message, connection: connection) {
            case .reply(let reply):
                let start = replies.writerIndex
                replies.writeBytes(reply)
                if service.holdsUncommittedChanges {
                    provisional.append((start..<replies.writerIndex, service.batch))
                }
            case .replyAndClose(let reply):
                replyAndClose(reply, context: context)
            case .none:
                break
            }
        }
    }

    /// Sends the replies so far (after committing them) and a last one, then closes.
    private func replyAndClose(_ reply: [UInt8], context: ChannelHandlerContext) {
        service.endOfBatch()
        settleReplies()
        replies.writeBytes(reply)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(replies)).whenComplete { _ in channel.close(promise: nil) }
        replies = channel.allocator.buffer(capacity: 0)
    }

    /// Sends this read's replies after the service has committed what their calls changed, at the end of
    /// the event loop's turn (see `RoomService.sendAfterCommit`).
    private func finishBatch(context: ChannelHandlerContext) {
        guard processedCalls else { return }
        processedCalls = false
        service.sendAfterCommit(self, context: context)
    }

    func sendReplies(context: ChannelHandlerContext) {
        settleReplies()
        guard replies.readableBytes > 0 else { return }
        guard context.channel.isActive else {
            replies.clear()
            return
        }
        context.writeAndFlush(wrapOutboundOut(replies), promise: nil)
        // Usually the socket took the bytes during the flush and NIO let go of the buffer, so clearing
        // reuses its storage for the next replies; otherwise `clear` gives a new one.
        replies.clear()
        if holdingBack {
            // The held-back calls go on in a later turn (after this one's commit), or when the connection
            // is writable again.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.resume(context: context)
            }
        }
    }

    /// Replaces each reply whose batch the disk refused with the refusal: the change it reported, or the state
    /// it read, was undone.
    private func settleReplies() {
        defer { provisional.removeAll(keepingCapacity: true) }
        guard provisional.contains(where: { $0.batch.failed }) else { return }
        let refusal = service.storageUnavailable.framed()
        var settled = ByteBufferAllocator().buffer(capacity: replies.readableBytes)
        var cursor = replies.readerIndex
        for (bytes, batch) in provisional {
            settled.writeImmutableBuffer(replies.getSlice(at: cursor, length: bytes.lowerBound - cursor)!)
            if batch.failed {
                settled.writeBytes(refusal)
            } else {
                settled.writeImmutableBuffer(replies.getSlice(at: bytes.lowerBound, length: bytes.count)!)
            }
            cursor = bytes.upperBound
        }
        settled.writeImmutableBuffer(replies.getSlice(at: cursor, length: replies.writerIndex - cursor)!)
        replies = settled
    }
}
