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
