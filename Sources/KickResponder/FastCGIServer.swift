import CFastCGI
import KickAPI
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Counts requests being handled, so SIGTERM can wait for them.
let requestsInFlight = Atomic<Int>(0)
let shutdownRequested = Atomic<Bool>(false)

/// Serves FastCGI requests with libfcgi: worker threads, each blocking in `FCGX_Accept_r` on the shared
/// listening socket (no lock around accept: Debian's libfcgi lets threads accept concurrently, and it
/// measured faster), each with its own roomd connection.
public final class FastCGIServer: Sendable {
    let handler: KickHandler
    let listenSocket: ListenSocket
    let threadCount: Int
    let log: AccessLog
    /// Whether connections end with libfcgi's lingering close (see `finish`).
    let lingeringClose: Bool

    public init(handler: KickHandler, listenSocket: ListenSocket, threads: Int, log: AccessLog) {
        self.handler = handler
        self.listenSocket = listenSocket
        self.threadCount = max(1, threads)
        self.log = log
        self.lingeringClose = Self.family(of: listenSocket.fd) != sa_family_t(AF_UNIX)
    }

    /// The address family of a socket, nil when `fd` is not one.
    static func family(of fd: Int32) -> sa_family_t? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return result == 0 ? address.ss_family : nil
    }

    /// Whether libfcgi sees a CGI environment (fd 0 is not a socket).
    public static var isCGI: Bool {
        FCGX_IsCGI() != 0
    }

    /// Serves until SIGTERM/SIGINT, then lets in-flight requests finish and returns.
    public func run() {
        // Signals go to one thread that waits for them; workers never see them, so a blocked accept or a
        // half-written response is never interrupted.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        // glibc gives each busy thread its own malloc arena; with 16 workers that alone took the resident
        // size past 16 MiB. Two arenas are plenty for requests this small.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 2)
        // libfcgi mallocs two 8 KiB stream buffers per request. A request that size first merges every
        // chunk waiting in glibc's fastbins (`malloc_consolidate`, under the arena lock), which showed in
        // the responder's profile; without fastbins there is nothing to merge, and small blocks still
        // come from the per-thread tcache without a lock. QUICK A/B, 9 rounds: 401 path 0.91 -> 0.97 of
        // the reference, responder CPU ~1.5 µs less per request, RSS unchanged.
        _ = glibcMallopt(1 /* M_MXFAST */, 0)
        FCGX_Init()
        for _ in 0..<threadCount {
            startThread { [self] in self.workerLoop() }
        }

        var received: Int32 = 0
        sigwait(&signals, &received)
        shutdownRequested.store(true, ordering: .sequentiallyConsistent)
        FCGX_ShutdownPending()
        // Wakes the threads blocked in accept(); kept FastCGI connections are simply dropped at exit.
        shutdown(listenSocket.fd, Int32(SHUT_RDWR))
        // A thread that accepted just before the shutdown has this long to count itself in flight.
        usleep(50_000)
        let deadline = ContinuousClock.now + handler.settings.roomdTimeout + .seconds(5)
        while requestsInFlight.load(ordering: .sequentiallyConsistent) > 0 && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        // A request still in flight past the deadline is cut off at exit, and so is its log line.
        if case .bound(_, let address) = listenSocket, address.hasPrefix("unix:") {
            unlink(String(address.dropFirst(5)))
        }
        log.flush()
    }

    private func workerLoop() {
        if handler.settings.batchScheduling { BatchScheduling.applyToCurrentThread() }
        // libfcgi's streams point back into the request: it needs a stable address, not a Swift local.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        FCGX_InitRequest(request, listenSocket.fd, 0)
        let kicker = RoomdKicker(
            socketPath: handler.settings.roomdSocket, timeout: handler.settings.roomdTimeout,
            actor: handler.settings.kickActor)
        while FCGX_Accept_r(request) >= 0 {
            requestsInFlight.add(1, ordering: .sequentiallyConsistent)
            let started = ContinuousClock.now
            let fastCGIRequest = FastCGIRequest(request)
            let kickRequest = fastCGIRequest.read(maxBodySize: handler.settings.maxBodySize)
            let response = handler.respond(to: kickRequest, using: kicker)
            fastCGIRequest.write(response, head: kickRequest.method == "HEAD")
            finish(fastCGIRequest)
            // Before leaving the in-flight count: shutdown flushes the log once that count is zero.
            log.record(method: kickRequest.method, response: response, startedAt: started)
            requestsInFlight.subtract(1, ordering: .sequentiallyConsistent)
            if shutdownRequested.load(ordering: .sequentiallyConsistent) { break }
        }
    }

    /// Ends the request. To close a connection, libfcgi half-closes it and waits in `poll` for the web server
    /// to close its side, reading and dropping what it still sends: input left unread when a socket closes
    /// makes the kernel report a reset to the other side, which may then drop the response (Apache's
    /// mod_proxy_fcgi does, even on a Unix socket). On a Unix socket, reading the input to its end here
    /// leaves nothing unread, and the web server reads everything written before the close; marking the
    /// request detached (libfcgi reads the flag only to skip the wait) then saves a sleep and a wake-up
    /// per request (Benchmarks/fcgi: kicks through roomd 0.56-0.66 -> 0.75-0.78 of the reference,
    /// responder CPU per kick 47 -> 37 us). TCP, or more unread input than a request can carry, keep the
    /// lingering close.
    private func finish(_ request: FastCGIRequest) {
        if !lingeringClose, request.drainInput(limit: Self.drainLimit) {
            _ = FCGX_Detach(request.request)
        }
        FCGX_Finish_r(request.request)
    }

    /// More unread input than this (a body far over any limit) is left to libfcgi's lingering close.
    static let drainLimit = 1 << 20

    /// Answers the one request of a CGI invocation (fd 0 is not a socket): environment, stdin, stdout.
    public func serveCGI() {
        let started = ContinuousClock.now
        let request = CGIRequest.read(maxBodySize: handler.settings.maxBodySize)
        let kicker = RoomdKicker(
            socketPath: handler.settings.roomdSocket, timeout: handler.settings.roomdTimeout,
            actor: handler.settings.kickActor)
        let response = handler.respond(to: request, using: kicker)
        FileOutput.writeAll(1, response.cgiBytes(includingBody: request.method != "HEAD"))
        log.record(method: request.method, response: response, startedAt: started)
    }
}

/// glibc's `mallopt` (from <malloc.h>, which the Glibc module does not import).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// Starts a detached POSIX thread. Called from library code, not from `main.swift`: a closure formed in
/// top-level code would be inferred main-actor isolated and trap when run on another thread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    // The new thread inherits the signal mask: with SIGTERM and SIGINT blocked it never takes the signals
    // `FastCGIServer.run` waits for with `sigwait`. The access log's writer starts before `run` blocks them;
    // without this it would take a SIGTERM sent before `FCGX_Init` installs libfcgi's handler (which only
    // sets a flag), and the default action ends the process. Crash signals stay unblocked, for the backtrace.
    var termination = sigset_t()
    var previous = sigset_t()
    sigemptyset(&termination)
    sigaddset(&termination, SIGTERM)
    sigaddset(&termination, SIGINT)
    pthread_sigmask(SIG_BLOCK, &termination, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    // Request handling needs little stack; 512 KiB keeps many threads cheap in address space.
    pthread_attr_setstacksize(&attributes, 512 * 1024)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let result = pthread_create(
        &thread, &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
    pthread_attr_destroy(&attributes)
    precondition(result == 0, "pthread_create failed: \(result)")
}
