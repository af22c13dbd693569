#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's path on disk: checks before binding, atomic publication after.
enum ControlSocketPath {
    enum Existing {
        case nothing
        case staleSocket
        case liveSocket
        case notASocket
    }

    /// What is at `path` now. A socket nobody accepts on is stale (left by a crash); one that accepts
    /// belongs to a running roomd, which must not be replaced.
    static func inspect(_ path: String) -> Existing {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .nothing }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .staleSocket }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .liveSocket }
        // EAGAIN: a live listener whose backlog is full.
        return errno == EAGAIN ? .liveSocket : .staleSocket
    }

    /// The inode of the socket at `path`, to remove only our own socket on exit.
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
