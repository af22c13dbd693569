import MUCComponent
import NIOCore
import XMLStream

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

    /// While the server does not take roomd's output, roomd stops taking its input: each inbound stanza may
    /// cause more output (presences to a room's occupants), which would only fill the queue faster.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        // Turning autoRead back on makes the channel read again by itself.
        context.channel.setOption(ChannelOptions.autoRead, value: writable).whenFailure { _ in }
        connection.writabilityChanged(isWritable: writable)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        connection.bytesRead()
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
                context.writeAndFlush(
                    wrapOutboundOut(ByteBuffer(string: connection.handshake(streamID: id))), promise: nil)
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
