import ControlProtocol
import KickAPI
import MUCCore

/// `RoomKicker` over roomd's control protocol, on its Unix socket or over TLS: the Kick call of the contract,
/// over one persistent connection (one per worker thread).
///
/// The connection is opened on first use and dropped after any failure, so a restarted roomd is picked
/// up by the next request. After a timeout the connection is dropped too: a late reply would otherwise be
/// read as the answer to the next request.
public final class ControlSocketKicker: RoomKicker {
    let connector: RoomdConnector
    let timeout: Duration
    /// The timeout in whole milliseconds, the unit of the Kick's `deadline`.
    private let timeoutMilliseconds: Int64
    let actor: String?
    private var client: ControlClient?

    public init(connector: RoomdConnector, timeout: Duration, actor: String?) {
        self.connector = connector
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
        let call = VarlinkCall.framed(
            Rooms.KickParameters(
                room: command.room, target: command.target, reason: command.reason, actor: actor,
                protect: command.protectPrivileged, deadline: deadline),
            capacity: 192)
        do {
            let (open, reused) = try currentConnection(before: answerBy)
            var connection = open
            do {
                try connection.sendFramed(call, before: answerBy)
            } catch .connectionClosed where reused {
                // roomd went away since the last request (restart): nothing was sent, so one retry on a
                // fresh connection cannot kick twice.
                client = nil
                connection = try currentConnection(before: answerBy).client
                try connection.sendFramed(call, before: answerBy)
            }
            return try parseReply(try connection.receiveFrame(before: answerBy))
        } catch {
            throw map(error)
        }
    }

    /// Reads the Kick reply with the contract's own reader.
    private func parseReply(_ frame: [UInt8]) throws(ControlClientError) -> [KickedOccupant] {
        do {
            return try VarlinkReply.parse(frame, as: Rooms.KickReply.self).reply.kicked.map {
                KickedOccupant(nickname: $0.nick.description, jids: $0.jids.map(\.description))
            }
        } catch {
            throw ControlClientError(error)
        }
    }

    /// The open connection, or a new one; `reused` says which.
    private func currentConnection(before deadline: ContinuousClock.Instant) throws(ControlClientError) -> (
        client: ControlClient, reused: Bool
    ) {
        if let client {
            // Over TCP, a write to a connection roomd has closed succeeds and the reset comes after: look
            // before sending, so a restarted roomd costs a reconnect, not a failed kick.
            if !client.transport.peerHasClosed { return (client, true) }
            self.client = nil
        }
        let fresh = try connector.connect(timeout: timeout, before: deadline)
        client = fresh
        return (fresh, false)
    }

    private func map(_ error: ControlClientError) -> KickFailure {
        switch error {
        case .remote(let refusal):
            // The connection stays in step after an error reply; keep it.
            switch refusal {
            case .room(.serviceNotFound(let domain)): return .serviceNotFound(domain: domain)
            case .room(.roomNotFound): return .roomNotFound
            case .room(.occupantNotFound): return .occupantNotFound
            case .room(.notAllowed(_, let nick, let affiliation)):
                return .notAllowed(nickname: nick.description, affiliation: affiliation.rawValue)
            case .deadlineExceeded:
                return .timedOut
            case .storageUnavailable(let reason):
                // Nothing was kicked and roomd stays up: the client may try again once the disk takes writes.
                return .unavailable("roomd cannot write its state database (StorageUnavailable): " + reason)
            case .permissionDenied:
                // A deployment problem, not the client's: the responder lacks roomd's kick level.
                return .unavailable(
                    connector.isTLS
                        ? "roomd refused the responder (PermissionDenied): give its certificate or token the kick "
                            + "level in roomd's callers file"
                        : "roomd refused the responder (PermissionDenied): run it as a user in roomd's --kick-group")
            case .authenticationFailed(let reason):
                // roomd closes the connection after a refused token.
                client = nil
                return .unavailable("roomd refused the responder's token (AuthenticationFailed): \(reason)")
            case .invalidAddress(let field, _, let reason):
                return .invalidAddress(field: field, reason: reason)
            default:
                return .unexpected("roomd answered \(error)")
            }
        case .unavailable, .refused:
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
