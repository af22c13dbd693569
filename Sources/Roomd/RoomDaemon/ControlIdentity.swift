import ControlProtocol

/// What roomd knows of a connection's caller once the connection is set up: the peer, its level, and for a
/// TLS caller that proved something, its name and the credential behind it.
struct ControlIdentity: Sendable {
    var peer: ControlPeer
    var level: Rooms.AccessLevel
    var caller: ControlCaller? = nil
    var credential: ControlCredential? = nil
}
