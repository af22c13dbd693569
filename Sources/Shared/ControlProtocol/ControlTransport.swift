/// The byte stream under a `ControlClient`: a Unix socket (`SocketTransport`), or a TLS connection (the
/// responder's `TLSTransport`). Blocking, and bounded by the waits it is given.
public protocol ControlTransport: AnyObject {
    /// What errors call the peer: a socket path or a `tls://` address.
    var peerName: String { get }
    /// Bounds each wait of a later `send` (`nil`: no bound).
    func setSendTimeout(_ timeout: Duration?)
    /// Writes all of `bytes`, by `deadline` where the transport can wait for the peer (nil: the send timeout
    /// alone bounds each wait).
    func send(_ bytes: [UInt8], before deadline: ContinuousClock.Instant?) throws(ControlClientError)
    /// Waits at most `milliseconds` (-1: no bound) for bytes, and appends at least one to `buffer`.
    func receive(appendingTo buffer: inout [UInt8], waitingAtMost milliseconds: Int32) throws(ControlClientError)
    /// Whether the peer has closed (or reset) a connection that has nothing to read: checked before an idle
    /// connection is reused, where a write would not tell (over TCP it succeeds, and the reset comes later).
    var peerHasClosed: Bool { get }
}
