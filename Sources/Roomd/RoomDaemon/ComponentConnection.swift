import Logging
import MUCComponent
import NIOCore
import NIOPosix
import XMLStream

/// One component stream to the XMPP server: connects, authenticates with the handshake, hands stanzas to its
/// delegate (the room service), and reconnects with exponential backoff whenever the stream ends.
///
/// The stream is watched both ways: output goes through a bounded queue (a server that does not read is
/// dropped, not buffered for), and read silence is answered with a ping that must come back (a server that
/// does not answer is dropped, not waited for). Whatever ends a stream, its XMPP occupants leave the rooms,
/// and what roomd means for the server until the next stream is authenticated is held for it, bounded (the
/// occupants' 333 presences among it). A stop tells each occupant (332) before the stream ends.
///
/// Lives on the room service's event loop, like everything that touches the rooms. The `ComponentHub` owns it;
/// it knows the room service only as its weak `delegate`.
final class ComponentConnection {
    let configuration: ComponentConfiguration
    let mucService: MUCComponentService
    private let eventLoop: any EventLoop
    private let logger: Logger
    weak var delegate: (any ComponentConnectionDelegate)?
    private var channel: (any Channel)?
    private var outbound: ComponentOutbound?
    private(set) var isReady = false
    private var stopped = false
    private var backoff: TimeAmount = .milliseconds(500)
    static let maxBackoff: TimeAmount = .seconds(30)

    /// Counts connection attempts, so that a timer set for an earlier stream does nothing to a later one.
    private var attempt = 0
    private var handshakeDeadline: Scheduled<Void>?
    /// The attempt whose handshake deadline passed before its connection was even made.
    private var expiredAttempt = 0
    private var livenessCheck: Scheduled<Void>?
    private var lastRead = NIODeadline.uptimeNanoseconds(0)
    private var pendingPing: (id: String, deadline: NIODeadline)?
    private var pingCount = 0
    static let pingPrefix = "roomd-ping-"

    /// What roomd meant for the XMPP server while the stream was down (between a loss and the next
    /// authentication), serialized one stanza each, oldest first; sent as soon as a stream is authenticated.
    /// Bounded by `sendQueueLimit` bytes: past it the oldest go first, counted in `heldDropped` and logged.
    private var held = CircularBuffer<String>()
    private(set) var heldBytes = 0
    private(set) var heldDropped = 0
    var heldCount: Int { held.count }

