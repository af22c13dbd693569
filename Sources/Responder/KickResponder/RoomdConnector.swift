import ControlProtocol
import ControlTLS

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the kicker's connections to roomd: its Unix socket, or its TLS listener with the responder's
/// credential (a client certificate, set in the context, or a bearer token, presented once per connection).
public struct RoomdConnector: Sendable, CustomStringConvertible {
    enum Route: Sendable {
        case unixSocket(path: String)
        case tls(TLSClientContext, token: String?)
    }

    let route: Route

    public static func unixSocket(_ path: String) -> RoomdConnector { RoomdConnector(route: .unixSocket(path: path)) }

    public static func tls(_ context: TLSClientContext, token: String?) -> RoomdConnector {
        RoomdConnector(route: .tls(context, token: token))
    }

    /// The address, for the log (never the token).
    public var description: String {
        switch route {
        case .unixSocket(let path): return path
        case .tls(let context, let token):
            return RoomdAddress.tls(host: context.host, port: context.port).description
                + (token == nil ? " (client certificate)" : " (token)")
        }
    }

    var isTLS: Bool {
        if case .tls = route { return true }
        return false
    }

    /// A Kick reply lists the occupants kicked: far less than this, which bounds what a peer can make a worker
    /// hold.
    static let maxReplySize = 1024 * 1024

    /// A connection ready for calls at the kick level, made by `deadline`.
    func connect(timeout: Duration, before deadline: ContinuousClock.Instant) throws(ControlClientError) -> ControlClient {
        let client: ControlClient
        switch route {
        case .unixSocket(let path):
            client = try ControlClient(socketPath: path, timeout: timeout)
        case .tls(let context, let token):
            client = ControlClient(transport: try TLSTransport(connectingWith: context, before: deadline), timeout: timeout)
            if let token {
                try client.sendFramed(VarlinkCall.framed(Rooms.AuthenticateParameters(token: token)), before: deadline)
                let frame = try client.receiveFrame(before: deadline)
                do {
                    _ = try VarlinkReply.parse(frame, as: Rooms.AuthenticateReply.self)
                } catch {
                    throw ControlClientError(error)
                }
            }
        }
        client.maxReplySize = Self.maxReplySize
        return client
    }
}
