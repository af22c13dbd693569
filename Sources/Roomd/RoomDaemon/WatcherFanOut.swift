import ControlProtocol
import Logging
import MUCCore
import NIOCore
import StrictJSON

/// The connections that called Watch, and the encoding of room events for them.
final class WatcherFanOut {
    private var watchers: [ObjectIdentifier: ControlConnection] = [:]
    private let allocator = ByteBufferAllocator()
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var isEmpty: Bool { watchers.isEmpty }
    var count: Int { watchers.count }

    func add(_ connection: ControlConnection) {
        watchers[ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: ControlConnection) {
        watchers[ObjectIdentifier(connection)] = nil
    }

    func contains(_ connection: ControlConnection) -> Bool {
        watchers[ObjectIdentifier(connection)] != nil
    }

    /// Queues each event for the watchers of its room in `turn`, which sends them once it is committed. A
    /// watcher that does not read is closed instead: it would make roomd buffer without bound.
    func publish(_ events: [RoomEvent], into turn: Turn) {
        guard !watchers.isEmpty else { return }
        for event in events {
            // Encoded once, when a watcher wants it, and the same buffer written to every such watcher.
            var message: ByteBuffer?
            for (id, watcher) in watchers {
                guard let watching = watcher.watching, watching.room == nil || watching.room == event.room else {
                    continue
                }
                guard watcher.channel.isWritable else {
                    logger.warning("closing a watcher that does not keep up", metadata: ["peer": "\(watcher.who)"])
                    watchers[id] = nil
                    watcher.channel.close(promise: nil)
                    continue
                }
                if message == nil {
                    let wire = Rooms.Event(event)
                    message = allocator.buffer(
                        bytes: JSONWriter.varlinkReply(continues: true) { $0.field("event", wire) })
                }
                turn.send(event: message!, to: watcher)
            }
        }
    }
}
