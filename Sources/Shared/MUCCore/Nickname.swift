/// An occupant's nickname in a room.
///
/// `description` is the form shown (the occupant JID's resource); `comparisonKey` is what equality and hashing
/// use, so a room's occupant table refuses a second nickname that compares equal to one present. roomd makes
/// every nickname of a room with `init(enforced:comparisonKey:)` from RFC 8266's nickname profile (its
/// NicknameProfile target: case preserved for display, lowercased for comparison; docs/nicknames.md). That
/// profile needs Unicode data (NFKC, character properties) this pure core does not link, because the
/// responder links the core too; `init(parsing:)` is the syntactic check the responder and roomctl make
/// before sending a nickname to roomd, which prepares it again: compared by its NFC form, case-sensitively.
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
            self.description = text
            self.comparisonKey = text
            return
        }
        if text.containsControlCharacter { throw .controlCharacter }
        if text.allSatisfy({ $0.isWhitespace }) { throw .whitespaceOnly }
        let normal = text.nfc
        if normal.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
        self.description = normal
        self.comparisonKey = normal
    }

    /// A nickname already prepared by a profile: `enforced` is shown, `comparisonKey` compared. Both must be
    /// NFC (an NFKC output is), which keeps String's equality and hashing the same as the bytes'.
    public init(enforced: String, comparisonKey: String) {
        self.description = enforced
        self.comparisonKey = comparisonKey
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
