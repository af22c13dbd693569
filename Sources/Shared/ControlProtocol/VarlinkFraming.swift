/// Varlink frames: one JSON document followed by a NUL byte.
public enum VarlinkFraming {
    public static let terminator: UInt8 = 0
    /// The largest message either side accepts from the other, the terminator excluded.
    public static let maxRequestSize = 64 * 1024
}
