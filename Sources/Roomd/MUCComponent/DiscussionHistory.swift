import DequeModule
import MUCCore
import XMLStream

/// The rooms' discussion history (XEP-0045 §7.2.13–7.2.14, §17.2): the last groupchat messages of each room,
/// as the room sent them on, stamped with an XEP-0203 delay, for the joiners of the room.
///
/// Kept in memory only, as Prosody 0.12 keeps it (`history.lib.lua`): a courtesy to joiners, not a record
/// (that is an archive's job, XEP-0313), and storing it would put a disk write on every message. A restart
/// therefore starts every room with no history.
///
/// Bounded three ways, so that a client filling rooms with large messages cannot grow roomd without bound:
/// a room keeps at most its `historyLength` messages (itself at most `RoomConfiguration.maxHistoryLength`)
/// and at most `maxRoomBytes` of them (serialized); a message larger than that is not kept; and the whole
/// service keeps at most `maxServiceBytes`, past which its oldest messages go first, whichever room they are
/// in.
struct DiscussionHistory: Sendable {
    /// One message kept: the room's copy without a `to`, with its delay.
    struct Entry: Sendable {
        var message: XMLElement
        /// When the room received it, seconds since the epoch.
        var timestamp: Int64
        /// Its characters (Unicode scalars) serialized with an empty `to`, for `maxchars`.
        var chars: Int
        /// Its bytes serialized (UTF-8), for the bounds.
        var bytes: Int
        /// Its place in the service's order of arrival.
        var sequence: UInt64
    }

    /// One room's messages, oldest first.
    struct RoomHistory: Sendable {
        var entries: [Entry] = []
        var bytes = 0
    }

    static let defaultMaxRoomBytes = 128 * 1024
    static let defaultMaxServiceBytes = 16 * 1024 * 1024

    let maxRoomBytes: Int
    let maxServiceBytes: Int
    private(set) var rooms: [RoomAddress: RoomHistory] = [:]
    /// Bytes of every room's messages.
    private(set) var totalBytes = 0
    /// Messages kept in every room.
    private(set) var totalEntries = 0
    /// Every message kept, in order of arrival, for the service-wide bound; an entry whose message is gone
    /// already (trimmed from its room) stays until it reaches the front or the queue is compacted.
    private var arrival: Deque<(room: RoomAddress, sequence: UInt64)> = []
    private var nextSequence: UInt64 = 0

    /// Entries in the arrival queue, kept ones and gone ones: at most about twice those kept.
    var arrivalCount: Int { arrival.count }

    init(maxRoomBytes: Int = defaultMaxRoomBytes, maxServiceBytes: Int = defaultMaxServiceBytes) {
        self.maxRoomBytes = maxRoomBytes
        self.maxServiceBytes = maxServiceBytes
    }

    /// Whether a groupchat message belongs in the history, as Prosody's `muc-message-is-historic` decides:
    /// not with an XEP-0334 `no-store` or `no-permanent-store` hint; yes with a `store` hint, a body, an
    /// XEP-0380 encryption element or an XEP-0333 chat marker. A subject change alone is not history.
    static func isHistoric(_ message: XMLElement) -> Bool {
        var historic = false
        for element in message.elements {
            switch (element.namespace, element.name) {
            case (Namespace.hints, "no-store"), (Namespace.hints, "no-permanent-store"): return false
            case (Namespace.hints, "store"), (Namespace.component, "body"), ("urn:xmpp:eme:0", "encryption"),
                ("urn:xmpp:chat-markers:0", _):
                historic = true
            default: continue
            }
        }
        return historic
    }

