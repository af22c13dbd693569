import StrictJSON

extension TOMLDocument {
    /// The document as JSON, nested by table, each value as `{"type": ..., "value": ...}` in the manner of the
    /// toml-test suite: numbers as their text, so that an integer and a float, or a float's exact value, are
    /// never blurred by a JSON reader. What `muc-kick-fcgi --check-config FILE --json` prints.
    public var typedJSON: [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        let entries = paths.map { (path: $0.value, value: values[$0.key]!) }
        writeTable([], entries, &writer)
        return writer.bytes
    }

    private func writeTable(
        _ prefix: [String], _ entries: [(path: [String], value: Value)], _ writer: inout JSONWriter
    ) {
        writer.beginObject()
        var names: Set<String> = []
        for path in tables where path.count > prefix.count && path.starts(with: prefix) {
            names.insert(path[prefix.count])
        }
        for entry in entries where entry.path.count > prefix.count && entry.path.starts(with: prefix) {
            names.insert(entry.path[prefix.count])
        }
        for name in names.sorted() {
            writer.key(name)
            let path = prefix + [name]
            if let entry = entries.first(where: { $0.path == path }) {
                Self.write(entry.value, &writer)
            } else {
                writeTable(path, entries, &writer)
            }
        }
        writer.endObject()
    }

    private static func write(_ value: Value, _ writer: inout JSONWriter) {
        writer.beginObject()
        switch value {
        case .string(let text):
            writer.field("type", "string")
            writer.field("value", text)
        case .integer(let number):
            writer.field("type", "integer")
            writer.field("value", String(number))
        case .float(let number):
            writer.field("type", "float")
            writer.field("value", number.isNaN ? "nan" : String(number))
        case .bool(let flag):
            writer.field("type", "bool")
            writer.field("value", flag ? "true" : "false")
        case .array(let items):
            writer.field("type", "array")
            writer.key("value")
            writer.beginArray()
            for item in items { write(item, &writer) }
            writer.endArray()
        }
        writer.endObject()
    }
}
