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
