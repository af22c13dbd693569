#if canImport(Glibc)
    import Glibc
#endif
import NIOCore

/// The process at the other end of a Unix socket, as the kernel saw it at connect time (SO_PEERCRED).
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }

    /// Glibc hides `struct ucred` behind _GNU_SOURCE; this has the same layout (pid, uid, gid).
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SO_PEERCRED)
            .map { (cred: UCred) in PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid) }
    }
}
