#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import Testing

@testable import ControlProtocol

/// `ControlClient` against a real Unix-socket peer that this test plays by hand: how long a silent peer
/// is waited for, replies that arrive in pieces, and a peer that goes away.
@Suite struct ControlClientTests {
    /// A listening socket in a fresh directory; connections complete in its backlog, so a peer that never
    /// accepts is a peer that never answers.
    final class Listener {
        let directory: String
        let path: String
        let fd: Int32

        init() throws {
            var template = Array("/tmp/controlclient.XXXXXX".utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            try #require(made != nil)
            directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            path = directory + "/roomd.sock"
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8))
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(bound == 0)
            try #require(listen(fd, 8) == 0)
        }

        func accept() -> Int32 { Glibc.accept(fd, nil, nil) }

        deinit {
            close(fd)
            unlink(path)
            rmdir(directory)
        }
    }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Writes from a Dispatch thread while the test's thread is blocked in the client: not from a Swift
    /// task, whose pool may have no other thread free to run it.
    static func write(_ fd: Int32, _ text: String, after delay: DispatchTimeInterval) -> DispatchGroup {
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) {
            write(fd, text)
            done.leave()
        }
        return done
    }

    @Test func aSilentPeerTimesOutAfterTheTimeout() throws {
        let listener = try Listener()
        try withExtendedLifetime(listener) {
            let client = try ControlClient(socketPath: listener.path, timeout: .milliseconds(150))
            try client.sendFramed(Array("{\"method\":\"org.varlink.service.GetInfo\"}\0".utf8))
            let started = ContinuousClock.now
            #expect(throws: ControlClientError.timedOut) { try client.receiveFrame() }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(140))
            #expect(waited < .seconds(2))
        }
    }

    @Test func aTricklingReplyCannotStretchTheDeadline() throws {
        let listener = try Listener()
        try withExtendedLifetime(listener) {
            // Each wait may last 2 s, far longer than the gaps between bytes: only the deadline can end it.
            let client = try ControlClient(socketPath: listener.path, timeout: .seconds(2))
            let peer = listener.accept()
            defer { close(peer) }
            // One byte every 50 ms: each wait is short, but the whole reply would take 1.5 s.
            let reply = "{\"parameters\":{\"kicked\":[]}}"
            let done = DispatchGroup()
            done.enter()
            DispatchQueue.global().async {
                for byte in reply {
                    Self.write(peer, String(byte))
                    usleep(50_000)
                }
                Self.write(peer, "\0")
                done.leave()
            }
            let started = ContinuousClock.now
            #expect(throws: ControlClientError.timedOut) {
                try client.receiveFrame(before: started + .milliseconds(300))
            }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(290))
            #expect(waited < .milliseconds(1500))
            done.wait()
        }
    }

    @Test func aReplyInPiecesIsOneFrame() throws {
        let listener = try Listener()
        try withExtendedLifetime(listener) {
            let client = try ControlClient(socketPath: listener.path, timeout: .seconds(5))
            let peer = listener.accept()
            defer { close(peer) }
            // The client has read the first piece and waits again when the rest arrives.
            Self.write(peer, "{\"parameters\":")
            let rest = Self.write(peer, "{\"a\":1}}\0{\"parameters\":{}}", after: .milliseconds(100))
            #expect(try client.receiveFrame() == Array("{\"parameters\":{\"a\":1}}".utf8))
            rest.wait()
            // The second frame's terminator has not arrived: the client keeps what it has and waits for it.
            let terminator = Self.write(peer, "\0", after: .milliseconds(100))
            #expect(try client.receiveFrame() == Array("{\"parameters\":{}}".utf8))
            terminator.wait()
        }
    }

    @Test func aPeerThatClosesEndsTheWait() throws {
        let listener = try Listener()
        try withExtendedLifetime(listener) {
            let client = try ControlClient(socketPath: listener.path, timeout: .seconds(5))
            let peer = listener.accept()
            Self.write(peer, "{\"parameters\":")
            close(peer)
            let started = ContinuousClock.now
            #expect(throws: ControlClientError.connectionClosed) { try client.receiveFrame() }
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    @Test func withoutATimeoutTheWaitOutlastsTheOldOne() throws {
        let listener = try Listener()
        try withExtendedLifetime(listener) {
            let client = try ControlClient(socketPath: listener.path, timeout: .milliseconds(50))
            client.setTimeout(nil)
            let peer = listener.accept()
            defer { close(peer) }
            let reply = Self.write(peer, "{\"parameters\":{}}\0", after: .milliseconds(300))
            #expect(try client.receiveFrame() == Array("{\"parameters\":{}}".utf8))
            reply.wait()
        }
    }
}
