import NIOCore
import ServiceLifecycle

/// One component stream as a service: it connects when the group starts, reconnects with backoff while it
/// runs (`ComponentConnection`), and closes the stream on graceful shutdown.
public struct ComponentLinkService: Service {
    private let link: NIOLoopBound<ComponentConnection>
    private let eventLoop: any EventLoop
    public let domain: String

    init(_ link: ComponentConnection, eventLoop: any EventLoop) {
        self.link = NIOLoopBound(link, eventLoop: eventLoop)
        self.eventLoop = eventLoop
        self.domain = link.configuration.domain
    }

    public func run() async throws {
        let link = self.link
        try await eventLoop.submit { link.value.start() }.get()
        // Returns on graceful shutdown, and on cancellation (the group stops for another service's error).
        try? await gracefulShutdown()
        try? await eventLoop.flatSubmit { link.value.stop() }.get()
    }
}
