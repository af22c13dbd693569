import StrictJSON

/// libFuzzer's entry point: the input is an HTTP body or a varlink message as a caller could send it.
///
/// The strict parser must never crash or hang, under the default member cap and with it raised (the
/// duplicate-key check then runs over large objects). What it accepts must write out and parse back to the
/// same value, and writing must be stable (the second text equals the first).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: count)
    _ = try? JSONParser.parse(bytes, maxMembers: 100_000)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let text = written(value)
    guard let again = try? JSONParser.parse(text) else {
        fatalError("accepted input wrote out as text the parser refuses: \(String(decoding: text, as: UTF8.self))")
    }
    guard again == value else { fatalError("value changed through write and parse") }
    guard written(again) == text else { fatalError("writing is not stable") }
    return 0
}

private func written(_ value: JSONValue) -> [UInt8] {
    var writer = JSONWriter()
    writer.value(value)
    return writer.bytes
}
