import MUCCore

/// One kick as the responder asks roomd for it.
public struct KickCommand: Sendable, Equatable {
    public var room: RoomAddress
    public var target: KickTarget
    public var reason: String?
    public var protectPrivileged: Bool

    public init(room: RoomAddress, target: KickTarget, reason: String?, protectPrivileged: Bool) {
        self.room = room
        self.target = target
        self.reason = reason
        self.protectPrivileged = protectPrivileged
    }
}

/// An occupant roomd removed.
public struct KickedOccupant: Sendable, Equatable {
    public var nickname: String
    public var jids: [String]

    public init(nickname: String, jids: [String]) {
        self.nickname = nickname
        self.jids = jids
    }
}

/// Why roomd did not kick.
public enum KickFailure: Error, Sendable, Equatable {
    case serviceNotFound(domain: String)
    case roomNotFound
    case occupantNotFound
    case notAllowed(nickname: String, affiliation: String)
    case invalidAddress(field: String, reason: String)
    /// roomd's socket is missing or refuses connections.
    case unavailable(String)
    case timedOut
    /// Anything else: a protocol error, a refusal the responder cannot explain to the client.
    case unexpected(String)
}

/// The room daemon as the HTTP core sees it; the responder implements it over the control socket.
public protocol RoomKicker {
    func kick(_ command: KickCommand) throws(KickFailure) -> [KickedOccupant]
}
