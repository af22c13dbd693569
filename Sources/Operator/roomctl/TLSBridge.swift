#if canImport(Glibc)
    import Glibc
#endif
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// roomctl's TLS connection to roomd, seen by the blocking `ControlClient` as a plain socket: one end of a
/// socket pair is the client's, the other is glued to a TLS channel on a SwiftNIO event loop. Every
/// subcommand, `watch` and `--json` included, then works over TLS unchanged.
enum TLSBridge {
    struct Target {
        var host: String
        var port: Int
        var serverName: String?
        var caPath: String?
        var certificatePath: String?
        var keyPath: String?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// EX_UNAVAILABLE, or EX_TEMPFAIL for a time-out.
        var exitCode: Int32 = 69
    }

    /// Connects, completes the handshake (roomd's certificate verified for its name), and returns the
    /// descriptor of the plaintext end.
    static func open(_ target: Target, timeoutSeconds: Double) throws(Failure) -> Int32 {
        let timeout = TimeAmount.milliseconds(Int64(timeoutSeconds * 1000))
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        do {
            if let caPath = target.caPath {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
            }
            if let certificatePath = target.certificatePath {
                guard let keyPath = target.keyPath else { throw Failure(description: "--certificate needs --key") }
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map {
                    .certificate($0)
                }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } else if target.keyPath != nil {
                throw Failure(description: "--key needs --certificate")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot read the TLS files: \(error)", exitCode: 66)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "cannot use the TLS files: \(error)", exitCode: 66)
        }

        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Failure(description: "socketpair: \(String(cString: strerror(errno)))", exitCode: 71)
        }
        // The loop's thread lives as long as roomctl does.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let name = target.serverName ?? target.host
        let isAddress = name.contains(":") || name.allSatisfy { $0.isNumber || $0 == "." }
        let handshake = group.next().makePromise(of: Void.self)
        let remote: any Channel
        do {
            remote = try ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // SNI carries names only; an address is checked against the certificate's IP entries.
                        let tls = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : name)
                        try channel.pipeline.syncOperations.addHandlers(tls, HandshakeWaiter(handshake))
                    }
                }
                .connect(host: target.host, port: target.port).wait()
        } catch {
            close(pair[0])
            close(pair[1])
            throw Failure(description: "cannot reach roomd at \(target.host):\(target.port): \(error)")
        }
        // A handshake still running at the deadline is ended by closing the connection.
        let timer = remote.eventLoop.scheduleTask(in: timeout) { remote.close(promise: nil) }
        do {
            try handshake.futureResult.wait()
            timer.cancel()
        } catch {
            timer.cancel()
            remote.close(promise: nil)
            close(pair[0])
            close(pair[1])
            if case ChannelError.eof = error {
                throw Failure(
                    description: "the TLS handshake with \(target.host):\(target.port) did not finish (closed or timed out)",
                    exitCode: 75)
            }
            throw Failure(description: "TLS handshake with \(target.host):\(target.port) failed: \(error)")
        }
        do {
            let local = try ClientBootstrap(group: group).withConnectedSocket(pair[1]).wait()
            // Both channels are on the group's one event loop, where the pair is made and added.
            try remote.eventLoop.submit {
                let (toLocal, toRemote) = GlueHandler.pair()
                try remote.pipeline.syncOperations.addHandler(toLocal)
                try local.pipeline.syncOperations.addHandler(toRemote)
            }.wait()
        } catch {
            remote.close(promise: nil)
            close(pair[0])
            if !remote.isActive {
                // With TLS 1.3 the client's handshake ends before roomd has checked the client's certificate.
                throw Failure(
                    description: "roomd closed the connection after the TLS handshake (it does so when it refuses the "
                        + "client certificate; its log says why)")
            }
            throw Failure(description: "cannot set up the TLS connection: \(error)", exitCode: 71)
        }
        return pair[0]
    }
}

/// Completes a promise when the TLS handshake is done, or fails it with the error that ended it.
private final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let promise: EventLoopPromise<Void>
    private var done = false

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case TLSUserEvent.handshakeCompleted = event, !done {
            done = true
            promise.succeed(())
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { return context.fireErrorCaught(error) }
        done = true
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(ChannelError.eof)
        }
        context.fireChannelInactive()
    }
}
