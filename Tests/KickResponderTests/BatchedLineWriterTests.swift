import Testing

@testable import KickResponder

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct BatchedLineWriterTests {
    /// A file to write into, removed when the test ends.
    final class TemporaryFile {
        let path: String
        let fd: Int32

        init() {
            var template = Array("/tmp/batched-line-writer.XXXXXX".utf8CString)
            fd = mkstemp(&template)
            path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }

        func contents() -> String {
            var bytes: [UInt8] = []
            let reader = open(path, O_RDONLY)
            defer { close(reader) }
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test func linesFromManyThreadsArriveWholeAndInOrderPerThread() throws {
        let file = TemporaryFile()
        // A small limit, so full batches wake the writing thread before the delay runs out.
        let writer = BatchedLineWriter(fd: file.fd, flushDelay: .milliseconds(1), limit: 512)
        let threads = 8
        let linesPerThread = 2000
        let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(done, 0, 0)
        nonisolated(unsafe) let finished = done
        for thread in 0..<threads {
            startThread {
                for line in 0..<linesPerThread {
                    writer.append(Array("thread=\(thread) line=\(line) padding-to-make-lines-longer\n".utf8))
                }
                sem_post(finished)
            }
        }
        for _ in 0..<threads { sem_wait(done) }
        writer.flush()

        let lines = file.contents().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == threads * linesPerThread)
        var next = [Int](repeating: 0, count: threads)
        for line in lines {
            let fields = line.split(separator: " ")
            try #require(fields.count == 3, "a line was torn: \(line)")
            let thread = try #require(Int(fields[0].dropFirst("thread=".count)))
            let number = try #require(Int(fields[1].dropFirst("line=".count)))
            #expect(number == next[thread], "thread \(thread)'s lines out of order")
            next[thread] = number + 1
        }
        #expect(next == [Int](repeating: linesPerThread, count: threads))
    }

    @Test func aLoneLineIsWrittenWithoutAnExplicitFlush() throws {
        let file = TemporaryFile()
        let writer = BatchedLineWriter(fd: file.fd, flushDelay: .milliseconds(20))
        writer.append(Array("only line\n".utf8))
        var waited = 0
        while file.contents().isEmpty && waited < 5000 {
            usleep(10_000)
            waited += 10
        }
        #expect(file.contents() == "only line\n")
        // Nothing is written twice when the timer fires again later.
        writer.append(Array("second\n".utf8))
        writer.flush()
        usleep(60_000)
        #expect(file.contents() == "only line\nsecond\n")
    }
}

@Suite struct BatchedLineWriterBlockedTests {
    @Test func aBlockedDescriptorNeverBlocksTheCallerLinesAreDroppedAndCounted() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        // Nobody reads the pipe: once its 64 KiB are full, the writing thread blocks in write(2).
        let writer = BatchedLineWriter(fd: ends[1], flushDelay: .milliseconds(1), limit: 1024, maxPending: 16 * 1024)
        let line = Array(String(repeating: "x", count: 99).utf8) + [0x0A]
        // 2 MB, far more than the pipe and the queue hold, appended from a thread of their own: should an
        // append block behind the stuck writing thread, the wait below runs out and the test fails, where
        // appending here would hang the suite.
        let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        defer { done.deallocate() }
        sem_init(done, 0, 0)
        nonisolated(unsafe) let finished = done
        startThread {
            for _ in 0..<20_000 { writer.append(line) }
            sem_post(finished)
        }
        var appendsDone = timespec()
        clock_gettime(CLOCK_REALTIME, &appendsDone)
        appendsDone.tv_sec += 10
        var waited: Int32 = -1
        repeat { waited = sem_timedwait(done, &appendsDone) } while waited != 0 && errno == EINTR
        try #require(waited == 0, "appending blocked behind a descriptor that does not take the lines")

        // Once the reader drains the pipe, the count of dropped lines is written.
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var flags = fcntl(ends[0], F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(ends[0], F_SETFL, flags)
        // Read until the writer has been quiet for a while (everything queued has been written).
        var quietSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline && ContinuousClock.now - quietSince < .milliseconds(300) {
            let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count > 0 {
                text += chunk[..<count]
                quietSince = ContinuousClock.now
            } else {
                usleep(5_000)
            }
        }
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n")
        let written = lines.filter { $0.hasPrefix("xxx") }.count
        let notices = lines.filter { $0.hasSuffix("access log line(s) dropped: standard error did not take them") }
        let dropped = notices.compactMap { Int($0.split(separator: " ")[1]) }.reduce(0, +)
        #expect(!notices.isEmpty)
        // No line vanishes unaccounted for.
        #expect(written + dropped == 20_000)
        #expect(written < 20_000)
    }
}
