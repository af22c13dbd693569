import Logging
import MUCComponent
import NIOCore
import NIOPosix
import XMLStream

/// Where and how roomd attaches to an XMPP server as the component for one MUC domain (XEP-0114).
public struct ComponentConfiguration: Sendable {
    public var domain: String
    public var host: String
    public var port: Int
    /// Read from a file or the environment by the executable, never from the command line.
    public var secret: String

    public init(domain: String, host: String, port: Int, secret: String) {
        self.domain = domain.lowercased()
        self.host = host
        self.port = port
        self.secret = secret
    }
}

/// One component stream to the XMPP server: connects, authenticates with the handshake, hands stanzas to the
/// room service, and reconnects with exponential backoff whenever the stream ends.
///
/// Lives on the room service's event loop, like everything that touches the rooms.
final class ComponentConnection {
    let configuration: ComponentConfiguration
    let mucService: MUCComponentService
    private let eventLoop: any EventLoop
    private let logger: Logger
    private unowned let roomService: RoomService
    private var channel: (any Channel)?
    private(set) var isReady = false
    private var stopped = false
    private var backoff: TimeAmount = .milliseconds(500)
    static let maxBackoff: TimeAmount = .seconds(30)

    init(configuration: ComponentConfiguration, roomService: RoomService, logger: Logger) {
        self.configuration = configuration
        self.mucService = MUCComponentService(domain: configuration.domain)
        self.eventLoop = roomService.eventLoop
        self.roomService = roomService
        var logger = logger
        logger[metadataKey: "component"] = "\(configuration.domain)"
        self.logger = logger
    }

    func start() {
        eventLoop.assertInEventLoop()
        connect()
    }

    func stop() {
        eventLoop.assertInEventLoop()
        stopped = true
        if let channel, isReady {
            channel.writeAndFlush(ByteBuffer(string: "</stream:stream>"), promise: nil)
        }
        channel?.close(promise: nil)
    }

    private func connect() {
        guard !stopped else { return }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                // The channel is on this connection's event loop, so the handler is made where it will live.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ComponentStreamHandler(connection: loopBound.value))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .whenComplete { result in
                let connection = loopBound.value
                switch result {
                case .success(let channel):
                    connection.channel = channel
                    channel.closeFuture.whenComplete { _ in loopBound.value.connectionClosed() }
                case .failure(let error):
                    connection.logger.warning(
                        "cannot connect to the XMPP server at \(connection.configuration.host):\(connection.configuration.port): \(error)")
                    connection.scheduleReconnect()
                }
            }
    }

    private func connectionClosed() {
        if isReady { logger.warning("component stream closed") }
        isReady = false
        channel = nil
        scheduleReconnect()
    }

    private func scheduleReconnect() {
        guard !stopped else { return }
        let delay = backoff
        backoff = min(backoff * 2, Self.maxBackoff)
        logger.info("reconnecting in \(delay.nanoseconds / 1_000_000) ms")
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: delay) { loopBound.value.connect() }
    }

    // MARK: Called by the stream handler

    var streamHeader: String {
        "<?xml version='1.0'?><stream:stream xmlns='\(Namespace.component)' "
            + "xmlns:stream='\(Namespace.streams)' to='\(XMLEscaping.attribute(configuration.domain))'>"
    }

    func handshake(streamID: String) -> String {
        "<handshake>\(ComponentHandshake.digest(streamID: streamID, secret: configuration.secret))</handshake>"
    }

    func authenticated() {
        isReady = true
        backoff = .milliseconds(500)
        logger.notice("component authenticated; serving \(configuration.domain)")
    }

    func streamError(_ element: XMLElement) {
        let condition = element.elements.first { $0.namespace == Namespace.streamErrors && $0.name != "text" }?.name
        let text = element.child("text", namespace: Namespace.streamErrors)?.text
        switch condition {
        case "not-authorized":
            logger.error("the XMPP server refused the component secret (not-authorized)\(text.map { ": \($0)" } ?? "")")
        case "conflict":
            logger.error("another component is already connected for \(configuration.domain) (conflict)")
        case "host-unknown":
            logger.error("the XMPP server does not know \(configuration.domain) as a component (host-unknown)")
        default:
            logger.error("stream error from the XMPP server: \(condition ?? "unknown")\(text.map { ": \($0)" } ?? "")")
        }
    }

    func closingWithError(_ error: XMLStreamError) {
        logger.error("closing the component stream: \(error.condition) (\(error))")
    }

    /// A stanza too deep to read: its sender gets an error, the stream goes on.
    func refused(_ header: XMLElement) {
        logger.notice("refused a stanza nested too deep", metadata: ["from": "\(header["from"] ?? "?")"])
        roomService.send(mucService.refusal(of: header), via: self)
    }

    func received(_ stanza: XMLElement) {
        roomService.handleStanza(stanza, from: self)
    }

    func endOfRead() {
        roomService.endOfBatch()
    }

    /// Queues stanzas on the stream; the room service flushes after committing.
    func write(_ stanzas: [XMLElement]) -> Bool {
        guard isReady, let channel, !stanzas.isEmpty else { return false }
        var text = ""
        for stanza in stanzas { text += stanza.serialized(parentNamespace: Namespace.component) }
        channel.write(ByteBuffer(string: text), promise: nil)
        return true
    }

    func flush() {
        channel?.flush()
    }
}

/// Bytes to stanzas for one component stream: the header exchange, the handshake, then stanzas.
final class ComponentStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private unowned let connection: ComponentConnection
    private let parser = XMLStreamParser()
    private var authenticated = false

    init(connection: ComponentConnection) {
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: connection.streamHeader)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let events: [XMLStreamEvent]
        do {
            events = try buffer.withUnsafeReadableBytes { raw in try parser.feed(raw) }
        } catch {
            let failure = error as? XMLStreamError ?? .notWellFormed("\(error)")
            connection.closingWithError(failure)
            let message =
                "<stream:error><\(failure.condition) xmlns='\(Namespace.streamErrors)'/></stream:error></stream:stream>"
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: message))).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        for event in events {
            switch event {
            case .streamOpened(let attributes):
                guard let id = attributes["id"] else {
                    context.close(promise: nil)
                    return
                }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: connection.handshake(streamID: id))), promise: nil)
            case .element(let element):
                if element.name == "error" && element.namespace == Namespace.streams {
                    connection.streamError(element)
                    context.close(promise: nil)
                    return
                }
                if !authenticated {
                    if element.name == "handshake" {
                        authenticated = true
                        connection.authenticated()
                    }
                    continue
                }
                connection.received(element)
            case .refusedTooDeep(let header):
                if authenticated { connection.refused(header) }
            case .streamClosed:
                context.close(promise: nil)
                return
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if authenticated { connection.endOfRead() }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
