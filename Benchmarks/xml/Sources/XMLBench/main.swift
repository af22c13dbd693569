import CExpat
import Glibc
import XMLStream

// One stanza whose body is about 1 MB of one kind of text, parsed in reads of a given size: the time
// should grow with the bytes, not with the number of pieces expat reports the text in.
let header = Array(
    "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>".utf8)
let bodyBytes = 1_000_000
let cases: [(name: String, body: String)] = [
    ("plain text", String(repeating: "x", count: bodyBytes)),
    ("newlines", String(repeating: "\n", count: bodyBytes)),
    ("&lt; references", String(repeating: "&lt;", count: bodyBytes / 4)),
    ("short lines", String(repeating: "word word\n", count: bodyBytes / 10)),
]
let arguments = CommandLine.arguments.dropFirst()
let rounds = arguments.first.flatMap(Int.init) ?? 9
let readSizes = [64 * 1024, 1 << 30]

/// This thread's CPU time around `body`, in ms: on a shared machine, wall time mostly measures the others.
func cpuMilliseconds(_ body: () -> Void) -> Double {
    var start = timespec()
    var end = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
    body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
    return Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
}

func parseMilliseconds(_ stanza: [UInt8], readSize: Int) -> Double {
    let parser = XMLStreamParser()
    var stanzas = 0
    let elapsed = cpuMilliseconds {
        do {
            _ = try parser.feed(header)
            var start = 0
            while start < stanza.count {
                let end = min(start + readSize, stanza.count)
                let events = try stanza[start..<end].withUnsafeBytes { try parser.feed($0) }
                stanzas += events.count
                start = end
            }
        } catch {
            fatalError("parse failed: \(error)")
        }
    }
    precondition(stanzas == 1, "expected one stanza, got \(stanzas)")
    return elapsed
}

/// expat alone, with a character data handler that only counts: the floor under XMLStreamParser.
func expatMilliseconds(_ stanza: [UInt8], readSize: Int) -> Double {
    let parser = XML_ParserCreateNS("UTF-8", 0x01)!
    defer { XML_ParserFree(parser) }
    var counted = 0
    XML_SetUserData(parser, &counted)
    XML_SetCharacterDataHandler(parser) { data, _, length in
        data!.assumingMemoryBound(to: Int.self).pointee += Int(length)
    }
    let elapsed = cpuMilliseconds {
        let bytes = header + stanza
        var start = 0
        while start < bytes.count {
            let end = min(start + readSize, bytes.count)
            let status = bytes[start..<end].withUnsafeBytes {
                XML_Parse(parser, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count), 0)
            }
            precondition(status != XML_STATUS_ERROR, "expat failed")
            start = end
        }
    }
    precondition(counted > 0)
    return elapsed
}

print("rounds: \(rounds); median CPU time to parse one stanza, ms")
for readSize in readSizes {
    let readName = readSize >= 1 << 30 ? "one read" : "\(readSize / 1024) KiB reads"
    var plain = 0.0
    var expatPlain = 0.0
    for (name, body) in cases {
        let stanza = Array(("<message to='r@chat.localhost'><body>" + body + "</body></message>").utf8)
        let times = (0..<rounds).map { _ in parseMilliseconds(stanza, readSize: readSize) }.sorted()
        let expatTimes = (0..<rounds).map { _ in expatMilliseconds(stanza, readSize: readSize) }.sorted()
        let median = times[times.count / 2]
        let expatMedian = expatTimes[expatTimes.count / 2]
        if name == "plain text" {
            plain = median
            expatPlain = expatMedian
        }
        print(
            "\(readName.padding(13))  \(name.padding(16))  \(stanza.count) bytes  XMLStreamParser "
                + "\(format(median)) ms (x\(format(median / plain)) of plain text)  expat alone "
                + "\(format(expatMedian)) ms (x\(format(expatMedian / expatPlain)))")
    }
}

func format(_ value: Double) -> String {
    let hundredths = Int(value * 100 + 0.5)
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
