#if canImport(Glibc)
    import Glibc
#endif
import KickAPI

/// One line per request on standard error: time, method, status, room, nickname, duration.
///
/// Written with a single `write(2)` per line rather than through swift-log's stream handler: at tens of
/// thousands of requests per second the handler's per-line formatting and locking show in the profile, and
/// one `write` of a whole line is atomic between threads. The Authorization value is never logged.
public struct AccessLog: Sendable {
    public var enabled: Bool

    public init(enabled: Bool = true) {
        self.enabled = enabled
    }

    public func record(method: String, response: KickResponse, startedAt: timespec) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = (now.tv_sec - startedAt.tv_sec) * 1_000_000 + (now.tv_nsec - startedAt.tv_nsec) / 1000
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        var seconds = wall.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var line = Self.timestamp(parts)
        line += " muc-kick-fcgi: \(Self.clean(method, 16)) \(response.status)"
        line += " room=\(response.logRoom.map { Self.clean($0, 128) } ?? "-")"
        line += " nickname=\(response.logNickname.map { Self.clean($0, 128) } ?? "-")"
        line += " duration=\(micros / 1000).\(Self.pad(Int(micros % 1000), 3))ms\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func timestamp(_ t: tm) -> String {
        "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2))T"
            + "\(pad(Int(t.tm_hour), 2)):\(pad(Int(t.tm_min), 2)):\(pad(Int(t.tm_sec), 2))Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Client-supplied text: no spaces or control characters (the line stays parseable), bounded.
    static func clean(_ text: String, _ limit: Int) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.prefix(limit).map { $0.value <= 0x20 || $0.value == 0x7F ? "_" : $0 }))
    }
}
