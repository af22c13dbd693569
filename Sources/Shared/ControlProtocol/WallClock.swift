#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time in milliseconds since the Unix epoch: what a Kick's `deadline` is written in (by the
/// responder) and checked against (by roomd), and what audit records are stamped with.
public enum WallClock {
    public static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
