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
        if let prepared = Self.preparedPrintableASCII(text) {
            // All printable ASCII: already NFC, no control characters; only all-spaces can be refused.
            if prepared.description.isEmpty { throw .whitespaceOnly }
            if text.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
            self.description = text
            self.comparisonKey = prepared.comparisonKey == text ? text : prepared.comparisonKey
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

    /// RFC 8266 applied to printable ASCII text (U+0020...U+007E), where NFKC changes nothing and every
    /// character is FreeformClass: shown with spaces trimmed and collapsed, compared lowercased. Nil when
    /// `text` holds anything else; an empty `description` when it was only spaces.
    ///
    /// The kick path prepares a nickname per call, so this reads the bytes once and makes a new string only
    /// when one differs from the text (a nickname in lowercase with single spaces shares one buffer).
    public static func preparedPrintableASCII(_ text: String) -> Nickname? {
        var contiguous = text
        return contiguous.withUTF8 { bytes -> Nickname? in
            var hasUppercase = false
            var spacesToMap = false
            var previous: UInt8 = 0x20  // so that a leading space counts as a run
            for byte in bytes {
                guard byte >= 0x20, byte < 0x7F else { return nil }
                if byte == 0x20 && previous == 0x20 { spacesToMap = true }
                if byte >= 0x41 && byte <= 0x5A { hasUppercase = true }
                previous = byte
            }
            if previous == 0x20 { spacesToMap = true }  // a trailing space, or no text
            let shown = spacesToMap ? mappingASCIISpaces(bytes) : text
            guard hasUppercase else { return Nickname(shown: shown, comparedAsShown: ()) }
            return Nickname(enforced: shown, comparisonKey: lowercasingASCII(shown))
        }
    }

    private init(shown: String, comparedAsShown: Void) {
        self.description = shown
        self.comparisonKey = shown
    }

    private static func mappingASCIISpaces(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            var pendingSpace = false
            for byte in bytes {
                if byte == 0x20 {
                    pendingSpace = count > 0
                    continue
                }
                if pendingSpace {
                    buffer[count] = 0x20
                    count += 1
                }
                pendingSpace = false
                buffer[count] = byte
                count += 1
            }
            return count
        }
    }

    private static func lowercasingASCII(_ text: String) -> String {
        let utf8 = text.utf8
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var count = 0
            for byte in utf8 {
                buffer[count] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
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
