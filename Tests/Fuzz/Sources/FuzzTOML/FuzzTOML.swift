import ResponderConfiguration

/// libFuzzer's entry point: the input is a configuration file (an operator's, or one a shared-hosting
/// neighbour could plant next to the binary).
///
/// The reader must never crash or hang: it accepts, or refuses with its error. What it accepts is turned
/// into the typed JSON `--check-config --json` prints, which must not crash either, and reading the same
/// text again gives the same values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    guard let document = try? TOMLDocument(parsing: text) else { return 0 }
    // Compared through the typed JSON rather than `==`: nan is a value TOML has and Equatable says is unequal.
    guard (try? TOMLDocument(parsing: text))?.typedJSON == document.typedJSON else {
        fatalError("the same text read differently")
    }
    return 0
}
