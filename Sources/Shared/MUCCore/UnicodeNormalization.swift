extension String {
    /// NFC form. The standard library's `_nfcCodeUnits` is used rather than Foundation's
    /// `precomposedStringWithCanonicalMapping`, which would pull ICU into every process that links the
    /// core (it doubles the responder's resident memory).
    var nfc: String {
        if utf8.allSatisfy({ $0 < 0x80 }) { return self }
        return String(decoding: _nfcCodeUnits, as: UTF8.self)
    }

    /// True if any scalar is a C0/C1 control character or DEL, which no JID part or nickname may hold.
    var containsControlCharacter: Bool {
        unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
