#if canImport(Glibc)
    import Glibc
#endif
import HTTPTypes
import KickAPI

/// One line per request on standard error: time, method, status, room, nickname, duration.
///
/// Formatted by hand rather than through swift-log's stream handler: at tens of thousands of requests per
/// second the handler's per-line formatting and locking show in the profile. Lines are written whole, so
/// threads never interleave within a line: in batches when `batched` (a line appears within 100 ms; see
/// `BatchedLineWriter`), else one `write(2)` per line. The Authorization value is never logged.
public struct AccessLog: Sendable {
    public let enabled: Bool
    let writer: BatchedLineWriter?

    public init(enabled: Bool = true, batched: Bool = false) {
        self.enabled = enabled
        self.writer = enabled && batched ? BatchedLineWriter(fd: 2) : nil
    }

    /// Writes the lines still waiting in a batch.
    public func flush() {
        writer?.flush()
    }

    public func record(method: HTTPRequest.Method?, response: KickResponse, startedAt: ContinuousClock.Instant) {
        guard enabled else { return }
        let micros = Int(startedAt.duration(to: .now) / .microseconds(1))
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        var seconds = wall.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var line: [UInt8] = []
        line.reserveCapacity(160)
        Self.number(Int(parts.tm_year) + 1900, 4, &line)
        line.append(UInt8(ascii: "-"))
        Self.number(Int(parts.tm_mon) + 1, 2, &line)
        line.append(UInt8(ascii: "-"))
        Self.number(Int(parts.tm_mday), 2, &line)
        line.append(UInt8(ascii: "T"))
        Self.number(Int(parts.tm_hour), 2, &line)
        line.append(UInt8(ascii: ":"))
        Self.number(Int(parts.tm_min), 2, &line)
        line.append(UInt8(ascii: ":"))
        Self.number(Int(parts.tm_sec), 2, &line)
        line.append(contentsOf: "Z muc-kick-fcgi: ".utf8)
        Self.clean(method?.rawValue ?? "-", 16, &line)
        line.append(UInt8(ascii: " "))
        Self.number(response.status.code, 3, &line)
        line.append(contentsOf: " room=".utf8)
        Self.clean(response.logRoom ?? "-", 128, &line)
        line.append(contentsOf: " nickname=".utf8)
        Self.clean(response.logNickname ?? "-", 128, &line)
        line.append(contentsOf: " duration=".utf8)
        Self.number(Int(micros / 1000), 1, &line)
        line.append(UInt8(ascii: "."))
        Self.number(Int(micros % 1000), 3, &line)
        line.append(contentsOf: "ms".utf8)
        if let detail = response.logDetail {
            line.append(contentsOf: " detail=\"".utf8)
            for byte in detail.utf8 where byte >= 0x20 && byte != UInt8(ascii: "\"") { line.append(byte) }
            line.append(UInt8(ascii: "\""))
        }
        line.append(UInt8(ascii: "\n"))
        if let writer {
            writer.append(line)
        } else {
            FileOutput.writeAll(2, line)
        }
    }

    /// `value` in decimal, zero-padded to `width`, appended without a temporary array (nine numbers a line).
    static func number(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        let value = max(value, 0)
        var digits = 1
        var divisor = 1
        while value / divisor >= 10 {
            digits += 1
            divisor *= 10
        }
        for _ in digits..<max(width, digits) { out.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Client-supplied text: no spaces or control characters (the line stays parseable), bounded.
    static func clean(_ text: String, _ limit: Int, _ out: inout [UInt8]) {
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { break }
            count += 1
            if scalar.value <= 0x20 || scalar.value == 0x7F {
                out.append(UInt8(ascii: "_"))
            } else if scalar.isASCII {
                out.append(UInt8(scalar.value))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
