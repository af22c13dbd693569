#if canImport(Glibc)
    import Glibc
#endif

/// Where the FastCGI listening socket comes from, in fcgiwrap's order of preference.
public enum ListenSocket: Sendable, Equatable, CustomStringConvertible {
    /// systemd socket activation: `LISTEN_FDS`/`LISTEN_PID`, first fd 3.
    case systemd(fd: Int32)
    /// Bound by the responder itself from `--listen`.
    case bound(fd: Int32, address: String)
    /// fd 0, as spawn-fcgi and Apache mod_fcgid pass it (or, if fd 0 is no socket, CGI).
    case inherited

    public var fd: Int32 {
        switch self {
        case .systemd(let fd), .bound(let fd, _): return fd
        case .inherited: return 0
        }
    }

    public var description: String {
        switch self {
        case .systemd(let fd): return "systemd socket (fd \(fd))"
        case .bound(_, let address): return address
        case .inherited: return "inherited socket (fd 0)"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Picks the socket. `listen` is `unix:/path` or `tcp:HOST:PORT` (or nil).
    public static func resolve(listen: String?, socketMode: UInt32) throws(Failure) -> ListenSocket {
        if let fds = getenv("LISTEN_FDS").map({ String(cString: $0) }),
            let pid = getenv("LISTEN_PID").map({ String(cString: $0) }),
            Int32(pid) == getpid(), let count = Int(fds), count >= 1
        {
            // Children (none today) must not believe the sockets are theirs.
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDNAMES")
            return .systemd(fd: 3)
        }
        guard let listen else { return .inherited }
        if listen.hasPrefix("unix:") {
            let path = String(listen.dropFirst(5))
            return .bound(fd: try bindUnix(path: path, mode: socketMode), address: listen)
        }
        if listen.hasPrefix("tcp:") {
            return .bound(fd: try bindTCP(String(listen.dropFirst(4))), address: listen)
        }
        throw Failure(description: "--listen must be unix:/path or tcp:HOST:PORT, not '\(listen)'")
    }

    static func bindUnix(path: String, mode: UInt32) throws(Failure) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "socket path '\(path)' is empty or too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw Failure(description: "\(path) exists and is not a socket; not replacing it")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, mode_t(mode)) == 0, Glibc.listen(fd, 1024) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot listen on \(path): \(reason)")
        }
        return fd
    }

    static func bindTCP(_ hostPort: String) throws(Failure) -> Int32 {
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...])
        else { throw Failure(description: "tcp: address must be HOST:PORT, not '\(hostPort)'") }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &result) == 0, let info = result else {
            throw Failure(description: "tcp: '\(host)' is not a numeric address")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, Glibc.listen(fd, 1024) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot listen on \(hostPort): \(reason)")
        }
        return fd
    }
}
