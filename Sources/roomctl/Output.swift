import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

func printCompactJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

/// `watch` output goes to pipes; each event must leave as soon as it is printed.
func fflushStandardOutput() {
    fflush(nil)  // all streams: the `stdout` global is not concurrency-safe in Swift 6
}
