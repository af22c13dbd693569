import StrictJSON
import MUCCore

/// The errors of `org.muckick.Rooms` and of `org.varlink.service`, with their parameters.
public enum RoomsError {
    public static let serviceNotFound = Rooms.qualified("ServiceNotFound")
    public static let roomNotFound = Rooms.qualified("RoomNotFound")
    public static let roomExists = Rooms.qualified("RoomExists")
    public static let occupantNotFound = Rooms.qualified("OccupantNotFound")
    public static let nickConflict = Rooms.qualified("NickConflict")
    public static let alreadyJoined = Rooms.qualified("AlreadyJoined")
    public static let banned = Rooms.qualified("Banned")
    public static let invalidAddress = Rooms.qualified("InvalidAddress")
    public static let notAllowed = Rooms.qualified("NotAllowed")
    public static let permissionDenied = Rooms.qualified("PermissionDenied")
    public static let invalidMessage = Rooms.qualified("InvalidMessage")
    public static let messageTooLarge = Rooms.qualified("MessageTooLarge")
    public static let deadlineExceeded = Rooms.qualified("DeadlineExceeded")
    public static let storageUnavailable = Rooms.qualified("StorageUnavailable")

    public static func reply(for error: MUCError) -> VarlinkErrorReply {
        switch error {
        case .serviceNotFound(let service):
            return VarlinkErrorReply(error: serviceNotFound, ["service": .string(service)])
        case .roomNotFound(let room):
            return VarlinkErrorReply(error: roomNotFound, ["room": .string(room.description)])
        case .roomExists(let room):
            return VarlinkErrorReply(error: roomExists, ["room": .string(room.description)])
        case .occupantNotFound(let room, let nick, let jid):
            var parameters: [String: JSONValue] = ["room": .string(room.description)]
            if let nick { parameters["nick"] = .string(nick.description) }
            if let jid { parameters["jid"] = .string(jid.description) }
            return VarlinkErrorReply(error: occupantNotFound, parameters)
        case .nickConflict(let room, let nick):
            return VarlinkErrorReply(
                error: nickConflict, ["room": .string(room.description), "nick": .string(nick.description)])
        case .alreadyJoined(let room, let jid, let nick):
            return VarlinkErrorReply(
                error: alreadyJoined,
                [
                    "room": .string(room.description), "jid": .string(jid.description),
                    "nick": .string(nick.description),
                ])
        case .banned(let room, let jid):
            return VarlinkErrorReply(
                error: banned, ["room": .string(room.description), "jid": .string(jid.description)])
        case .nickChangeRefused(let room, let nick):
            return VarlinkErrorReply(
                error: nickConflict, ["room": .string(room.description), "nick": .string(nick.description)])
        case .notAllowed(let room, let nick, let affiliation):
            return VarlinkErrorReply(
                error: notAllowed,
                [
                    "room": .string(room.description), "nick": .string(nick.description),
                    "affiliation": .string(affiliation.rawValue),
                ])
        }
    }

    public static func invalidAddress(field: String, value: String, error: AddressError) -> VarlinkErrorReply {
        // Values can be up to 64 KiB of hostile input; the error repeats only enough to recognise it.
        let shown = value.utf8.count > 256 ? String(decoding: value.utf8.prefix(256), as: UTF8.self) + "…" : value
        return VarlinkErrorReply(
            error: invalidAddress,
            ["field": .string(field), "value": .string(shown), "reason": .string(error.description)])
    }

    public static func permissionDenied(method: String, required: Rooms.AccessLevel) -> VarlinkErrorReply {
        VarlinkErrorReply(
            error: permissionDenied, ["method": .string(method), "required": .string(required.description)])
    }

    public static func invalidMessage(_ reason: String) -> VarlinkErrorReply {
        VarlinkErrorReply(error: invalidMessage, ["reason": .string(reason)])
    }

    public static func deadlineExceeded(deadline: Int) -> VarlinkErrorReply {
        VarlinkErrorReply(error: deadlineExceeded, ["deadline": .number(Double(deadline))])
    }

    public static func messageTooLarge(limit: Int) -> VarlinkErrorReply {
        VarlinkErrorReply(error: messageTooLarge, ["limit": .number(Double(limit))])
    }

    public static func storageUnavailable(reason: String) -> VarlinkErrorReply {
        VarlinkErrorReply(error: storageUnavailable, ["reason": .string(reason)])
    }
}

/// The standard errors of `org.varlink.service`.
public enum VarlinkServiceError {
    public static func interfaceNotFound(_ interface: String) -> VarlinkErrorReply {
        VarlinkErrorReply(error: "org.varlink.service.InterfaceNotFound", ["interface": .string(interface)])
    }
    public static func methodNotFound(_ method: String) -> VarlinkErrorReply {
        VarlinkErrorReply(error: "org.varlink.service.MethodNotFound", ["method": .string(method)])
    }
    public static func invalidParameter(_ parameter: String) -> VarlinkErrorReply {
        VarlinkErrorReply(error: "org.varlink.service.InvalidParameter", ["parameter": .string(parameter)])
    }
    public static func expectedMore() -> VarlinkErrorReply {
        VarlinkErrorReply(error: "org.varlink.service.ExpectedMore", [:])
    }
    public static func internalError() -> VarlinkErrorReply {
        VarlinkErrorReply(error: "org.varlink.service.InternalError", [:])
    }
}
