import ControlProtocol
import MUCCore
import StrictJSON

/// A call's `parameters` object, read field by field; a missing or mistyped field is
/// `org.varlink.service.InvalidParameter` naming it.
struct CallParameters {
    let object: JSONObject

    init(_ value: JSONValue?) throws(VarlinkErrorReply) {
        switch value {
        case nil, .null?: object = [:]
        case .object(let object)?: self.object = object
        default: throw VarlinkServiceError.invalidParameter("parameters")
        }
    }

    func string(_ key: String) throws(VarlinkErrorReply) -> String {
        guard case .string(let text)? = object[key] else { throw VarlinkServiceError.invalidParameter(key) }
        return text
    }

    func optionalString(_ key: String) throws(VarlinkErrorReply) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw VarlinkServiceError.invalidParameter(key)
        }
    }

    /// A free-text field (reason, actor, name): refused, naming the field, when the core's rule refuses it.
    func optionalText(_ key: String, as field: FreeText.Field) throws(VarlinkErrorReply) -> String? {
        guard let text = try optionalString(key) else { return nil }
        do {
            try FreeText.check(text, as: field)
        } catch {
            throw VarlinkServiceError.invalidParameter(key)
        }
        return text
    }

    func optionalBool(_ key: String) throws(VarlinkErrorReply) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw VarlinkServiceError.invalidParameter(key)
        }
    }

    func optionalInt(_ key: String) throws(VarlinkErrorReply) -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let number)? where number == number.rounded() && abs(number) < 1e15: return Int(number)
        default: throw VarlinkServiceError.invalidParameter(key)
        }
    }
}

/// The envelope of a call: method, flags, parameters.
struct CallEnvelope {
    let method: String
    let oneway: Bool
    let more: Bool
    let parameters: JSONValue?

    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(VarlinkErrorReply) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            if error.offset == 0 && error.reason.contains("UTF-8") {
                throw RoomsError.invalidMessage("the message is not valid UTF-8")
            }
            throw RoomsError.invalidMessage("the message is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw RoomsError.invalidMessage("the message is not a JSON object")
        }
        guard case .string(let method)? = object["method"] else {
            throw RoomsError.invalidMessage(
                object["method"] == nil ? "the message has no 'method'" : "'method' is not a string")
        }
        func flag(_ key: String) throws(VarlinkErrorReply) -> Bool {
            switch object[key] {
            case nil, .null?: return false
            case .bool(let flag)?: return flag
            default: throw RoomsError.invalidMessage("'\(key)' is not a boolean")
            }
        }
        self.method = method
        self.oneway = try flag("oneway")
        self.more = try flag("more")
        self.parameters = object["parameters"]
    }

    /// `org.muckick.Rooms.Kick` -> (`org.muckick.Rooms`, `Kick`).
    var interfaceAndMember: (interface: String, member: String)? {
        VarlinkMethodName.split(method)
    }
}
