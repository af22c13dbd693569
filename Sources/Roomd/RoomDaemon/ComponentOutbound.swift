import NIOCore

/// What waits to go out on one component stream, with a bound: written straight to the channel while it
/// takes more (its writability), kept here while it does not.
///
/// The bound counts every byte not yet handed to the kernel, in the channel and here. A burst (one event
/// loop turn renders a large room's presences) may pass `limit` for a moment while the server reads it:
/// the stream is dropped only when the unsent bytes stay over `limit` for `grace` with no write making
/// progress (a server that stopped reading), or at once past `hardLimit`, which bounds the memory
/// whatever happens.
final class ComponentOutbound {
    let limit: Int
    let hardLimit: Int
    let grace: TimeAmount
    private let channel: any Channel
    private var queue = CircularBuffer<ByteBuffer>()
    private(set) var queuedBytes = 0
    /// Written to the channel, not yet taken by the kernel.
    private(set) var bytesInChannel = 0
    private var unflushed = false
    /// Since when the unsent bytes are over `limit` with no write completing.
    private(set) var stalledSince: NIODeadline?
    private var stallCheck: Scheduled<Void>?
    /// Called on the channel's event loop when the stream must be dropped for not reading.
    var onStall: ((String) -> Void)?
    /// Waiting for every byte to be taken by the kernel (`whenSent`).
    private var sentWaiters: [() -> Void] = []

    var unsentBytes: Int { queuedBytes + bytesInChannel }

    init(channel: any Channel, limit: Int, hardLimit: Int? = nil, grace: TimeAmount = .seconds(30)) {
        self.channel = channel
        self.limit = limit
        self.hardLimit = max(hardLimit ?? 2 * limit, limit)
        self.grace = grace
    }

    /// False when `buffer` would take the unsent bytes past `hardLimit`; the caller drops the stream.
    func enqueue(_ buffer: ByteBuffer) -> Bool {
        let size = buffer.readableBytes
        guard unsentBytes + size <= hardLimit else { return false }
        if queue.isEmpty && channel.isWritable {
            write(buffer)
            // Start moving bytes now rather than at the end of the turn: the server can read a burst while
            // the rest of it is rendered.
            if !channel.isWritable { flush() }
        } else {
            queuedBytes += size
            queue.append(buffer)
        }
        noteSize()
        return true
    }

    func flush() {
        guard unflushed else { return }
        unflushed = false
        channel.flush()
    }

    /// The channel takes bytes again: hands it the queue's head until it is full once more.
    func drain() {
        while channel.isWritable, let next = queue.popFirst() {
            queuedBytes -= next.readableBytes
            write(next)
        }
        flush()
    }

    /// Runs `body` once nothing waits to be sent (at once if nothing does); never if the stream closes first.
    func whenSent(_ body: @escaping () -> Void) {
        if unsentBytes == 0 { return body() }
        sentWaiters.append(body)
    }

    /// Stops the stall timer (the stream is closing).
    func close() {
        stallCheck?.cancel()
        stallCheck = nil
        onStall = nil
        sentWaiters.removeAll()
    }

    private func write(_ buffer: ByteBuffer) {
        let size = buffer.readableBytes
        bytesInChannel += size
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            bytesInChannel -= size
            progressed()
        }
        channel.write(buffer, promise: promise)
        unflushed = true
    }

    /// A write completed: the server reads, so the stall clock starts again (or stops, under the bound).
    private func progressed() {
        if unsentBytes == 0, !sentWaiters.isEmpty {
            let waiters = sentWaiters
            sentWaiters.removeAll()
            for waiter in waiters { waiter() }
        }
        if unsentBytes <= limit {
            stalledSince = nil
            stallCheck?.cancel()
            stallCheck = nil
        } else {
            stalledSince = channel.eventLoop.now
        }
    }

    private func noteSize() {
        guard unsentBytes > limit, stalledSince == nil else { return }
        stalledSince = channel.eventLoop.now
        scheduleStallCheck()
    }

    private func scheduleStallCheck() {
        guard stallCheck == nil, let since = stalledSince else { return }
        stallCheck = channel.eventLoop.assumeIsolated().scheduleTask(deadline: since + grace) { [self] in
            stallCheck = nil
            guard let since = stalledSince else { return }
            if channel.eventLoop.now - since >= grace {
                onStall?(
                    "\(unsentBytes) bytes wait to be sent, over the \(limit) of --xmpp-send-queue-kib, and nothing"
                        + " was taken for \(grace.nanoseconds / 1_000_000_000) s")
            } else {
                scheduleStallCheck()
            }
        }
    }
}
