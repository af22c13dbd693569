import CUnicodeData
import MUCCore

/// RFC 8266's nickname profile of the PRECIS FreeformClass (RFC 8264), as roomd applies it to every
/// nickname that enters a room: XMPP joins and nickname changes, and the control socket's and HTTP kick's
/// nicknames. See docs/nicknames.md.
///
/// Enforcement (§2.4) gives the form shown: non-ASCII spaces mapped to SPACE, leading and trailing spaces
/// removed, interior runs of spaces made one, then NFKC; case is kept. Comparison (§2.5) lowercases after
/// the spaces and before NFKC; two nicknames with the same comparison form name the same occupant. Each
/// output must be FreeformClass (RFC 8264 §7 rule 6, checked on the output as the rules' order puts it) and
/// not empty.
public enum NicknameProfile {
    /// The Unicode version of the character data the profile reads (ICU's), as "15.0".
    public static var unicodeVersion: String {
        let version = cicu_unicode_version()
        return "\(version / 100).\(version % 100)"
    }

    /// The nickname `text` enforces to, compared by its comparison form.
    public static func nickname(_ text: String) throws(AddressError) -> Nickname {
        if text.isEmpty { throw .empty }
        // The longest an occupant JID's resource can be; bounds the work done on hostile input.
        if text.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
        if let prepared = Nickname.preparedPrintableASCII(text) {
            if prepared.description.isEmpty { throw .empty }
            return prepared
        }
        let shown = try stable(text, caseMapped: false)
        let key = try stable(text, caseMapped: true)
        if shown.isEmpty || key.isEmpty { throw .empty }  // §2.4: a nickname is never empty
        try FreeformClass.check(Array(shown.unicodeScalars), part: "nickname")
        try FreeformClass.check(Array(key.unicodeScalars), part: "nickname")
        if shown.utf8.count > JID.maxPartBytes { throw .tooLong(part: "nickname") }
        return Nickname(enforced: shown, comparisonKey: key)
    }

    /// The rules applied until their output no longer changes (RFC 8264 §7: NFKC after case mapping is not
    /// always idempotent; give up after three more applications than the first).
    private static func stable(_ text: String, caseMapped: Bool) throws(AddressError) -> String {
        var current = try rules(text, caseMapped: caseMapped)
        for _ in 0..<3 {
            let next = try rules(current, caseMapped: caseMapped)
            if next.unicodeScalars.elementsEqual(current.unicodeScalars) { return current }
            current = next
        }
        throw .unstable(part: "nickname")
    }

    /// §2.2's rules in the order §2.4 (enforcement) or §2.5 (comparison) gives.
    private static func rules(_ text: String, caseMapped: Bool) throws(AddressError) -> String {
        var output = mapSpaces(text)
        if caseMapped {
            guard let lower = ICUText.lowercased(output) else { throw .invalidUTF8 }
            output = lower
        }
        guard let normal = ICUText.nfkc(output) else { throw .invalidUTF8 }
        return normal
    }

    /// The additional mapping rule (§2.2 rule 2): every space (general category Zs) becomes SPACE, and
    /// spaces are trimmed from both ends and collapsed inside.
    static func mapSpaces(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.value == 0x20 || isSpaceSeparator(scalar) {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func isSpaceSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x80 && Int(cicu_category(Int32(bitPattern: scalar.value))) == CICU_SPACE
    }
}
