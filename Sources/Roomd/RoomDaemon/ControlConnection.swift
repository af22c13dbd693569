import NIOCore
import ControlProtocol
import MUCCore

/// What the server knows of one client connection.
final class ControlConnection {
    let channel: any Channel
    let peer: PeerCredentials
    let level: Rooms.AccessLevel
    /// Set once the client called Watch: the connection then only receives events.
    var watching: Watching?

    struct Watching {
        var room: RoomAddress?
    }

    init(channel: any Channel, peer: PeerCredentials, level: Rooms.AccessLevel) {
        self.channel = channel
        self.peer = peer
        self.level = level
    }
}
