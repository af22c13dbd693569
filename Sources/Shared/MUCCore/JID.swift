/// A real or room JID (`node@domain/resource`), stored once in its normalised form.
///
/// Normalisation follows what XMPP servers do in practice: the node and the domain compare
/// case-insensitively (lowercased), every part is NFC, the resource keeps its case. A trailing dot on the
/// domain is dropped. Parts are limited to 1023 bytes each (RFC 7622).
public struct JID: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The normalised text, `node@domain/resource`.
    public let description: String
    /// UTF-8 length of the node (0 when there is none) and of `node@domain`.
    private let nodeCount: Int32
    private let bareCount: Int32

    public static let maxPartBytes = 1023
    /// Characters RFC 7622 forbids in a localpart.
    static let forbiddenInNode: Set<Character> = ["\"", "&", "'", "/", ":", "<", ">", "@", " "]

    public init(parsing text: String) throws(AddressError) {
        if text.isEmpty { throw .empty }
        if let fast = try Self.parseASCII(text) {
            self = fast
            return
        }
        if text.containsControlCharacter { throw .controlCharacter }
        let slash = text.firstIndex(of: "/")
        let bareText = slash.map { text[..<$0] } ?? text[...]
        let resourceText = slash.map { text[text.index(after: $0)...] }
        let ats = bareText.filter { $0 == "@" }.count
        if ats > 1 { throw .tooManyAts }
        var node: Substring?
        var domain: Substring
        if let at = bareText.firstIndex(of: "@") {
            node = bareText[..<at]
            domain = bareText[bareText.index(after: at)...]
        } else {
            domain = bareText
        }
        if let n = node {
            if n.isEmpty { throw .emptyPart("node") }
            if let bad = n.first(where: { JID.forbiddenInNode.contains($0) }) {
                throw .forbiddenCharacter(bad, part: "node")
            }
        }
        if domain.hasSuffix(".") { domain = domain.dropLast() }
        if domain.isEmpty { throw .emptyPart("domain") }
        if let bad = domain.first(where: { $0 == " " || $0 == "@" }) {
            throw .forbiddenCharacter(bad, part: "domain")
        }
        if let r = resourceText, r.isEmpty { throw .emptyPart("resource") }

        let normalNode = node.map { String($0).lowercased().nfc }
        let normalDomain = String(domain).lowercased().nfc
        let normalResource = resourceText.map { String($0).nfc }
        if (normalNode?.utf8.count ?? 0) > JID.maxPartBytes { throw .tooLong(part: "node") }
        if normalDomain.utf8.count > JID.maxPartBytes { throw .tooLong(part: "domain") }
        if (normalResource?.utf8.count ?? 0) > JID.maxPartBytes { throw .tooLong(part: "resource") }

        var bare = normalDomain
        if let n = normalNode { bare = n + "@" + normalDomain }
        self.nodeCount = Int32(normalNode?.utf8.count ?? 0)
        self.bareCount = Int32(bare.utf8.count)
        self.description = normalResource.map { bare + "/" + $0 } ?? bare
    }

    /// Where the parts of an all-ASCII JID lie, and whether its normal form differs from the text.
    private struct ASCIIShape {
        var at: Int
        var slash: Int
        var domainEnd: Int
        var trailingDot: Bool
        var hasUpper: Bool
    }

    /// The common case, an all-ASCII JID, in one pass over the bytes. Returns nil for anything non-ASCII
    /// (the general path handles Unicode case folding and NFC). A JID already in normal form, the usual
    /// case, shares the caller's string instead of building a new one.
    private static func parseASCII(_ text: String) throws(AddressError) -> JID? {
        let scanned =
            text.utf8.withContiguousStorageIfAvailable { bytes in
                Result { () throws(AddressError) in try scanASCII(bytes) }
            }
            ?? Array(text.utf8).withUnsafeBufferPointer { bytes in
                Result { () throws(AddressError) in try scanASCII(bytes) }
            }
        guard let shape = try scanned.get() else { return nil }
        let nodeCount = Int32(max(shape.at, 0))
        if !shape.hasUpper && !shape.trailingDot {
            return JID(normalised: text, nodeCount: nodeCount, bareCount: Int32(shape.domainEnd))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let dotIndex = shape.trailingDot ? shape.domainEnd : -1
        for (index, byte) in text.utf8.enumerated() where index != dotIndex {
            let beforeResource = shape.slash < 0 || index < shape.slash
            bytes.append(beforeResource && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        return JID(
            normalised: String(decoding: bytes, as: UTF8.self), nodeCount: nodeCount,
            bareCount: Int32(shape.domainEnd))
    }

    private static func scanASCII(_ bytes: UnsafeBufferPointer<UInt8>) throws(AddressError) -> ASCIIShape? {
        var at = -1
        var slash = -1
        var hasUpper = false
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte >= 0x80 { return nil }
            if byte < 0x20 || byte == 0x7F { throw .controlCharacter }
            if slash < 0 {
                switch byte {
                case UInt8(ascii: "/"):
                    slash = index
                case UInt8(ascii: "@"):
                    if at >= 0 { throw .tooManyAts }
                    at = index
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    hasUpper = true
                default:
                    break
                }
            }
        }
        if at >= 0 {
            if at == 0 { throw .emptyPart("node") }
            for byte in bytes[..<at] {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: ":"), UInt8(ascii: "<"),
                    UInt8(ascii: ">"), UInt8(ascii: " "):
                    throw .forbiddenCharacter(Character(Unicode.Scalar(byte)), part: "node")
                default: break
                }
            }
        }
        let domainStart = at >= 0 ? at + 1 : 0
        let bareEnd = slash >= 0 ? slash : bytes.count
        let trailingDot = bareEnd > domainStart && bytes[bareEnd - 1] == UInt8(ascii: ".")
        let domainEnd = trailingDot ? bareEnd - 1 : bareEnd
        if domainEnd == domainStart { throw .emptyPart("domain") }
        if bytes[domainStart..<domainEnd].contains(UInt8(ascii: " ")) {
            throw .forbiddenCharacter(" ", part: "domain")
        }
        if slash >= 0, slash == bytes.count - 1 { throw .emptyPart("resource") }
        if at > maxPartBytes { throw .tooLong(part: "node") }
        if domainEnd - domainStart > maxPartBytes { throw .tooLong(part: "domain") }
        if slash >= 0, bytes.count - slash - 1 > maxPartBytes { throw .tooLong(part: "resource") }
        return ASCIIShape(at: at, slash: slash, domainEnd: domainEnd, trailingDot: trailingDot, hasUpper: hasUpper)
    }

    private init(normalised: String, nodeCount: Int32, bareCount: Int32) {
        self.description = normalised
        self.nodeCount = nodeCount
        self.bareCount = bareCount
    }

    public var isBare: Bool { Int(bareCount) == description.utf8.count }

    public var bare: JID {
        if isBare { return self }
        let text = String(decoding: description.utf8.prefix(Int(bareCount)), as: UTF8.self)
        return JID(normalised: text, nodeCount: nodeCount, bareCount: bareCount)
    }

    /// Whether there is a node, without making it a string.
    public var hasNode: Bool { nodeCount != 0 }

    /// Whether the domain is `domain` (normalised), without making the domain a string.
    public func hasDomain(_ domain: String) -> Bool {
        let start = nodeCount == 0 ? 0 : Int(nodeCount) + 1
        let count = Int(bareCount) - start
        guard domain.utf8.count == count else { return false }
        var text = description
        var domain = domain
        return text.withUTF8 { mine in
            domain.withUTF8 { theirs in
                for offset in 0..<count where mine[start + offset] != theirs[offset] { return false }
                return true
            }
        }
    }

    public var node: String? {
        nodeCount == 0 ? nil : String(decoding: description.utf8.prefix(Int(nodeCount)), as: UTF8.self)
    }

    public var domain: String {
        let start = nodeCount == 0 ? 0 : Int(nodeCount) + 1
        return String(decoding: description.utf8.prefix(Int(bareCount)).dropFirst(start), as: UTF8.self)
    }

    public var resource: String? {
        isBare ? nil : String(decoding: description.utf8.dropFirst(Int(bareCount) + 1), as: UTF8.self)
    }

    /// The same bare JID with another resource.
    public func with(resource: String) throws(AddressError) -> JID {
        try JID(parsing: bare.description + "/" + resource)
    }

    public static func < (lhs: JID, rhs: JID) -> Bool { lhs.description < rhs.description }

    // The counts follow from the text, so the text alone decides equality and the hash.
    public static func == (lhs: JID, rhs: JID) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
