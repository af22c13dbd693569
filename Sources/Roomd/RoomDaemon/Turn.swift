import ControlProtocol
import Logging
import MUCComponent
import MUCCore
import NIOCore
import XMLStream

/// What one turn of the event loop produces, held until the store has committed it: the replies to control
/// calls, the events for watchers, the stanzas for component streams. `end()` commits the store once, then
/// sends them; nobody hears of a change the disk refused.
///
/// Every connection read in one turn of the event loop shares that commit: under concurrent clients one
/// `epoll_wait` hands roomd several calls, and a commit per call was most of the store's cost. The turn
/// schedules its own end as soon as it holds anything; NIO runs that task right after the turn's I/O events,
/// without another wake-up. `end()` may also be called earlier, to commit part of a turn on its own.
///
/// The turn owns the rooms (`registry`) because it is the one that can undo their changes: when the disk
/// refuses a write or the commit, each room the turn touched is put back as it was, and only the refusals
/// (`StorageUnavailable`) of the calls it held go out.
final class Turn {
    var registry: RoomRegistry
    let store: RoomStore
    private let watchers: WatcherFanOut
    private let eventLoop: any EventLoop
    private let logger: Logger

    /// Connections with replies or events to send, each listed once (`ControlConnection.hasOutput`).
    private var connections: [ControlConnection] = []
    /// Watcher events, written at the end so that a watcher dropped meanwhile gets none.
    private var events: [(watcher: ControlConnection, message: ByteBuffer)] = []
    private var stanzas: [(link: ComponentConnection, stanzas: [XMLElement])] = []
    /// Stanzas queued before the turn's first change; they go out even if its commit fails.
    private var stanzasBeforeChange = 0

    /// What each room touched by the turn was before it, nil for a room the turn created: the undo log of a
    /// commit that fails. Kept per room rather than as a copy of the whole registry, which would cost a copy
    /// of every room per turn.
    private var undo: [RoomAddress: Room?] = [:]
    /// The same for what each component service keeps of those rooms (its XMPP sessions, their presence
    /// details, the subject), which rendering and stanzas change beside the registry.
    private var componentUndo:
        [(room: RoomAddress, service: MUCComponentService, state: MUCComponentService.RoomState)] = []
    /// Whether replies given now rest on changes not committed yet.
    private(set) var holdsUncommittedChanges = false
    /// Set while the turn holds changes that stand whether or not the disk takes them (`standing`).
    private var changesStand = false
    private var endScheduled = false

    /// Why the state database refused the last write, nil while it takes them.
    private(set) var storageFailure: String?
    /// Commits that reached the disk, for tests of how calls share them.
    private(set) var commits = 0

    init(registry: RoomRegistry, store: RoomStore, watchers: WatcherFanOut, eventLoop: any EventLoop, logger: Logger) {
        self.registry = registry
        self.store = store
        self.watchers = watchers
        self.eventLoop = eventLoop
        self.logger = logger
    }

    // MARK: Collecting

    /// Called before a transition of `room` (nil: of no room known in advance) so that it can be undone.
    func willChange(_ room: RoomAddress?, components: ComponentHub) {
        scheduleEnd()
        if !holdsUncommittedChanges {
            holdsUncommittedChanges = true
            stanzasBeforeChange = stanzas.count
        }
        guard let room, undo.index(forKey: room) == nil else { return }
        undo[room] = .some(registry.rooms[room])
        for link in components.links where link.mucService.domain == room.service {
            componentUndo.append((room, link.mucService, link.mucService.state(of: room)))
        }
    }

    /// Runs a write into the store's open transaction. When the disk refuses it, the whole turn so far is
    /// undone (SQLite may have rolled back the transaction with it) and nil is returned.
    func write<Result>(_ body: (RoomStore) throws(SQLiteError) -> Result) -> Result? {
        scheduleEnd()
        do {
            return try body(store)
        } catch {
            abandon(error)
            return nil
        }
    }

    /// A reply to a call on `connection`, sent once what the turn changed so far is committed. Given after
    /// a change, it may rest on it: it stands only if the commit succeeds, else the call is refused.
    func reply(_ bytes: [UInt8], to connection: ControlConnection) {
        if holdsUncommittedChanges {
            if connection.provisionalStart == nil { connection.provisionalStart = connection.replies.writerIndex }
            connection.provisionalCount += 1
        }
        connection.replies.writeBytes(bytes)
        hasOutput(connection)
    }

    func send(event message: ByteBuffer, to watcher: ControlConnection) {
        events.append((watcher, message))
        hasOutput(watcher)
    }

    func send(_ stanzas: [XMLElement], via link: ComponentConnection) {
        guard !stanzas.isEmpty else { return }
        scheduleEnd()
        self.stanzas.append((link, stanzas))
    }

    /// Where the stanzas queued from now on begin, for `groupByRecipient(since:on:)`.
    var stanzaMark: Int { stanzas.count }

