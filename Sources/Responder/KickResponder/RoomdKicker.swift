import ControlProtocol
import KickAPI
import StrictJSON
import MUCCore

/// Kicks through roomd's control socket, over one persistent connection (one per worker thread).
///
/// The connection is opened on first use and dropped after any failure, so a restarted roomd is picked
/// up by the next request. After a timeout the connection is dropped too: a late reply would otherwise be
/// read as the answer to the next request.
public final class RoomdKicker: RoomKicker {
    let socketPath: String
    let timeout: Duration
    /// The timeout in whole milliseconds, the unit of the Kick's `deadline`.
    private let timeoutMilliseconds: Int64
    let actor: String?
    private var client: ControlClient?

    public init(socketPath: String, timeout: Duration, actor: String?) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.timeoutMilliseconds = Int64(timeout / .milliseconds(1))
        self.actor = actor
    }

    public func kick(_ command: KickCommand) throws(KickFailure) -> [KickedOccupant] {
        // roomd refuses the call once this passes, so a request answered 504 here is never carried out later
        // (a call can sit in roomd's queue while roomd is stopped). It leaves a margin before our own
        // timeout for a reply that is already on its way.
        let deadline = WallClock.milliseconds() + timeoutMilliseconds - min(timeoutMilliseconds / 4, 250)
        // Our own deadline for the whole exchange: a reply that trickles in cannot stretch it.
        let answerBy = ContinuousClock.now + timeout
        var writer = JSONWriter(capacity: 192)
        writer.beginObject()
        writer.field("method", Rooms.Method.kick.qualifiedName)
        writer.key("parameters")
        writer.beginObject()
        writer.field("room", command.room.description)
        switch command.target {
        case .nick(let nick): writer.field("nick", nick.description)
        case .jid(let jid): writer.field("jid", jid.description)
        }
        writer.field("reason", command.reason)
        writer.field("actor", actor)
        if command.protectPrivileged { writer.field("protect", true) }
        writer.field("deadline", deadline)
        writer.endObject()
        writer.endObject()
        writer.appendRaw(VarlinkFraming.terminator)
        let call = writer.bytes
        do {
            let (open, reused) = try currentConnection()
            var connection = open
            do {
                try connection.sendFramed(call)
            } catch .connectionClosed where reused {
                // roomd went away since the last request (restart): nothing was sent, so one retry on a
                // fresh connection cannot kick twice.
                client = nil
                connection = try currentConnection().client
                try connection.sendFramed(call)
            }
            return try parseReply(try connection.receiveFrame(before: answerBy))
        } catch {
            throw map(error)
        }
    }

    /// Reads a Kick reply with the strict parser (a `JSONDecoder` pass cost more than the rest of the call).
    private func parseReply(_ frame: [UInt8]) throws(ControlClientError) -> [KickedOccupant] {
        guard case .object(let reply)? = try? JSONParser.parse(frame) else {
            throw .protocolError(String(decoding: frame.prefix(200), as: UTF8.self))
        }
        if case .string(let name)? = reply["error"] {
            throw .remote(VarlinkErrorReply(error: name, parameters: reply["parameters"]))
        }
        guard case .array(let kicked)? = reply["parameters"]?["kicked"] else {
            throw .protocolError("a Kick reply without 'kicked'")
        }
        return kicked.compactMap { item in
            guard case .string(let nick)? = item["nick"] else { return nil }
            var jids: [String] = []
            if case .array(let values)? = item["jids"] { jids = values.compactMap(\.stringValue) }
            return KickedOccupant(nickname: nick, jids: jids)
        }
    }

    /// The open connection, or a new one; `reused` says which.
    private func currentConnection() throws(ControlClientError) -> (client: ControlClient, reused: Bool) {
        if let client { return (client, true) }
        let fresh = try ControlClient(socketPath: socketPath, timeout: timeout)
        client = fresh
        return (fresh, false)
    }

    private func map(_ error: ControlClientError) -> KickFailure {
        switch error {
        case .remote(let reply):
            // The connection stays in step after an error reply; keep it.
            let parameters = reply.parameters
            switch reply.error {
            case RoomsError.serviceNotFound:
                return .serviceNotFound(domain: parameters?["service"]?.stringValue ?? "")
            case RoomsError.roomNotFound: return .roomNotFound
            case RoomsError.occupantNotFound: return .occupantNotFound
            case RoomsError.notAllowed:
                return .notAllowed(
                    nickname: parameters?["nick"]?.stringValue ?? "",
                    affiliation: parameters?["affiliation"]?.stringValue ?? "")
            case RoomsError.deadlineExceeded:
                return .timedOut
            case RoomsError.storageUnavailable:
                // Nothing was kicked and roomd stays up: the client may try again once the disk takes writes.
                return .unavailable(
                    "roomd cannot write its state database (StorageUnavailable): "
                        + (parameters?["reason"]?.stringValue ?? "?"))
            case RoomsError.permissionDenied:
                // A deployment problem, not the client's: the responder's user lacks roomd's kick level.
                return .unavailable(
                    "roomd refused the responder (PermissionDenied): run it as a user in roomd's --kick-group")
            case RoomsError.invalidAddress:
                return .invalidAddress(
                    field: parameters?["field"]?.stringValue ?? "address",
                    reason: parameters?["reason"]?.stringValue ?? "invalid")
            default:
                return .unexpected("roomd answered \(error)")
            }
        case .unavailable:
            client = nil
            return .unavailable(error.description)
        case .connectionClosed:
            client = nil
            return .unavailable(error.description)
        case .timedOut:
            client = nil
            return .timedOut
        case .protocolError:
            client = nil
            return .unexpected(error.description)
        }
    }
}
