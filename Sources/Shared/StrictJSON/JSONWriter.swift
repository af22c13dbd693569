/// Writes compact JSON into a byte array, in the order the caller writes fields.
///
/// The counterpart of `JSONParser` on roomd's hot path (see there for why it is not `JSONEncoder`).
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// One bit per open object or array (bit `depth - 1` for the innermost): whether it already holds a
    /// member. A bit stack rather than an array saves a heap allocation per message on roomd's hot path.
    private var hasMember: UInt64 = 0
    private var depth = 0
    private var afterKey = false

    /// Deeper nesting than any message of ours; the writer is not a general-purpose serialiser.
    public static let maxDepth = 64

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    private mutating func beginValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasMember & bit != 0 { bytes.append(UInt8(ascii: ",")) }
        hasMember |= bit
    }

    private mutating func open(_ bracket: UInt8) {
        beginValue()
        precondition(depth < Self.maxDepth, "JSONWriter nested deeper than \(Self.maxDepth)")
        bytes.append(bracket)
        depth += 1
        hasMember &= ~(1 << UInt64(depth - 1))
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        bytes.append(bracket)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    public mutating func key(_ name: String) {
        beginValue()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ text: String) {
        beginValue()
        appendQuoted(text)
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        if value {
            bytes.append(contentsOf: "true".utf8)
        } else {
            bytes.append(contentsOf: "false".utf8)
        }
    }

    public mutating func integer(_ value: Int64) {
        beginValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func null() {
        beginValue()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 {
                integer(Int64(number))
            } else {
                beginValue()
                bytes.append(contentsOf: "\(number)".utf8)
            }
        case .string(let text): string(text)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members.sorted(by: { $0.key < $1.key }) {
                self.key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }

    // Conveniences for `"key": value` members.
    public mutating func field(_ name: String, _ text: String) {
        key(name)
        string(text)
    }

    public mutating func field(_ name: String, _ text: String?) {
        guard let text else { return }
        key(name)
        string(text)
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    public mutating func field(_ name: String, _ value: Int64) {
        key(name)
        integer(value)
    }

    public mutating func field(_ name: String, _ texts: [String]) {
        key(name)
        beginArray()
        for text in texts { string(text) }
        endArray()
    }

    public mutating func appendRaw(_ byte: UInt8) {
        bytes.append(byte)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path over the string's own storage: most texts need no escaping and are copied at once.
        let copied: Bool? = text.utf8.withContiguousStorageIfAvailable { buffer in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if copied == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(byte)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