    /// Keeps `message` (the room's copy, its `to` left out) as the room's newest, received at `now`, within
    /// the room's `length` and the bounds.
    mutating func add(_ message: XMLElement, in room: RoomAddress, length: Int, now: Int64) {
        guard length > 0 else {
            forget(room)
            return
        }
        var stamped = message
        stamped["to"] = nil
        stamped.append(
            XMLElement(
                "delay", namespace: Namespace.delay,
                attributes: ["from": room.description, "stamp": XMPPDateTime.format(now)]))
        var counted = stamped
        counted["to"] = ""
        let text = counted.serialized(parentNamespace: Namespace.component)
        let bytes = text.utf8.count
        guard bytes <= maxRoomBytes else { return }
        let entry = Entry(
            message: stamped, timestamp: now, chars: text.unicodeScalars.count, bytes: bytes, sequence: nextSequence)
        nextSequence += 1
        // In place: a copy of the room's history taken out of the table would be copied again on the append.
        rooms[room, default: RoomHistory()].entries.append(entry)
        rooms[room]!.bytes += bytes
        totalBytes += bytes
        totalEntries += 1
        arrival.append((room, entry.sequence))
        trim(room, to: length)
        while totalBytes > maxServiceBytes, let oldest = arrival.popFirst() {
            dropEntries(of: oldest.room, through: oldest.sequence)
        }
        if arrival.count > 2 * totalEntries + 1024 {
            arrival = Deque(arrival.filter { isKept($0.room, $0.sequence) })
        }
    }

    /// Drops a room's oldest messages until it keeps at most `length` and `maxRoomBytes`.
    mutating func trim(_ room: RoomAddress, to length: Int) {
        var dropped = 0
        var bytes = 0
        var count = 0
        // Counted in a scope of its own, so that no copy of the room's entries is alive when they change.
        if let history = rooms[room] {
            count = history.entries.count
            while count - dropped > length || history.bytes - bytes > maxRoomBytes {
                bytes += history.entries[dropped].bytes
                dropped += 1
            }
        }
        guard dropped > 0 else { return }
        totalBytes -= bytes
        totalEntries -= dropped
        if dropped == count {
            rooms[room] = nil
        } else {
            rooms[room]!.entries.removeFirst(dropped)
            rooms[room]!.bytes -= bytes
        }
    }

    /// Everything of a room: destroyed, or set to keep no history.
    mutating func forget(_ room: RoomAddress) {
        guard let history = rooms.removeValue(forKey: room) else { return }
        totalBytes -= history.bytes
        totalEntries -= history.entries.count
    }

    /// Puts back a room's history as it was before a change that was undone.
    mutating func restore(_ history: RoomHistory?, of room: RoomAddress) {
        forget(room)
        guard let history, !history.entries.isEmpty else { return }
        rooms[room] = history
        totalBytes += history.bytes
        totalEntries += history.entries.count
    }

    /// The messages a joiner gets (XEP-0045 §7.2.14), oldest first, addressed to `session`: the newest ones
    /// that pass every limit of `request`, counted from the newest back as Prosody's `muc-get-history` does,
    /// or the room's `defaultCount` newest when the request asks nothing. `maxchars` counts the characters of
    /// each complete stanza as sent to `session`.
    func messages(in room: RoomAddress, to session: JID, request: HistoryRequest, defaultCount: Int) -> [XMLElement] {
        guard let entries = rooms[room]?.entries, !entries.isEmpty else { return [] }
        let to = session.description
        let toChars = XMLEscaping.attribute(to).unicodeScalars.count
        let maxStanzas = request.isDefault ? defaultCount : request.maxStanzas ?? entries.count
        var count = 0
        var chars = 0
        for entry in entries.reversed() {
            if let maxChars = request.maxChars {
                chars += entry.chars + toChars
                if chars > maxChars { break }
            }
            if let since = request.since, since > Double(entry.timestamp) { break }
            if count + 1 > maxStanzas { break }
            count += 1
        }
        return entries.suffix(count).map {
            var message = $0.message
            message["to"] = to
            return message
        }
    }

    /// Whether the message of `sequence` is still kept in `room`: a room loses messages from its oldest only,
    /// so those kept are the ones between its oldest and its newest.
    private func isKept(_ room: RoomAddress, _ sequence: UInt64) -> Bool {
        guard let entries = rooms[room]?.entries, let first = entries.first, let last = entries.last else {
            return false
        }
        return first.sequence <= sequence && sequence <= last.sequence
    }

    /// Drops a room's messages up to the one of `sequence`, for the service-wide bound.
    private mutating func dropEntries(of room: RoomAddress, through sequence: UInt64) {
        guard isKept(room, sequence), var history = rooms[room] else { return }
        let dropped = history.entries.prefix { $0.sequence <= sequence }
        let bytes = dropped.reduce(0) { $0 + $1.bytes }
        history.entries.removeFirst(dropped.count)
        history.bytes -= bytes
        totalBytes -= bytes
        totalEntries -= dropped.count
        rooms[room] = history.entries.isEmpty ? nil : history
    }
}
