/// An occupant's nickname in a room: case-sensitive, compared in NFC.
public struct Nickname: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let description: String

    public init(parsing text: String) throws(AddressError) {
        if text.isEmpty { throw .empty }
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            // All printable ASCII: already NFC, no control characters; only all-spaces can be refused.
            if text.utf8.allSatisfy({ $0 == 0x20 }) { throw .whitespaceOnly }
            if text.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
            self.description = text
            return
        }
        if text.containsControlCharacter { throw .controlCharacter }
        if text.allSatisfy({ $0.isWhitespace }) { throw .whitespaceOnly }
        let normal = text.nfc
        if normal.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
        self.description = normal
    }

    public static func < (lhs: Nickname, rhs: Nickname) -> Bool { lhs.description < rhs.description }

    // Both sides are NFC, so String's equality (canonical equivalence, with a byte-compare fast path for
    // NFC strings) is the same as comparing the stored bytes, and agrees with String's hashing.
    public static func == (lhs: Nickname, rhs: Nickname) -> Bool {
        lhs.description == rhs.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
