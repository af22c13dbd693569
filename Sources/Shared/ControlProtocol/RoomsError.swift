import MUCCore
import StrictJSON

/// Every error of `org.muckick.Rooms` and `org.varlink.service` as the contract carries it: roomd throws
/// these and writes them with `write(to:)`; clients read them back with `init(name:parameters:)`, the room
/// errors as the core's `MUCError`.
public enum RoomsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A refusal of the room core. `MUCError.nickChangeRefused` travels as `NickConflict` and reads back as
    /// `nickConflict`: the wire has one name for both.
    case room(MUCError)
    case invalidAddress(field: String, value: String, reason: String)
    case permissionDenied(method: String, required: Rooms.AccessLevel)
    case invalidMessage(String)
    case messageTooLarge(limit: Int)
    case deadlineExceeded(deadline: Int64)
    case storageUnavailable(reason: String)
    /// `Authenticate` refused; the connection is then closed. The reason never says which part was wrong.
    case authenticationFailed(reason: String)
    case interfaceNotFound(String)
    case methodNotFound(String)
    case invalidParameter(String)
    case expectedMore
    case internalError
    /// An error this side does not know, or a known one whose parameters do not read (kept as received).
    case unknown(name: String, parameters: JSONObject)

    /// The qualified error names.
    public enum Name {
        public static let serviceNotFound = Rooms.qualified("ServiceNotFound")
        public static let roomNotFound = Rooms.qualified("RoomNotFound")
        public static let roomExists = Rooms.qualified("RoomExists")
        public static let occupantNotFound = Rooms.qualified("OccupantNotFound")
        public static let nickConflict = Rooms.qualified("NickConflict")
        public static let alreadyJoined = Rooms.qualified("AlreadyJoined")
        public static let banned = Rooms.qualified("Banned")
        public static let invalidAddress = Rooms.qualified("InvalidAddress")
        public static let notAllowed = Rooms.qualified("NotAllowed")
        public static let lastOwner = Rooms.qualified("LastOwner")
        public static let permissionDenied = Rooms.qualified("PermissionDenied")
        public static let invalidMessage = Rooms.qualified("InvalidMessage")
        public static let messageTooLarge = Rooms.qualified("MessageTooLarge")
        public static let deadlineExceeded = Rooms.qualified("DeadlineExceeded")
        public static let storageUnavailable = Rooms.qualified("StorageUnavailable")
        public static let authenticationFailed = Rooms.qualified("AuthenticationFailed")
        public static let interfaceNotFound = "org.varlink.service.InterfaceNotFound"
        public static let methodNotFound = "org.varlink.service.MethodNotFound"
        public static let invalidParameter = "org.varlink.service.InvalidParameter"
        public static let expectedMore = "org.varlink.service.ExpectedMore"
        public static let internalError = "org.varlink.service.InternalError"
    }

    /// An invalid address, repeating only enough of the value to recognise it: values can be up to 64 KiB
    /// of hostile input.
    public static func invalidAddress(field: String, value: String, error: AddressError) -> RoomsError {
        let shown = value.utf8.count > 256 ? String(decoding: value.utf8.prefix(256), as: UTF8.self) + "…" : value
        return .invalidAddress(field: field, value: shown, reason: error.description)
    }

    public var name: String {
        switch self {
        case .room(let error):
            switch error {
            case .serviceNotFound: return Name.serviceNotFound
            case .roomNotFound: return Name.roomNotFound
            case .roomExists: return Name.roomExists
            case .occupantNotFound: return Name.occupantNotFound
            case .nickConflict, .nickChangeRefused: return Name.nickConflict
            case .alreadyJoined: return Name.alreadyJoined
            case .banned: return Name.banned
            case .notAllowed: return Name.notAllowed
            case .lastOwner: return Name.lastOwner
            }
        case .invalidAddress: return Name.invalidAddress
        case .permissionDenied: return Name.permissionDenied
        case .invalidMessage: return Name.invalidMessage
        case .messageTooLarge: return Name.messageTooLarge
        case .deadlineExceeded: return Name.deadlineExceeded
        case .storageUnavailable: return Name.storageUnavailable
        case .authenticationFailed: return Name.authenticationFailed
        case .interfaceNotFound: return Name.interfaceNotFound
        case .methodNotFound: return Name.methodNotFound
        case .invalidParameter: return Name.invalidParameter
        case .expectedMore: return Name.expectedMore
        case .internalError: return Name.internalError
        case .unknown(let name, _): return name
        }
    }

    /// The error's parameters as they go on the wire.
    public var parameters: JSONObject {
        switch self {
        case .room(let error):
            switch error {
            case .serviceNotFound(let service): return ["service": .string(service)]
            case .roomNotFound(let room), .roomExists(let room): return ["room": .string(room.description)]
            case .occupantNotFound(let room, let nick, let jid):
                var parameters: JSONObject = ["room": .string(room.description)]
                if let nick { parameters["nick"] = .string(nick.description) }
                if let jid { parameters["jid"] = .string(jid.description) }
                return parameters
            case .nickConflict(let room, let nick), .nickChangeRefused(let room, let nick):
                return ["room": .string(room.description), "nick": .string(nick.description)]
            case .alreadyJoined(let room, let jid, let nick):
                return [
                    "room": .string(room.description), "jid": .string(jid.description),
                    "nick": .string(nick.description),
                ]
            case .banned(let room, let jid), .lastOwner(let room, let jid):
                return ["room": .string(room.description), "jid": .string(jid.description)]
            case .notAllowed(let room, let nick, let affiliation):
                return [
                    "room": .string(room.description), "nick": .string(nick.description),
                    "affiliation": .string(affiliation.rawValue),
                ]
            }
        case .invalidAddress(let field, let value, let reason):
            return ["field": .string(field), "value": .string(value), "reason": .string(reason)]
        case .permissionDenied(let method, let required):
            return ["method": .string(method), "required": .string(required.description)]
        case .invalidMessage(let reason), .storageUnavailable(let reason), .authenticationFailed(let reason):
            return ["reason": .string(reason)]
        case .messageTooLarge(let limit): return ["limit": .number(Double(limit))]
        case .deadlineExceeded(let deadline): return ["deadline": .number(Double(deadline))]
        case .interfaceNotFound(let interface): return ["interface": .string(interface)]
        case .methodNotFound(let method): return ["method": .string(method)]
        case .invalidParameter(let parameter): return ["parameter": .string(parameter)]
        case .expectedMore, .internalError: return [:]
        case .unknown(_, let parameters): return parameters
        }
    }

    /// Reads an error reply. Never fails: an unknown name, or parameters that do not read as the named
    /// error's, give `.unknown` with what was received.
    public init(name: String, parameters value: JSONValue?) {
        let object: JSONObject
        if case .object(let members)? = value { object = members } else { object = [:] }
        if let known = try? Self.read(name: name, ParameterReader(object: object)) {
            self = known
        } else {
            self = .unknown(name: name, parameters: object)
        }
    }

    private static func read(name: String, _ reader: ParameterReader) throws(RoomsError) -> RoomsError? {
        switch name {
        case Name.serviceNotFound: return .room(.serviceNotFound(try reader.string("service")))
        case Name.roomNotFound: return .room(.roomNotFound(try reader.room("room")))
        case Name.roomExists: return .room(.roomExists(try reader.room("room")))
        case Name.occupantNotFound:
            return .room(
                .occupantNotFound(
                    try reader.room("room"), nick: try reader.optionalNick("nick"), jid: try reader.optionalJID("jid")))
        case Name.nickConflict: return .room(.nickConflict(try reader.room("room"), nick: try reader.nick("nick")))
        case Name.alreadyJoined:
            return .room(
                .alreadyJoined(try reader.room("room"), jid: try reader.jid("jid"), nick: try reader.nick("nick")))
        case Name.banned: return .room(.banned(try reader.room("room"), jid: try reader.jid("jid")))
        case Name.lastOwner: return .room(.lastOwner(try reader.room("room"), jid: try reader.jid("jid")))
        case Name.notAllowed:
            return .room(
                .notAllowed(
                    try reader.room("room"), nick: try reader.nick("nick"),
                    affiliation: try reader.affiliation("affiliation")))
        case Name.invalidAddress:
            return .invalidAddress(
                field: try reader.string("field"), value: try reader.string("value"),
                reason: try reader.string("reason"))
        case Name.permissionDenied:
            guard let level = Rooms.AccessLevel(name: try reader.string("required")) else { return nil }
            return .permissionDenied(method: try reader.string("method"), required: level)
        case Name.invalidMessage: return .invalidMessage(try reader.string("reason"))
        case Name.messageTooLarge:
            guard let limit = Int(exactly: try reader.int("limit")) else { return nil }
            return .messageTooLarge(limit: limit)
        case Name.deadlineExceeded: return .deadlineExceeded(deadline: try reader.int("deadline"))
        case Name.storageUnavailable: return .storageUnavailable(reason: try reader.string("reason"))
        case Name.authenticationFailed: return .authenticationFailed(reason: try reader.string("reason"))
        case Name.interfaceNotFound: return .interfaceNotFound(try reader.string("interface"))
        case Name.methodNotFound: return .methodNotFound(try reader.string("method"))
        case Name.invalidParameter: return .invalidParameter(try reader.string("parameter"))
        case Name.expectedMore: return reader.object.isEmpty ? .expectedMore : nil
        case Name.internalError: return reader.object.isEmpty ? .internalError : nil
        default: return nil
        }
    }

    /// `{"error":NAME,"parameters":{...}}`, the parameters' keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("error", name)
        writer.key("parameters")
        writer.value(.object(parameters))
        writer.endObject()
    }

    /// The error as a NUL-terminated varlink message.
    public func framed() -> [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        writer.appendRaw(VarlinkFraming.terminator)
        return writer.bytes
    }

    /// `NAME (key=value, ...)`, keys sorted: how roomctl and the responder's log show a refusal.
    public var description: String {
        var text = name
        let parameters = self.parameters
        if !parameters.isEmpty {
            let details = parameters.members.sorted { $0.key < $1.key }.map { member -> String in
                switch member.value {
                case .string(let value): return "\(member.key)=\(value)"
                case .number(let value) where value == value.rounded() && abs(value) < 1e15:
                    return "\(member.key)=\(Int64(value))"
                case .number(let value): return "\(member.key)=\(value)"
                default: return "\(member.key)=…"
                }
            }
            text += " (" + details.joined(separator: ", ") + ")"
        }
        return text
    }
}
