#if canImport(Glibc)
    import Glibc
#endif
import NIOCore

/// The process at the other end of a Unix socket, as the kernel saw it at connect time: its pid, uid and
/// gid (SO_PEERCRED) and its supplementary groups (SO_PEERGROUPS). Groups come from the kernel, not from
/// the account database: a sandboxed process that dropped its groups has none, and looking them up costs
/// no name-service call on the event loop.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The supplementary groups, or nil where the kernel did not give them (then the account database is
    /// asked; see `AccessPolicy`).
    public var groups: [UInt32]?

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }

    /// Glibc hides `struct ucred` behind _GNU_SOURCE; this has the same layout (pid, uid, gid).
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// SO_PEERGROUPS from <asm-generic/socket.h>, which Glibc's module does not export.
    static let peerGroupsOption: Int32 = 59
    /// Room for this many groups; a peer with more is looked up in the account database instead.
    static let maxPeerGroups = 256

    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let credentials = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SO_PEERCRED)
            .map { (cred: UCred) in PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid) }
        return credentials.flatMap { peer in
            provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: peerGroupsOption)
                .map { (list: InlineArray<256, UInt32>) -> PeerCredentials in
                    var peer = peer
                    peer.groups = Self.groups(fromZeroPadded: list)
                    return peer
                }
                // More groups than fit (ERANGE), or a kernel without SO_PEERGROUPS: the database decides.
                .recover { _ in peer }
        }
    }

    /// The kernel gives the groups sorted ascending; NIO hands the buffer over zero-filled and without the
    /// length, so the list is the sorted prefix and trailing zeros are padding. Whether gid 0 itself is a
    /// member cannot be told from that; `AccessPolicy` does not rely on it (see `level(for:)`).
    static func groups(fromZeroPadded list: InlineArray<256, UInt32>) -> [UInt32] {
        var result: [UInt32] = []
        for index in list.indices where list[index] != 0 { result.append(list[index]) }
        return result
    }
}
