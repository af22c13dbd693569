import MUCCore
import StrictJSON

/// The members of a varlink `parameters` object, read field by field with the contract's rules: a missing
/// or mistyped field is `org.varlink.service.InvalidParameter` naming it, a bad address `InvalidAddress`
/// naming the field, free text the core's `FreeText` rule. Both ends read with it, so roomd refuses exactly
/// what a client's decoder would.
public struct ParameterReader: Sendable {
    public let object: JSONObject

    /// `nil` and `null` read as `{}`: a method without parameters may omit them.
    public init(_ value: JSONValue?) throws(RoomsError) {
        switch value {
        case nil, .null?: object = [:]
        case .object(let object)?: self.object = object
        default: throw .invalidParameter("parameters")
        }
    }

    public init(object: JSONObject) { self.object = object }

    public func string(_ key: String) throws(RoomsError) -> String {
        guard case .string(let text)? = object[key] else { throw .invalidParameter(key) }
        return text
    }

    public func optionalString(_ key: String) throws(RoomsError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidParameter(key)
        }
    }

    /// A free-text field (reason, actor, name): refused, naming the field, when the core's rule refuses it.
    public func optionalText(_ key: String, as field: FreeText.Field) throws(RoomsError) -> String? {
        guard let text = try optionalString(key) else { return nil }
        do {
            try FreeText.check(text, as: field)
        } catch {
            throw .invalidParameter(key)
        }
        return text
    }

    public func bool(_ key: String) throws(RoomsError) -> Bool {
        guard case .bool(let flag)? = object[key] else { throw .invalidParameter(key) }
        return flag
    }

    public func optionalBool(_ key: String) throws(RoomsError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .invalidParameter(key)
        }
    }

    public func int(_ key: String) throws(RoomsError) -> Int64 {
        guard let value = try optionalInt(key) else { throw .invalidParameter(key) }
        return value
    }

    /// Integral numbers only, and only those a double holds exactly.
    public func optionalInt(_ key: String) throws(RoomsError) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let number)? where number == number.rounded() && abs(number) < 1e15: return Int64(number)
        default: throw .invalidParameter(key)
        }
    }

    public func strings(_ key: String) throws(RoomsError) -> [String] {
        guard case .array(let items)? = object[key] else { throw .invalidParameter(key) }
        var texts: [String] = []
        texts.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else { throw .invalidParameter(key) }
            texts.append(text)
        }
        return texts
    }

    /// The members of an array of objects, each read by `read`.
    public func objects<Element>(_ key: String, _ read: (ParameterReader) throws(RoomsError) -> Element)
        throws(RoomsError) -> [Element]
    {
        guard case .array(let items)? = object[key] else { throw .invalidParameter(key) }
        var elements: [Element] = []
        elements.reserveCapacity(items.count)
        for item in items {
            guard case .object(let member) = item else { throw .invalidParameter(key) }
            elements.append(try read(ParameterReader(object: member)))
        }
        return elements
    }

    public func object(_ key: String) throws(RoomsError) -> ParameterReader {
        guard case .object(let member)? = object[key] else { throw .invalidParameter(key) }
        return ParameterReader(object: member)
    }

    // MARK: Addresses

    public func room(_ key: String) throws(RoomsError) -> RoomAddress {
        try Self.room(try string(key), field: key)
    }

    public func optionalRoom(_ key: String) throws(RoomsError) -> RoomAddress? {
        guard let text = try optionalString(key) else { return nil }
        return try Self.room(text, field: key)
    }

    public func nick(_ key: String) throws(RoomsError) -> Nickname {
        try Self.nick(try string(key), field: key)
    }

    public func optionalNick(_ key: String) throws(RoomsError) -> Nickname? {
        guard let text = try optionalString(key) else { return nil }
        return try Self.nick(text, field: key)
    }

    public func jid(_ key: String) throws(RoomsError) -> JID {
        try Self.jid(try string(key), field: key)
    }

    public func optionalJID(_ key: String) throws(RoomsError) -> JID? {
        guard let text = try optionalString(key) else { return nil }
        return try Self.jid(text, field: key)
    }

    public func jids(_ key: String) throws(RoomsError) -> [JID] {
        var jids: [JID] = []
        for text in try strings(key) { jids.append(try Self.jid(text, field: key)) }
        return jids
    }

    public func role(_ key: String) throws(RoomsError) -> Role {
        guard let role = Role(rawValue: try string(key)) else { throw .invalidParameter(key) }
        return role
    }

    public func affiliation(_ key: String) throws(RoomsError) -> Affiliation {
        guard let affiliation = Affiliation(rawValue: try string(key)) else { throw .invalidParameter(key) }
        return affiliation
    }

    static func room(_ text: String, field: String) throws(RoomsError) -> RoomAddress {
        do { return try RoomAddress(parsing: text) } catch {
            throw .invalidAddress(field: field, value: text, error: error)
        }
    }

    static func nick(_ text: String, field: String) throws(RoomsError) -> Nickname {
        do { return try Nickname(parsing: text) } catch {
            throw .invalidAddress(field: field, value: text, error: error)
        }
    }

    static func jid(_ text: String, field: String) throws(RoomsError) -> JID {
        do { return try JID(parsing: text) } catch {
            throw .invalidAddress(field: field, value: text, error: error)
        }
    }
}
