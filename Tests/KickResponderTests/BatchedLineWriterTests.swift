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
        // A small limit, so threads also flush full buffers themselves while the timer thread runs.
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
