import ControlProtocol
import NIOCore

/// Bearer tokens on TLS connections, and what a reload of the callers file does to connections already open.
extension RoomService {
    /// The token's caller becomes the connection's. Refused on the Unix socket (the kernel says who the
    /// caller is there), on a connection whose caller is already identified, and for a token not configured;
    /// each refusal is logged with the peer's address and never the token.
    func authenticate(_ token: String, connection: ControlConnection) throws(RoomsError) -> ControlCaller {
        func refuse(_ reason: String) -> RoomsError {
            logger.warning("authentication refused", metadata: ["peer": "\(connection.who)", "reason": "\(reason)"])
            return RoomsError.authenticationFailed(reason: reason)
        }
        guard connection.peer.isRemote else {
            throw refuse("tokens are for TLS connections; on the Unix socket the kernel identifies the caller")
        }
        guard connection.caller == nil else { throw refuse("the connection's caller is already identified") }
        guard let caller = tlsCallers.caller(presenting: token) else { throw refuse("unknown or revoked token") }
        connection.caller = caller
        connection.level = caller.level
        connection.credential = .token(digest: SecretDigest.sha256(token.utf8))
        logger.info("authenticated", metadata: ["peer": "\(connection.peer)", "caller": "\(caller)"])
        return caller
    }

    /// Takes a new callers file: every open TLS connection's credential is looked up again, so that removing
    /// a line revokes it at once; a caller whose level changed keeps its connection with the new level.
    func replaceCallers(_ callers: ControlCallers) {
        tlsCallers = callers
        for connection in remoteConnections.values {
            guard let credential = connection.credential else { continue }
            guard let caller = callers.caller(for: credential) else {
                logger.notice("caller revoked, closing its connection", metadata: ["peer": "\(connection.who)"])
                connection.level = .none
                connection.channel.close(promise: nil)
                continue
            }
            connection.caller = caller
            connection.level = caller.level
        }
    }
}
