import NIOCore

/// What waits to go out on one component stream, with a bound: written straight to the channel while it
/// takes more (its writability), kept here while it does not, refused beyond `limit`.
///
/// Without it, a server that stopped reading made roomd hold every presence it rendered for that server's
/// occupants, however many kicks and joins came in through the control socket.
final class ComponentOutbound {
    let limit: Int
    private let channel: any Channel
    private var queue = CircularBuffer<ByteBuffer>()
    private(set) var queuedBytes = 0
    private var unflushed = false

    init(channel: any Channel, limit: Int) {
        self.channel = channel
        self.limit = limit
    }

    /// False when `buffer` would take the queue past its bound; the caller drops the stream.
    func enqueue(_ buffer: ByteBuffer) -> Bool {
        if queue.isEmpty && channel.isWritable {
            channel.write(buffer, promise: nil)
            unflushed = true
            return true
        }
        guard queuedBytes + buffer.readableBytes <= limit else { return false }
        queuedBytes += buffer.readableBytes
        queue.append(buffer)
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
            channel.write(next, promise: nil)
            unflushed = true
        }
        flush()
    }
}
