import CFastCGI
import KickAPI
import ResponderConfiguration
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

let shutdownRequested = Atomic<Bool>(false)

/// Serves FastCGI requests with libfcgi: worker threads, each blocking in `FCGX_Accept_r` on the shared
/// listening socket (no lock around accept: Debian's libfcgi lets threads accept concurrently, and it
/// measured faster), each with its own roomd connection.
public final class FastCGIServer: Sendable {
    let settings: ResponderSettings
    let handler: KickHandler
    let listenSocket: ListenSocket
    let connector: RoomdConnector
    let threadCount: Int
    let log: AccessLog
    /// Whether connections end with libfcgi's lingering close (see `finish`).
    let lingeringClose: Bool

    public init(
        settings: ResponderSettings, listenSocket: ListenSocket, connector: RoomdConnector, threads: Int, log: AccessLog
    ) {
        self.settings = settings
        self.connector = connector
        self.handler = KickHandler(policy: settings.policy)
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
        // logrotate's postrotate and terminal hang-ups send SIGHUP; its default action would end the
        // responder with a status systemd's Restart=on-failure does not restart. It has no files of its own
        // to reopen (it logs to standard error), so it ignores it.
        signal(SIGHUP, SIG_IGN)

        // glibc gives each busy thread its own malloc arena; with 16 workers that alone took the resident
        // size past 16 MiB. Two arenas are plenty for requests this small.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 2)
        // libfcgi mallocs two 8 KiB stream buffers per request. A request that size first merges every
        // chunk waiting in glibc's fastbins (`malloc_consolidate`, under the arena lock), which showed in
        // the responder's profile; without fastbins there is nothing to merge, and small blocks still
        // come from the per-thread tcache without a lock (Benchmarks/fcgi/README.md has the A/B runs).
        _ = glibcMallopt(1 /* M_MXFAST */, 0)
        // Our own SIGUSR1 handler, installed before libfcgi's (which takes the signal only where nobody has):
        // it does nothing but interrupt `accept()` (no SA_RESTART), whatever the process inherited (an
        // ignored SIGUSR1 would never wake a worker). Only the workers, while in `accept()`, take it: a
        // SIGUSR1 from outside interrupts one accept, which libfcgi retries while no shutdown is pending.
        var wake = sigaction()
        wake.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&wake.sa_mask)
        wake.sa_flags = 0
        sigaction(SIGUSR1, &wake, nil)
        var wakeOnly = sigset_t()
        sigemptyset(&wakeOnly)
        sigaddset(&wakeOnly, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &wakeOnly, nil)
        FCGX_Init()
        let workers = (0..<threadCount).map { _ in startThread(joinable: true) { [self] in self.workerLoop() } }

