import Foundation
import MUCCore
import NicknameProfile
import Testing

/// Writes the profile's output for every code point, alone and between two letters, to the file named by
/// NICKNAME_PROFILE_DUMP, for Tests/NicknameProfileTests/crosscheck.py to compare with precis-i18n (the
/// Python reference implementation). Off unless that variable is set.
@Suite struct CrossCheckDump {
    static let path = ProcessInfo.processInfo.environment["NICKNAME_PROFILE_DUMP"]

    @Test(.enabled(if: path != nil)) func dumpEveryCodePoint() throws {
        var lines: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for (form, text) in [("alone", String(scalar)), ("between", "a\(scalar)b")] {
                let line: String
                do {
                    let nick = try NicknameProfile.nickname(text)
                    line = "\(form)\t\(hex(nick.description))\t\(hex(nick.comparisonKey))"
                } catch {
                    line = "\(form)\tERR\tERR"
                }
                lines.append("\(String(value, radix: 16))\t\(line)")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: try #require(Self.path), atomically: true, encoding: .utf8)
    }

    private func hex(_ text: String) -> String {
        text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
    }
}
