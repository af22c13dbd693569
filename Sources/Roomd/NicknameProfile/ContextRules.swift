import CUnicodeData

/// RFC 5892 appendix A: where the code points whose derived property is CONTEXTJ or CONTEXTO are allowed.
enum ContextRules {
    private static let virama: Int32 = 9

    /// A.1 (ZERO WIDTH NON-JOINER) and A.2 (ZERO WIDTH JOINER).
    static func joinControlAllowed(in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        if index > 0, cicu_combining_class(code(scalars[index - 1])) == virama { return true }
        guard scalars[index].value == 0x200C else { return false }
        // (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})
        return joins(scalars[..<index].reversed(), toward: "L") && joins(scalars[(index + 1)...], toward: "R")
    }

    /// A.3-A.9.
    static func otherAllowed(in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let before = index > 0 ? scalars[index - 1].value : nil
        let after = index + 1 < scalars.count ? scalars[index + 1].value : nil
        switch scalars[index].value {
        case 0x00B7: return before == 0x6C && after == 0x6C  // l·l, Catalan's ela geminada
        case 0x0375: return after.map { script($0) == "G" } ?? false
        case 0x05F3, 0x05F4: return before.map { script($0) == "H" } ?? false
        case 0x30FB: return scalars.contains { script($0.value) == "J" }
        case 0x0660...0x0669: return !scalars.contains { (0x06F0...0x06F9).contains($0.value) }
        case 0x06F0...0x06F9: return !scalars.contains { (0x0660...0x0669).contains($0.value) }
        default: return false
        }
    }

    /// Skips transparent code points, then true if the next joins on `side` ("L" or "R") or both.
    private static func joins(_ scalars: some Sequence<Unicode.Scalar>, toward side: Unicode.Scalar) -> Bool {
        for scalar in scalars {
            let type = cicu_joining_type(code(scalar))
            if type == Int32(side.value) || type == Int32(UInt8(ascii: "D")) { return true }
            if type != Int32(UInt8(ascii: "T")) { return false }
        }
        return false
    }

    private static func script(_ value: UInt32) -> Unicode.Scalar? {
        let script = cicu_script(Int32(bitPattern: value))
        return script == 0 ? nil : Unicode.Scalar(UInt32(script))
    }

    private static func code(_ scalar: Unicode.Scalar) -> Int32 { Int32(bitPattern: scalar.value) }
}