    /// Writes the stanzas queued for `link` since `mark` (what one inbound stanza led to) as one run per
    /// recipient (`RecipientOrder`), so that a server reading the stream in chunks delivers each recipient's
    /// part in as few writes as it can. Stanzas for other streams stay as they are.
    func groupByRecipient(since mark: Int, on link: ComponentConnection) {
        // Nothing queued, or undone meanwhile (an undo only ever truncates to before the mark).
        guard mark < stanzas.count else { return }
        let indices = (mark..<stanzas.count).filter { stanzas[$0].link === link }
        guard let first = indices.first else { return }
        stanzas[first].stanzas = RecipientOrder.grouped(indices.flatMap { stanzas[$0].stanzas })
        for index in indices.dropFirst().reversed() { stanzas.remove(at: index) }
    }

    /// Ends the turn so far with a commit of its own, then runs `body` as a part whose changes are facts
    /// rather than requests: they stand (and are told) whatever the disk says, and are committed at once.
    func standing(_ body: () -> Void) {
        end()
        changesStand = true
        body()
        end()
    }

    private func hasOutput(_ connection: ControlConnection) {
        guard !connection.hasOutput else { return }
        connection.hasOutput = true
        connections.append(connection)
        scheduleEnd()
    }

    private func scheduleEnd() {
        guard !endScheduled else { return }
        endScheduled = true
        eventLoop.assumeIsolated().execute {
            self.endScheduled = false
            self.end()
        }
    }

    // MARK: Ending

    /// Makes the turn durable, then sends what it holds. When the disk refuses the commit, the turn is undone
    /// instead and false is returned; roomd stays up, and the next turn tries the disk again.
    @discardableResult
    func end() -> Bool {
        do {
            if try store.commit() {
                commits += 1
                storageWorks()
            }
        } catch {
            abandon(error)
            return false
        }
        flush(refusing: false)
        return true
    }

    /// Undoes the turn after the disk refused one of its writes or its commit: the store's transaction, the
    /// rooms it changed, and what it would have told watchers and XMPP occupants. Replies already given in it
    /// after its first change become refusals.
    private func abandon(_ error: any Error) {
        store.rollback()
        storageFails(error)
        var refusing = false
        if !changesStand {
            for (address, before) in undo {
                if let before {
                    registry.restore(before)
                } else {
                    // Created in this turn: destroying it is the registry's only way to remove a room; its
                    // events are dropped, as nobody was told of the room.
                    _ = try? registry.destroyRoom(address, reason: nil)
                }
            }
            for (room, service, state) in componentUndo { service.restore(state, of: room) }
            events.removeAll(keepingCapacity: true)
            if !holdsUncommittedChanges { stanzasBeforeChange = stanzas.count }
            stanzas.removeSubrange(stanzasBeforeChange...)
            refusing = holdsUncommittedChanges
        }
        flush(refusing: refusing)
    }

    /// Sends what the turn holds and starts the next one: replies first (a Watch call's reply precedes the
    /// events it asked for), then watcher events, then stanzas; each channel is flushed once.
    ///
    /// Everything is taken out of the turn, and the turn reset, before the first byte is written: writing
    /// can run code that handles calls (when a flush fails, NIO reads what the socket still holds before
    /// closing it), and what they change belongs to the next turn, with its own undo log and commit.
    private func flush(refusing: Bool) {
        let refusal = refusing ? storageUnavailable.framed() : []
        for (watcher, message) in events where watchers.contains(watcher) {
            watcher.events.append(message)
        }
        for connection in connections {
            connection.hasOutput = false
            if refusing, let start = connection.provisionalStart {
                connection.replies.moveWriterIndex(to: start)
                for _ in 0..<connection.provisionalCount { connection.replies.writeBytes(refusal) }
                // A watching connection makes no calls, so its Watch was one of the refused ones: it did not start.
                if connection.watching != nil {
                    connection.watching = nil
                    watchers.remove(connection)
                }
            }
            connection.provisionalStart = nil
            connection.provisionalCount = 0
        }
        let sending = connections
        let sendingStanzas = stanzas
        connections.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        stanzas.removeAll(keepingCapacity: true)
        stanzasBeforeChange = 0
        if holdsUncommittedChanges {
            undo.removeAll(keepingCapacity: true)
            componentUndo.removeAll(keepingCapacity: true)
            holdsUncommittedChanges = false
        }
        changesStand = false

        for connection in sending { connection.sendOutput() }
        var flushed: [ComponentConnection] = []
        for (link, stanzas) in sendingStanzas where link.write(stanzas) {
            if !flushed.contains(where: { $0 === link }) { flushed.append(link) }
        }
        for link in flushed { link.flush() }
    }

    // MARK: Storage state

    /// Logged on the change of state only: a full disk would otherwise log once per refused call.
    private func storageFails(_ error: any Error) {
        if storageFailure == nil {
            logger.error(
                "the state database refuses writes; calls that change state are refused (StorageUnavailable)",
                metadata: ["error": "\(error)"])
        }
        storageFailure = "\(error)"
    }

    private func storageWorks() {
        guard storageFailure != nil else { return }
        storageFailure = nil
        logger.notice("the state database takes writes again")
    }

    /// The refusal of a call whose change could not be made durable.
    var storageUnavailable: RoomsError {
        RoomsError.storageUnavailable(reason: storageFailure ?? "the state database refused the write")
    }
}
