#if canImport(Glibc)
    import Glibc
#endif
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler of one connection: drops a peer that has not finished the handshake by its
/// deadline, logs every refused handshake with the peer's address, and once the handshake is done says who
/// the caller is (`identity`), from the certificate BoringSSL verified or a pinned one.
final class ControlTLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let callers: ControlCallers
    private let timeout: TimeAmount
    private let logger: Logger
    private let address: String
    private let promise: EventLoopPromise<ControlIdentity>
    private var deadline: Scheduled<Void>?
    private var done = false
    /// What the verification callback saw: the first certificate is the chain's root (it goes from root to
    /// leaf), which tells which client CA issued the peer's certificate.
    let verification: ChainRecord

    /// Filled in by BoringSSL's verification callback, on the event loop, during the handshake.
    final class ChainRecord {
        var root: NIOSSLCertificate?
    }

    var identity: EventLoopFuture<ControlIdentity> { promise.futureResult }

    init(callers: ControlCallers, timeout: TimeAmount, address: String, eventLoop: any EventLoop, logger: Logger) {
        self.callers = callers
        self.timeout = timeout
        self.address = address
        self.logger = logger
        self.promise = eventLoop.makePromise()
        self.verification = ChainRecord()
    }

    /// BoringSSL's own verdict stands, except for a certificate pinned by its fingerprint, which needs no CA:
    /// it passes if its dates do. Called for each certificate of the chain, root first.
    static func verify(
        _ result: NIOSSLVerificationResult, _ certificate: NIOSSLCertificate, callers: ControlCallers,
        record: ChainRecord
    ) -> NIOSSLVerificationResult {
        if record.root == nil { record.root = certificate }
        if result == .certificateVerified { return result }
        guard let der = try? certificate.toDERBytes(),
            callers.caller(certificateFingerprint: SecretDigest.sha256(der)) != nil
        else { return .failed }
        let now = time(nil)
        return certificate.notValidBefore <= now && now <= certificate.notValidAfter ? .certificateVerified : .failed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            guard !handler.done else { return }
            handler.refuse("the TLS handshake did not finish in time", context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        if !done {
            done = true
            promise.fail(ControlTLSRefusal())
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            deadline?.cancel()
            logger.debug("TLS peer left during the handshake", metadata: ["peer": "\(address)"])
            promise.fail(ControlTLSRefusal())
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, !done {
            deadline?.cancel()
            identify(context: context)
        }
        context.fireUserInboundEventTriggered(event)
        // Once the handshake is decided there is nothing left to watch: out of the way of every later read.
        if done { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else {
            context.fireErrorCaught(error)
            return
        }
        // Certificate refused, no common protocol version or cipher, not TLS at all.
        refuse("TLS handshake failed: \(error)", context: context)
    }

    private func refuse(_ reason: String, context: ChannelHandlerContext) {
        done = true
        deadline?.cancel()
        logger.warning("TLS connection refused", metadata: ["peer": "\(address)", "reason": "\(reason)"])
        promise.fail(ControlTLSRefusal())
        context.close(promise: nil)
    }

    private func identify(context: ChannelHandlerContext) {
        let peer = ControlPeer.remote(address: address)
        guard let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let leaf = handler.peerCertificate
        else {
            // No certificate: the caller may still present a token.
            done = true
            promise.succeed(ControlIdentity(peer: peer, level: .none))
            return
        }
        guard let der = try? leaf.toDERBytes() else {
            refuse("cannot encode the client certificate", context: context)
            return
        }
        let fingerprint = SecretDigest.sha256(der)
        let credential: ControlCredential
        if callers.caller(certificateFingerprint: fingerprint) != nil {
            credential = .pinnedCertificate(fingerprint: fingerprint)
        } else if let root = verification.root, let rootDER = try? root.toDERBytes() {
            let commonName = leaf.subjectName.last { $0.type == .commonName }?.value ?? SecretDigest.hex(fingerprint)
            credential = .issuedCertificate(authority: SecretDigest.sha256(rootDER), commonName: commonName)
        } else {
            refuse("the client certificate is neither pinned nor from a client CA", context: context)
            return
        }
        guard let caller = callers.caller(for: credential) else {
            refuse("the client certificate is neither pinned nor from a client CA", context: context)
            return
        }
        done = true
        logger.info("TLS caller", metadata: ["peer": "\(address)", "caller": "\(caller)", "level": "\(caller.level)"])
        promise.succeed(ControlIdentity(peer: peer, level: caller.level, caller: caller, credential: credential))
    }
}

/// A TLS connection roomd refused (logged where it was decided) or that ended before its caller was known.
struct ControlTLSRefusal: Error {}
