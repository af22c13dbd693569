/// What an operator decides about `POST /muc_kick` itself: who may call it, what a request may be, what the
/// answer promises. How the responder is deployed (threads, sockets, scheduling) is not part of it.
public struct KickPolicy: Sendable {
    public var authorization: AuthorizationCheck
    public var maxBodySize: Int = 64 * 1024
    /// How long a kick may wait for the room service before the answer is 504.
    public var roomdTimeout: Duration = .seconds(2)
    /// Whether kicks refuse occupants who are owners or admins (a 403 names the affiliation).
    public var protectPrivileged = false
    public var requireJSONContentType = false
    /// Sent as `Access-Control-Allow-Origin` on every answer when set.
    public var corsAllowOrigin: String?

    public init(authorization: AuthorizationCheck) {
        self.authorization = authorization
    }
}
