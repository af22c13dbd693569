import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Log lines from many threads to one file descriptor, written in batches: a background thread writes
/// what has gathered `flushDelay` after the first line of a batch, and a thread whose line fills the buffer
/// writes at once. The same trade as nginx's `access_log ... buffer= flush=` and Envoy's access-log flush
/// interval: one `write(2)` per request from 16 workers to one file cost the responder 2.5 us of its
/// ~36 us per kick (the file-position lock serializes the writers), a batch costs one.
///
/// Lines keep their order. Lines not yet written are lost if the process is killed; `flush()` before a
/// normal exit.
final class BatchedLineWriter: Sendable {
    let fd: Int32
    let flushDelay: Duration
    let limit: Int
    /// Lines waiting to be written.
    private let pending: Mutex<[UInt8]>
    /// Held while a batch is written, so batches leave in order; holds the spare buffer the next batch is
    /// swapped into, so neither buffer is reallocated in steady state.
    private let writing: Mutex<[UInt8]>
    /// Posted when a batch starts; the background thread sleeps on it, so an idle responder never wakes.
    nonisolated(unsafe) private let batchStarted: UnsafeMutablePointer<sem_t>

    init(fd: Int32, flushDelay: Duration = .milliseconds(100), limit: Int = 32 * 1024) {
        self.fd = fd
        self.flushDelay = flushDelay
        self.limit = limit
        var first: [UInt8] = []
        first.reserveCapacity(limit)
        var spare: [UInt8] = []
        spare.reserveCapacity(limit)
        pending = Mutex(first)
        writing = Mutex(spare)
        batchStarted = .allocate(capacity: 1)
        sem_init(batchStarted, 0, 0)
        startThread { [self] in self.flushLoop() }
    }

    /// Queues one line (with its newline).
    func append(_ line: [UInt8]) {
        let (startsBatch, full) = pending.withLock { buffer in
            let wasEmpty = buffer.isEmpty
            buffer.append(contentsOf: line)
            return (wasEmpty, buffer.count >= limit)
        }
        if full {
            flush()
        } else if startsBatch {
            sem_post(batchStarted)
        }
    }

    /// Writes everything queued so far.
    func flush() {
        writing.withLock { batch in
            pending.withLock { swap(&$0, &batch) }
            // A batch that cannot be written is dropped: the requests it describes have been answered.
            FileOutput.writeAll(fd, batch)
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func flushLoop() {
        let (seconds, attoseconds) = flushDelay.components
        while true {
            while sem_wait(batchStarted) != 0 && errno == EINTR {}
            var delay = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&delay, &remaining) != 0 && errno == EINTR { delay = remaining }
            // Batches that workers flushed themselves (full buffers) posted too; this flush covers every line
            // those posts announced, so they must not wake the thread again.
            while sem_trywait(batchStarted) == 0 {}
            flush()
        }
    }
}
