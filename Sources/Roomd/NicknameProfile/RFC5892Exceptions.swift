/// RFC 5892 §2.6, the exceptions that RFC 8264 §9.6 takes over for PRECIS: code points whose derived
/// property Unicode's character data alone cannot give. It is the one table kept by hand here: the RFC
/// defines it (it is in no Unicode data file, hence in no library's), and fixed it for every Unicode version.
enum RFC5892Exceptions {
    static func property(of value: UInt32) -> PRECISProperty? {
        switch value {
        // PVALID: sharp s, final sigma, Arabic letters, Tibetan mark, ideographic zero.
        case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007: return .valid
        // CONTEXTO: middle dot, Greek keraia, Hebrew geresh and gershayim, katakana middle dot, and the two
        // sets of Arabic-Indic digits (RFC 5892 appendix A.3-A.9).
        case 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, 0x0660...0x0669, 0x06F0...0x06F9: return .contextO
        // DISALLOWED: Arabic tatweel, NKo lajanyalan, Hangul tone marks, vertical kana repeat marks,
        // masu mark.
        case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031...0x3035, 0x303B: return .disallowed
        default: return nil
        }
    }
}
