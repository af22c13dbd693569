import XMLStream

/// What a joiner asks of the room's history (XEP-0045 §7.2.14): `<history maxchars maxstanzas seconds since/>`
/// in its `<x xmlns='http://jabber.org/protocol/muc'/>`. Read as Prosody 0.12's `parse_history` reads it: an
/// attribute that is not a number (or a date, for `since`) is ignored, a negative count asks for nothing, and
/// `seconds` with `since` keeps the later of the two.
struct HistoryRequest: Equatable {
    /// The most characters of the complete stanzas sent, as §7.2.14 counts them; nil for no limit.
    var maxChars: Int?
    /// The most messages sent; nil for no limit.
    var maxStanzas: Int?
    /// Only messages from this time (seconds since the epoch) on; nil for any time.
    var since: Double?

    /// Nothing asked: the room's `defaultHistoryMessages` apply.
    var isDefault: Bool { maxChars == nil && maxStanzas == nil && since == nil }

    init(maxChars: Int? = nil, maxStanzas: Int? = nil, since: Double? = nil) {
        self.maxChars = maxChars
        self.maxStanzas = maxStanzas
        self.since = since
    }

    /// The request a join's MUC element makes, at `now` (seconds since the epoch).
    init(muc: XMLElement?, now: Int64) {
        guard let history = muc?.child("history", namespace: Namespace.muc) else { return }
        maxChars = Self.count(history["maxchars"])
        maxStanzas = Self.count(history["maxstanzas"])
        since = history["since"].flatMap(XMPPDateTime.parse)
        if let seconds = Self.count(history["seconds"]) {
            let from = Double(now) - Double(seconds)
            since = max(since ?? from, from)
        }
    }

    /// A count: an optional sign and digits; a negative one is 0 (it lets nothing through, as in Prosody), a
    /// huge one `Int.max`.
    static func count(_ text: String?) -> Int? {
        guard var digits = text?.utf8[...], !digits.isEmpty, digits.count <= 64 else { return nil }
        var negative = false
        if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") {
            negative = digits.first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        if negative { return 0 }
        return Int(String(decoding: digits, as: UTF8.self)) ?? Int.max
    }
}
