import Foundation
import StrictJSON

/// Parses `bytes` `rounds` times; returns the median time of one parse.
func median(_ rounds: Int, _ body: () -> Void) -> Duration {
    var times: [Duration] = []
    for _ in 0..<rounds {
        let started = ContinuousClock.now
        body()
        times.append(ContinuousClock.now - started)
    }
    return times.sorted()[rounds / 2]
}

func object(members count: Int) -> [UInt8] {
    var text = "{"
    for index in 0..<count {
        if index > 0 { text += "," }
        text += "\"\(String(index, radix: 36))\":0"
    }
    return Array((text + "}").utf8)
}

let size = 64 * 1024
var manyKeys = object(members: 7753)
// Padded with whitespace to exactly the size of the ordinary body.
manyKeys += [UInt8](repeating: 0x20, count: max(0, size - manyKeys.count))
let prefix = Array(#"{"nickname":"Bob","muc":"lobby@chat.example.org","reason":""#.utf8)
let ordinary = prefix + [UInt8](repeating: UInt8(ascii: "a"), count: size - prefix.count - 2) + Array(#""}"#.utf8)

let rounds = 101
let ordinaryTime = median(rounds) { _ = try? JSONParser.parse(ordinary) }
let manyKeysUncapped = median(rounds) { _ = try? JSONParser.parse(manyKeys, maxMembers: 10_000) }
let manyKeysCapped = median(rounds) { _ = try? JSONParser.parse(manyKeys) }

func show(_ name: String, _ time: Duration) {
    let microseconds = Double(time.components.attoseconds) / 1e12 + Double(time.components.seconds) * 1e6
    let ratio = Double(time.components.attoseconds) / Double(ordinaryTime.components.attoseconds)
    print(name.padding(toLength: 58, withPad: " ", startingAt: 0), String(format: "%9.1f µs  %6.2fx", microseconds, ratio))
}
print("bytes: ordinary \(ordinary.count), many keys \(manyKeys.count); median of \(rounds) parses")
show("ordinary 64 KiB body (one long string)", ordinaryTime)
show("7,753 keys, cap raised to 10,000 (duplicate check)", manyKeysUncapped)
show("7,753 keys, default cap (refused at member 257)", manyKeysCapped)