    init(configuration: ComponentConfiguration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.mucService = MUCComponentService(domain: configuration.domain)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "component"] = "\(configuration.domain)"
        self.logger = logger
    }

    func start() {
        eventLoop.assertInEventLoop()
        connect()
    }

    /// Closes the stream for good: every XMPP occupant is first told it is out (332, `removalNotices`), then
    /// the stream ends and its side is closed once the server has taken every byte. The future completes
    /// when the connection is closed (or at once if there is none), so that the event loop is not shut down
    /// under the notices.
    @discardableResult
    func stop() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        guard !stopped else { return channel?.closeFuture ?? eventLoop.makeSucceededVoidFuture() }
        stopped = true
        cancelTimers()
        if !held.isEmpty || heldDropped > 0 {
            logger.warning(
                "roomd stops with stanzas held for the XMPP server while the component stream was down; they are lost",
                metadata: ["stanzas": "\(held.count)", "dropped": "\(heldDropped)"])
            held.removeAll()
            heldBytes = 0
            heldDropped = 0
        }
        guard let channel else { return eventLoop.makeSucceededVoidFuture() }
        guard isReady, let outbound else {
            channel.close(promise: nil)
            return channel.closeFuture
        }
        let notices = delegate?.componentStopping(self) ?? []
        if !notices.isEmpty {
            logger.notice(
                "telling the XMPP occupants roomd stops (status 332)", metadata: ["sessions": "\(notices.count)"])
            _ = write(notices)
        }
        _ = writeRaw("</stream:stream>")
        isReady = false
        outbound.flush()
        // The server answers the end of the stream by closing its side; a server that does not is not waited for.
        let closing = eventLoop.scheduleTask(in: min(.seconds(5), configuration.pingTimeout)) {
            channel.close(promise: nil)
        }
        outbound.whenSent { channel.close(mode: .output, promise: nil) }
        channel.closeFuture.whenComplete { _ in closing.cancel() }
        return channel.closeFuture
    }

    private func connect() {
        guard !stopped else { return }
        attempt += 1
        let thisAttempt = attempt
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        handshakeDeadline = eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            loopBound.value.handshakeTimedOut(attempt: thisAttempt)
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(min(.seconds(5), configuration.handshakeTimeout))
            // NIO's defaults, stated because the send queue's documented bound adds to them.
            .channelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
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
                    guard thisAttempt == connection.attempt, !connection.stopped else {
                        channel.close(promise: nil)
                        return
                    }
                    connection.adopt(channel)
                    if connection.expiredAttempt == thisAttempt { connection.handshakeTimedOut(attempt: thisAttempt) }
                case .failure(let error):
                    guard thisAttempt == connection.attempt else { return }
                    connection.handshakeDeadline?.cancel()
                    connection.logger.warning(
                        "cannot connect to the XMPP server at \(connection.configuration.host):\(connection.configuration.port): \(error)"
                    )
                    connection.scheduleReconnect()
                }
            }
    }

    /// Makes a connected channel, whose pipeline has a `ComponentStreamHandler` for this connection, the
    /// stream of the current attempt.
    func adopt(_ channel: any Channel) {
        let thisAttempt = attempt
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        self.channel = channel
        let outbound = ComponentOutbound(
            channel: channel, limit: configuration.sendQueueLimit, grace: configuration.pingTimeout)
        outbound.onStall = { reason in loopBound.value.drop("the XMPP server does not read it: \(reason)") }
        self.outbound = outbound
        channel.closeFuture.whenComplete { _ in loopBound.value.connectionClosed(attempt: thisAttempt) }
    }

    private func handshakeTimedOut(attempt: Int) {
        guard attempt == self.attempt, !isReady else { return }
        guard let channel else {
            expiredAttempt = attempt
            return
        }
        logger.warning(
            "no handshake from the XMPP server within \(Self.seconds(configuration.handshakeTimeout)); closing the connection"
        )
        channel.close(promise: nil)
    }

    private func connectionClosed(attempt: Int) {
        guard attempt == self.attempt else { return }
        if isReady { logger.warning("component stream closed") }
        isReady = false
        channel = nil
        outbound?.close()
        outbound = nil
        cancelTimers()
        // Shutting down ends the process, and with it every occupant: nothing to leave, nothing to commit.
        // Otherwise the leaves wait for the current call to return: a stream dropped at its queue's bound
        // is closed from inside the room service, in the middle of sending a batch's presences.
        if !stopped {
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.execute {
                let connection = loopBound.value
                guard !connection.stopped else { return }
                connection.delegate?.componentStreamLost(connection)
            }
        }
        scheduleReconnect()
    }

    private func cancelTimers() {
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
        livenessCheck?.cancel()
        livenessCheck = nil
        pendingPing = nil
    }

    private func scheduleReconnect() {
        guard !stopped else { return }
        let delay = backoff
        backoff = min(backoff * 2, Self.maxBackoff)
        logger.info("reconnecting in \(delay.nanoseconds / 1_000_000) ms")
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: delay) { loopBound.value.connect() }
    }

    /// Closes the stream for a reason of roomd's; reconnection and the occupants' leaving follow from the close.
    private func drop(_ reason: String) {
        guard let channel else { return }
        logger.warning("dropping the component stream: \(reason)")
        isReady = false
        channel.close(promise: nil)
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    // MARK: Liveness

    private func scheduleLivenessCheck(at deadline: NIODeadline) {
        livenessCheck?.cancel()
        let thisAttempt = attempt
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        livenessCheck = eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.checkLiveness(attempt: thisAttempt)
        }
    }

    private func checkLiveness(attempt: Int) {
        guard attempt == self.attempt, isReady else { return }
        let now = eventLoop.now
        if let pendingPing {
            guard now >= pendingPing.deadline else { return scheduleLivenessCheck(at: pendingPing.deadline) }
            drop(
                "the XMPP server did not answer a keepalive ping within \(Self.seconds(configuration.pingTimeout))"
                    + " (nothing read for \(Self.seconds(now - lastRead)))")
            return
        }
        let due = lastRead + configuration.pingAfter
        guard now >= due else { return scheduleLivenessCheck(at: due) }
        pingCount += 1
        let id = "\(Self.pingPrefix)\(pingCount)"
        let deadline = now + configuration.pingTimeout
        pendingPing = (id, deadline)
        let domain = XMLEscaping.attribute(configuration.domain)
        logger.debug("sending a keepalive ping", metadata: ["id": "\(id)"])
        // To our own domain: the server routes it back to this stream, so its return shows the server reads
        // what roomd writes and still routes, which an answer from the server alone would not.
        let ping = "<iq type='get' id='\(id)' from='\(domain)' to='\(domain)'><ping xmlns='urn:xmpp:ping'/></iq>"
        guard writeRaw(ping) else { return }
        outbound?.flush()
        scheduleLivenessCheck(at: deadline)
    }

    /// Our own ping, routed back, or the server's answer to it: either way, it did not reach the rooms.
    private func isKeepalive(_ stanza: XMLElement) -> Bool {
        guard stanza.name == "iq", let id = stanza["id"], id.hasPrefix(Self.pingPrefix),
            stanza["from"]?.lowercased() == configuration.domain
        else { return false }
        if id == pendingPing?.id {
            logger.debug("keepalive ping answered", metadata: ["id": "\(id)", "type": "\(stanza["type"] ?? "")"])
            pendingPing = nil
            scheduleLivenessCheck(at: lastRead + configuration.pingAfter)
        }
        return true
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
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
        lastRead = eventLoop.now
        scheduleLivenessCheck(at: lastRead + configuration.pingAfter)
        logger.notice("component authenticated; serving \(configuration.domain)")
        sendHeld()
    }

    /// Keeps a stanza that cannot go out now; the oldest are dropped past the bound.
    private func hold(_ text: String) {
        held.append(text)
        heldBytes += text.utf8.count
        while heldBytes > configuration.sendQueueLimit, let oldest = held.popFirst() {
            heldBytes -= oldest.utf8.count
            heldDropped += 1
        }
    }

    private func sendHeld() {
        guard !held.isEmpty || heldDropped > 0 else { return }
        logger.notice(
            "sending what was held for the XMPP server while the component stream was down",
            metadata: ["stanzas": "\(held.count)", "dropped": "\(heldDropped)"])
        if heldDropped > 0 {
            logger.warning(
                "stanzas held while the component stream was down passed --xmpp-send-queue-kib; the oldest were dropped",
                metadata: ["dropped": "\(heldDropped)"])
        }
        var text = ""
        while let next = held.popFirst() { text += next }
        heldBytes = 0
        heldDropped = 0
        guard writeRaw(text) else { return }
        outbound?.flush()
    }

    func bytesRead() {
        lastRead = eventLoop.now
    }

    func writabilityChanged(isWritable: Bool) {
        if isWritable { outbound?.drain() }
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
        guard isReady else { return }
        logger.notice("refused a stanza nested too deep", metadata: ["from": "\(header["from"] ?? "?")"])
        delegate?.component(self, send: mucService.refusal(of: header))
    }

    func received(_ stanza: XMLElement) {
        // Stanzas parsed from the same read as the one that dropped the stream arrive after its occupants
        // left: a join among them would bring back an occupant nobody can reach.
        guard isReady, !isKeepalive(stanza) else { return }
        delegate?.component(self, received: stanza)
    }

    /// Queues stanzas on the stream; the turn flushes after committing. Past the queue's bound the
    /// stream is dropped and the stanzas are lost with it. While the stream is down they are held for the
    /// next one (`held`), and false is returned: there is nothing to flush.
    func write(_ stanzas: [XMLElement]) -> Bool {
        guard !stanzas.isEmpty else { return false }
        guard isReady else {
            guard !stopped else { return false }
            for stanza in stanzas { hold(stanza.serialized(parentNamespace: Namespace.component)) }
            return false
        }
        var text = ""
        for stanza in stanzas { text += stanza.serialized(parentNamespace: Namespace.component) }
        return writeRaw(text)
    }

    private func writeRaw(_ text: String) -> Bool {
        guard isReady, let outbound else { return false }
        guard outbound.enqueue(ByteBuffer(string: text)) else {
            drop(
                "the XMPP server does not read it: \(outbound.unsentBytes) bytes wait to be sent, and this would"
                    + " pass \(outbound.hardLimit) (twice --xmpp-send-queue-kib)")
            return false
        }
        return true
    }

    func flush() {
        outbound?.flush()
    }
}
