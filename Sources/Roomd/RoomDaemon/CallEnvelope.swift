import ControlProtocol
import StrictJSON

/// The envelope of a call: method, flags, parameters.
struct CallEnvelope {
    let method: String
    let oneway: Bool
    let more: Bool
    let parameters: JSONValue?

    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(RoomsError) {
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
        func flag(_ key: String) throws(RoomsError) -> Bool {
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