        var received: Int32 = 0
        sigwait(&signals, &received)
        shutdownRequested.store(true, ordering: .sequentiallyConsistent)
        FCGX_ShutdownPending()
        stopWorkers(workers)
        if case .bound(_, let address) = listenSocket, address.hasPrefix("unix:") {
            unlink(String(address.dropFirst(5)))
        }
        log.flush()
    }

    /// Wakes the workers blocked in accept() and waits for them to finish their requests.
    ///
    /// The listening socket is never shut down: an inherited one (systemd's, or spawn-fcgi's shared by
    /// `-F N` siblings) belongs to its owner, and `shutdown()` on it would refuse every later connection,
    /// including those of the responder restarted on it. Instead each worker gets SIGUSR1, whose libfcgi
    /// handler (installed without SA_RESTART) makes `accept()` fail with EINTR, and libfcgi's accept loop
    /// gives up once shutdown is pending. A signal that lands between libfcgi's pending check and its
    /// `accept()` is lost, so it is sent again until the worker has left its loop.
    private func stopWorkers(_ workers: [pthread_t]) {
        let deadline = ContinuousClock.now + settings.policy.roomdTimeout + .seconds(5)
        var running = workers
        while !running.isEmpty && ContinuousClock.now < deadline {
            for worker in running { pthread_kill(worker, SIGUSR1) }
            var wait = timespec()
            clock_gettime(CLOCK_REALTIME, &wait)
            wait.tv_nsec += 20_000_000
            if wait.tv_nsec >= 1_000_000_000 {
                wait.tv_sec += 1
                wait.tv_nsec -= 1_000_000_000
            }
            running = running.filter { glibcTimedJoin($0, nil, &wait) != 0 }
        }
        // A request still in flight past the deadline is cut off at exit, and so is its log line.
    }

    private func workerLoop() {
        if settings.batchScheduling { BatchScheduling.applyToCurrentThread() }
        // libfcgi's streams point back into the request: it needs a stable address, not a Swift local.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        FCGX_InitRequest(request, listenSocket.fd, 0)
        let kicker = ControlSocketKicker(
            connector: connector, timeout: settings.policy.roomdTimeout, actor: settings.kickActor)
        // SIGUSR1 wakes an idle worker at shutdown (see `stopWorkers`); while a request is handled it stays
        // blocked, so the reads and writes of a request are never interrupted by it.
        var wake = sigset_t()
        sigemptyset(&wake)
        sigaddset(&wake, SIGUSR1)
        while true {
            pthread_sigmask(SIG_UNBLOCK, &wake, nil)
            let accepted = FCGX_Accept_r(request) >= 0
            pthread_sigmask(SIG_BLOCK, &wake, nil)
            guard accepted else { break }
            let started = ContinuousClock.now
            let fastCGIRequest = FastCGIRequest(request)
            // The body is read only for a caller that passed the Authorization check: an unauthenticated
            // client that sends its body slowly must not hold a worker (Apache streams bodies to us).
            let (kickRequest, bodyRead) = fastCGIRequest.read(maxBodySize: settings.policy.maxBodySize) {
                settings.policy.authorization.accepts($0)
            }
            let response = handler.respond(to: kickRequest, using: kicker)
            fastCGIRequest.write(response, head: kickRequest.method == .head)
            finish(fastCGIRequest, bodyRead: bodyRead)
            log.record(method: kickRequest.method, response: response, startedAt: started)
            if shutdownRequested.load(ordering: .sequentiallyConsistent) { break }
        }
    }

    /// Ends the request. To close a connection, libfcgi half-closes it and waits in `poll` for the web server
    /// to close its side, reading and dropping what it still sends: input left unread when a socket closes
    /// makes the kernel report a reset to the other side, which may then drop the response (Apache's
    /// mod_proxy_fcgi does, even on a Unix socket). On a Unix socket, reading the input to its end here
    /// leaves nothing unread, and the web server reads everything written before the close; marking the
    /// request detached (libfcgi reads the flag only to skip the wait) then saves a sleep and a wake-up
    /// per request (Benchmarks/fcgi/README.md). TCP, or more unread input than a request can carry, keep the
    /// lingering close.
    ///
    /// A body left unread (the caller failed the Authorization check) is drained for at most
    /// `unreadBodyGrace`, so a client that sent it at once still reads its 401; then the connection is
    /// closed at once, without libfcgi's lingering wait, however slowly the rest would come.
    private func finish(_ request: FastCGIRequest, bodyRead: Bool) {
        if !bodyRead {
            _ = request.drainInput(limit: Self.drainLimit, within: Self.unreadBodyGrace)
            request.request.pointee.keepConnection = 0
            _ = FCGX_Detach(request.request)
        } else if !lingeringClose, request.drainInput(limit: Self.drainLimit) {
            _ = FCGX_Detach(request.request)
        }
        FCGX_Finish_r(request.request)
    }

    static let unreadBodyGrace: Duration = .milliseconds(100)

    /// More unread input than this (a body far over any limit) is left to libfcgi's lingering close.
    static let drainLimit = 1 << 20

    /// Answers the one request of a CGI invocation (fd 0 is not a socket): environment, stdin, stdout.
    public func serveCGI() {
        let started = ContinuousClock.now
        // OpenSSL writes to roomd's TLS connection without MSG_NOSIGNAL; a reset there is an error, not an end.
        signal(SIGPIPE, SIG_IGN)
        let request = CGIRequest.read(maxBodySize: settings.policy.maxBodySize) {
            settings.policy.authorization.accepts($0)
        }
        let kicker = ControlSocketKicker(
            connector: connector, timeout: settings.policy.roomdTimeout, actor: settings.kickActor)
        let response = handler.respond(to: request, using: kicker)
        FileOutput.writeAll(1, response.cgiBytes(includingBody: request.method != .head))
        log.record(method: request.method, response: response, startedAt: started)
    }
}

/// glibc's `pthread_timedjoin_np` (a GNU extension the Glibc module does not import).
@_silgen_name("pthread_timedjoin_np")
func glibcTimedJoin(
    _ thread: pthread_t, _ result: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ deadline: UnsafePointer<timespec>
) -> Int32

/// glibc's `mallopt` (from <malloc.h>, which the Glibc module does not import).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// Starts a detached POSIX thread. Called from library code, not from `main.swift`: a closure formed in
/// top-level code would be inferred main-actor isolated and trap when run on another thread.
@discardableResult
func startThread(joinable: Bool = false, _ body: @escaping @Sendable () -> Void) -> pthread_t {
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
    // SIGUSR1 wakes workers blocked in accept(); they unblock it there themselves, nobody else takes it.
    sigaddset(&termination, SIGUSR1)
    pthread_sigmask(SIG_BLOCK, &termination, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    // Request handling needs little stack; 512 KiB keeps many threads cheap in address space.
    pthread_attr_setstacksize(&attributes, 512 * 1024)
    pthread_attr_setdetachstate(
        &attributes, Int32(joinable ? PTHREAD_CREATE_JOINABLE : PTHREAD_CREATE_DETACHED))
    let result = pthread_create(
        &thread, &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
    pthread_attr_destroy(&attributes)
    precondition(result == 0, "pthread_create failed: \(result)")
    return thread
}
