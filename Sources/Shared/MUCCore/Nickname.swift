/// An occupant's nickname in a room.
///
/// `description` is the form shown (the occupant JID's resource); `comparisonKey` is what equality and hashing
/// use, so a room's occupant table refuses a second nickname that compares equal to one present. roomd makes
/// every nickname that enters a room with `init(enforced:comparisonKey:)` from RFC 8266's nickname profile
/// (its NicknameProfile target: case kept for display, lowercased and NFKC for comparison; docs/nicknames.md).
/// That profile needs Unicode data (NFKC, character properties) that this core does not link, because the
/// responder links it too. `init(parsing:)` is the syntactic check the responder and roomctl make before
/// sending a nickname to roomd, which prepares it again; its comparison form is the profile's for ASCII
/// (spaces trimmed and collapsed, lowercased), and an approximation otherwise (NFC instead of NFKC).
public struct Nickname: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let description: String
    /// The form two nicknames are compared by: equal keys name the same occupant.
    public let comparisonKey: String

    public init(parsing text: String) throws(AddressError) {
        if text.isEmpty { throw .empty }
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            // All printable ASCII: already NFC, no control characters; only all-spaces can be refused.
            if text.utf8.allSatisfy({ $0 == 0x20 }) { throw .whitespaceOnly }
            if text.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
            let key = Self.asciiComparisonKey(text)
            self.description = text
            self.comparisonKey = key == text ? text : key
            return
        }
        if text.containsControlCharacter { throw .controlCharacter }
        if text.allSatisfy({ $0.isWhitespace }) { throw .whitespaceOnly }
        let normal = text.nfc
        if normal.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
        let key = Self.collapsingSpaces(normal).lowercased().nfc
        self.description = normal
        self.comparisonKey = key == normal ? normal : key
    }

    /// RFC 8266 §2.5 for printable ASCII, where NFKC changes nothing: spaces trimmed and collapsed, then
    /// lowercased.
    private static func asciiComparisonKey(_ text: String) -> String {
        // The kick path parses a nickname per call: most need no change, and none needs a heap buffer of
        // its own to be made (a result of up to 15 bytes is a small string).
        let utf8 = text.utf8
        if utf8.first != 0x20, utf8.last != 0x20, !utf8.contains(where: { (0x41...0x5A).contains($0) }),
            !zip(utf8, utf8.dropFirst()).contains(where: { $0 == 0x20 && $1 == 0x20 })
        {
            return text
        }
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var count = 0
            var pendingSpace = false
            for byte in utf8 {
                if byte == 0x20 {
                    pendingSpace = count > 0
                    continue
                }
                if pendingSpace {
                    buffer[count] = 0x20
                    count += 1
                }
                pendingSpace = false
                buffer[count] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                count += 1
            }
            return count
        }
    }

    /// RFC 8266's additional mapping rule: every space separator is SPACE, trimmed and collapsed.
    private static func collapsingSpaces(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .spaceSeparator {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// A nickname already prepared by a profile: `enforced` is shown, `comparisonKey` compared. Both must be
    /// NFC (an NFKC output is), which keeps String's equality and hashing the same as the bytes'.
    public init(enforced: String, comparisonKey: String) {
        self.description = enforced
        // Equal forms (a nickname already in lowercase) share one string buffer rather than hold two.
        self.comparisonKey = comparisonKey == enforced ? enforced : comparisonKey
    }

    /// True when both show the same text, which `==` does not tell: `Bob` and `bob` name one occupant under
    /// RFC 8266's comparison, and a change from one to the other is still a nickname change.
    public func isShown(as other: Nickname) -> Bool { description == other.description }

    /// By the shown form, for listings. Two nicknames of one room never compare equal, so within a room this
    /// order agrees with `==`.
    public static func < (lhs: Nickname, rhs: Nickname) -> Bool { lhs.description < rhs.description }

    // Both keys are NFC, so String's equality (canonical equivalence, with a byte-compare fast path for NFC
    // strings) is the same as comparing the stored bytes, and agrees with String's hashing.
    public static func == (lhs: Nickname, rhs: Nickname) -> Bool {
        lhs.comparisonKey == rhs.comparisonKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(comparisonKey)
    }
}
