import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Log lines from many threads to one file descriptor, written in batches by one background thread: what
/// has gathered is written `flushDelay` after the first line of a batch, or at once when `limit` bytes
/// have gathered. The same trade as nginx's `access_log ... buffer= flush=` and Envoy's access-log flush
/// interval: one `write(2)` per request from 16 workers to one file serialized them on the file-position
/// lock, a batch costs one write.
///
/// A worker never writes and never waits for a write: when the descriptor blocks (a full log disk, a
/// stalled log reader on the other end of a pipe) lines gather up to `maxPending` bytes, then further lines
/// are dropped and counted, and the count is written as a line of its own once writing resumes. Requests
/// go on being answered.
///
/// Lines keep their order. Lines not yet written are lost if the process is killed; `flush()` before a
/// normal exit.
final class BatchedLineWriter: Sendable {
    let fd: Int32
    let flushDelay: Duration
    let limit: Int
    let maxPending: Int
    /// Lines waiting to be written, and how many were dropped since the last write.
    private let pending: Mutex<(lines: [UInt8], dropped: Int)>
    /// Held while a batch is written, so batches leave in order; holds the spare buffer the next batch is
    /// swapped into, so neither buffer is reallocated in steady state.
    private let writing: Mutex<[UInt8]>
    /// Posted when a batch starts; the background thread sleeps on it, so an idle responder never wakes.
    nonisolated(unsafe) private let batchStarted: UnsafeMutablePointer<sem_t>
    /// Posted when a batch reaches `limit`: the background thread writes it without waiting out the delay.
    nonisolated(unsafe) private let batchFull: UnsafeMutablePointer<sem_t>

    init(fd: Int32, flushDelay: Duration = .milliseconds(100), limit: Int = 32 * 1024, maxPending: Int = 1 << 20) {
        self.fd = fd
        self.flushDelay = flushDelay
        self.limit = limit
        self.maxPending = max(maxPending, limit)
        var first: [UInt8] = []
        first.reserveCapacity(limit)
        var spare: [UInt8] = []
        spare.reserveCapacity(limit)
        pending = Mutex((first, 0))
        writing = Mutex(spare)
        batchStarted = .allocate(capacity: 1)
        sem_init(batchStarted, 0, 0)
        batchFull = .allocate(capacity: 1)
        sem_init(batchFull, 0, 0)
        startThread { [self] in self.flushLoop() }
    }

    /// Queues one line (with its newline); drops it when `maxPending` bytes are already waiting.
    func append(_ line: [UInt8]) {
        let (startsBatch, becameFull) = pending.withLock { state in
            guard state.lines.count + line.count <= maxPending else {
                state.dropped += 1
                return (false, false)
            }
            let wasEmpty = state.lines.isEmpty
            let wasFull = state.lines.count >= limit
            state.lines.append(contentsOf: line)
            return (wasEmpty, !wasFull && state.lines.count >= limit)
        }
        if startsBatch { sem_post(batchStarted) }
        if becameFull { sem_post(batchFull) }
    }

    /// Writes everything queued so far (the background thread, and the process before it exits).
    func flush() {
        writing.withLock { batch in
            let dropped = pending.withLock { state in
                swap(&state.lines, &batch)
                defer { state.dropped = 0 }
                return state.dropped
            }
            if dropped > 0 {
                batch += Array("muc-kick-fcgi: \(dropped) access log line(s) dropped: standard error did not take them\n".utf8)
            }
            // A batch that cannot be written is dropped: the requests it describes have been answered.
            FileOutput.writeAll(fd, batch)
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func flushLoop() {
        let (seconds, attoseconds) = flushDelay.components
        while true {
            while sem_wait(batchStarted) != 0 && errno == EINTR {}
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_sec += Int(seconds)
            deadline.tv_nsec += Int(attoseconds / 1_000_000_000)
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
            while sem_timedwait(batchFull, &deadline) != 0 && errno == EINTR {}
            // Posts for lines this flush covers must not wake the thread again.
            while sem_trywait(batchStarted) == 0 {}
            while sem_trywait(batchFull) == 0 {}
            flush()
        }
    }
}
