import Logging
import MUCComponent
import MUCCore
import NIOCore

/// The XMPP component streams, one per MUC domain attached to an XMPP server, and what every room event
/// means to the XMPP occupants behind them.
final class ComponentHub {
    private(set) var links: [ComponentConnection] = []

    /// A stream for `configuration`, not started: its `ComponentLinkService` starts and stops it.
    func add(
        _ configuration: ComponentConfiguration, eventLoop: any EventLoop, delegate: any ComponentConnectionDelegate,
        logger: Logger
    ) -> ComponentConnection {
        let link = ComponentConnection(configuration: configuration, eventLoop: eventLoop, logger: logger)
        link.delegate = delegate
        links.append(link)
        return link
    }

    /// Queues in `turn` the stanzas each stream's occupants must receive for `events`.
    func render(_ events: [RoomEvent], registry: RoomRegistry, into turn: Turn) {
        for link in links {
            turn.send(link.mucService.render(events, registry: registry), via: link)
        }
    }
}
