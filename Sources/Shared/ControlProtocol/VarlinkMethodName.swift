/// Varlink method names: `interface.Member`.
public enum VarlinkMethodName {
    /// `org.muckick.Rooms.Kick` -> (`org.muckick.Rooms`, `Kick`); nil when either part is missing.
    public static func split(_ method: String) -> (interface: String, member: String)? {
        // Over the UTF-8 view: `String.lastIndex(of:)` walks grapheme clusters, a measurable share of roomd's
        // time per call. A `.` is one byte and never part of a longer UTF-8 sequence.
        let utf8 = method.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), dot != utf8.startIndex,
            utf8.index(after: dot) != utf8.endIndex
        else { return nil }
        return (String(method[..<dot]), String(method[utf8.index(after: dot)...]))
    }
}
