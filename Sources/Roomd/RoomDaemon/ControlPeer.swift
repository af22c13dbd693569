/// The other end of a control connection: a local process the kernel vouches for, or a TLS peer known by
/// its address until it proves who it is.
enum ControlPeer: Sendable, CustomStringConvertible {
    case local(PeerCredentials)
    case remote(address: String)

    var description: String {
        switch self {
        case .local(let credentials): return credentials.description
        case .remote(let address): return "tls \(address)"
        }
    }

    var isRemote: Bool {
        if case .remote = self { return true }
        return false
    }
}
