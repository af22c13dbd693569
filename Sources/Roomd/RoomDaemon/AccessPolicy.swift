#if canImport(Glibc)
    import Glibc
#endif
import ControlProtocol

/// Who may do what on the control socket: root and roomd's own uid are admins; members of the admin group
/// are admins, members of the kick group may kick and read; everybody else may only introspect.
public struct AccessPolicy: Sendable {
    public var daemonUID: UInt32
    public var adminGroup: UInt32?
    public var kickGroup: UInt32?

    public init(daemonUID: UInt32 = getuid(), adminGroup: UInt32? = nil, kickGroup: UInt32? = nil) {
        self.daemonUID = daemonUID
        self.adminGroup = adminGroup
        self.kickGroup = kickGroup
    }

    public func level(for peer: PeerCredentials) -> Rooms.AccessLevel {
        if peer.uid == 0 || peer.uid == daemonUID { return .admin }
        guard adminGroup != nil || kickGroup != nil else { return .none }
        // The kernel's list cannot show membership of gid 0 (see PeerCredentials); a policy naming that
        // group asks the database.
        let groups: Set<UInt32>
        if let kernel = peer.groups, adminGroup != 0, kickGroup != 0 {
            groups = Set(kernel).union([peer.gid])
        } else {
            groups = Self.groups(uid: peer.uid, primary: peer.gid)
        }
        if let adminGroup, groups.contains(adminGroup) { return .admin }
        if let kickGroup, groups.contains(kickGroup) { return .kick }
        return .none
    }

    /// The peer's primary gid (from the kernel) plus the supplementary groups its account has in the group
    /// database, the same membership `id USER` shows: only where the kernel did not give the groups.
    static func groups(uid: UInt32, primary: UInt32) -> Set<UInt32> {
        var result: Set<UInt32> = [primary]
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var scratch = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(uid, &entry, &scratch, scratch.count, &found) == 0, found != nil,
            let name = entry.pw_name
        else { return result }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, primary, &groups, &count)
        }
        result.formUnion(groups.prefix(Int(max(count, 0))))
        return result
    }

    /// Resolves a group name (or a number) to its gid.
    public static func gid(named name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        var entry = group()
        var found: UnsafeMutablePointer<group>?
        var scratch = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrnam_r(name, &entry, &scratch, scratch.count, &found) == 0, found != nil else { return nil }
        return entry.gr_gid
    }
}
