import CUnicodeData
import MUCCore

/// RFC 8264's FreeformClass (§4.3): which code points a string of that class may hold, from ICU's Unicode
/// character data and RFC 5892's exceptions.
enum FreeformClass {
    /// RFC 8264 §8, in its order: the first set a code point is in decides.
    static func property(of scalar: Unicode.Scalar) -> PRECISProperty {
        let value = scalar.value
        let c = Int32(bitPattern: value)
        if let exception = RFC5892Exceptions.property(of: value) { return exception }
        // BackwardCompatible (§9.7) is empty.
        let category = Int(cicu_category(c))
        if category == CICU_UNASSIGNED, cicu_is_noncharacter(c) == 0 { return .unassigned }
        if (0x21...0x7E).contains(value) { return .valid }  // ASCII7
        if cicu_is_join_control(c) != 0 { return .contextJ }
        if cicu_is_conjoining_jamo(c) != 0 { return .disallowed }  // OldHangulJamo
        if cicu_is_default_ignorable(c) != 0 || cicu_is_noncharacter(c) != 0 { return .disallowed }
        if category == CICU_CONTROL { return .disallowed }
        if hasCompatibilityMapping(scalar) { return .valid }  // HasCompat: FREE_PVAL
        // LetterDigits (PVALID), OtherLetterDigits, Spaces, Symbols, Punctuation (FREE_PVAL).
        return category == CICU_SPACE || category == CICU_LETTER_DIGIT_SYMBOL_PUNCTUATION ? .valid : .disallowed
    }

    /// Checks every code point of `scalars`, each in its context; throws naming the first one refused.
    static func check(_ scalars: [Unicode.Scalar], part: String) throws(AddressError) {
        for index in scalars.indices {
            let allowed: Bool
            switch property(of: scalars[index]) {
            case .valid: allowed = true
            case .contextJ: allowed = ContextRules.joinControlAllowed(in: scalars, at: index)
            case .contextO: allowed = ContextRules.otherAllowed(in: scalars, at: index)
            case .disallowed, .unassigned: allowed = false
            }
            if !allowed { throw .disallowedCodePoint(scalars[index].value, part: part) }
        }
    }

    /// RFC 8264 §9.17: toNFKC(cp) != cp.
    private static func hasCompatibilityMapping(_ scalar: Unicode.Scalar) -> Bool {
        let text = String(scalar)
        guard let normal = ICUText.nfkc(text) else { return false }
        return !normal.unicodeScalars.elementsEqual(text.unicodeScalars)
    }
}
