import ControlProtocol
import MUCCore
import NIOCore

/// What the server knows of one client connection, and what the current turn holds for it.
final class ControlConnection {
    let channel: any Channel
    let peer: ControlPeer
    /// Changes when a TLS caller authenticates, or when a reload changes its caller's level.
    var level: Rooms.AccessLevel
    /// A TLS caller, once identified by its certificate or a token.
    var caller: ControlCaller?
    var credential: ControlCredential?
    /// Set once the client called Watch: the connection then only receives events.
    var watching: Watching?

    /// Replies given in the current turn, sent by the turn once it has committed what they rest on.
    var replies: ByteBuffer
    /// Where in `replies` the replies given after the turn's first change begin, and how many they are: if
    /// the commit fails, each becomes a refusal (`Turn.end`).
    var provisionalStart: Int?
    var provisionalCount = 0
    /// Watcher events of the current turn, sent after the replies.
    var events: [ByteBuffer] = []
    /// Whether the turn lists this connection among those with something to send.
    var hasOutput = false

    struct Watching {
        var room: RoomAddress?
    }

    init(channel: any Channel, identity: ControlIdentity) {
        self.channel = channel
        self.peer = identity.peer
        self.level = identity.level
        self.caller = identity.caller
        self.credential = identity.credential
        self.replies = channel.allocator.buffer(capacity: 0)
    }

    /// A connection on the Unix socket, with the level its peer's credentials give.
    convenience init(channel: any Channel, peer: PeerCredentials, level: Rooms.AccessLevel) {
        self.init(channel: channel, identity: ControlIdentity(peer: .local(peer), level: level))
    }

    /// Whom the audit log records for this connection's changes.
    var auditCaller: AuditCaller {
        switch peer {
        case .local(let credentials): return AuditCaller(uid: Int64(credentials.uid))
        case .remote: return AuditCaller(uid: -1, name: caller?.description)
        }
    }

    /// The peer and, over TLS, the caller it proved to be: for log lines.
    var who: String {
        guard let caller else { return peer.description }
        return "\(peer) \(caller)"
    }

    /// Writes the turn's replies and events, with one flush.
    func sendOutput() {
        guard channel.isActive else {
            replies.clear()
            events.removeAll(keepingCapacity: true)
            return
        }
        guard replies.readableBytes > 0 || !events.isEmpty else { return }
        if replies.readableBytes > 0 { channel.write(replies, promise: nil) }
        for event in events { channel.write(event, promise: nil) }
        // Marked as sent before the flush, which may handle calls of the next turn whose replies follow.
        replies.moveReaderIndex(to: replies.writerIndex)
        events.removeAll(keepingCapacity: true)
        channel.flush()
        if replies.readableBytes == 0 {
            // Usually the socket took the bytes during the flush and NIO let go of the buffer, so clearing
            // reuses its storage for the next replies; otherwise `clear` gives a new one.
            replies.clear()
        }
    }
}
