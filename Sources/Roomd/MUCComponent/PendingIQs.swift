import MUCCore

/// The IQs the room routed to an occupant (XEP-0045 §17.4) and whose answer it waits for, so that the answer
/// goes back to the session that asked, under that session's own id.
///
/// The routed IQ carries a token of its own as its id: random, so that neither occupant can guess or collide
/// with another's, and the only key to the entry. An answer that names no entry (never asked, already
/// answered, expired) is dropped. Bounded three ways, per asking session, per room and in all, and each entry
/// lives `lifetime` at most: an occupant that never answers, or a sender that asks without end, holds a
/// bounded share that frees itself. (Prosody keeps no table: it packs the asker's JID, id and a MAC into the
/// routed id, so any answer carrying that id is routed, as often as it comes and however late.)
struct PendingIQs {
    struct Entry: Sendable, Equatable {
        let room: RoomAddress
        /// The session that sent the IQ, and its id.
        let sender: JID
        let id: String?
        /// The occupant's session it went to (for a vCard, to that session's bare JID).
        let target: JID
        let deadline: ContinuousClock.Instant
    }

    /// Longer than clients wait for an answer (Conversations and Gajim give up within a minute), and long
    /// enough for an IQ to go through servers (a vCard the target's server answers).
    static let lifetime: Duration = .seconds(120)
    /// A client fetching the vCard avatars of a large room asks once per occupant, at once.
    static let maxPerSender = 256
    static let maxPerRoom = 2048
    static let maxTotal = 16384

    enum Refusal: Error, Equatable {
        case senderBusy, roomBusy, serviceBusy
    }

    private(set) var entries: [String: Entry] = [:]
    private var perSender: [JID: Int] = [:]
    private var perRoom: [RoomAddress: Int] = [:]
    /// Tokens in the order they were added, thus of their deadlines (one lifetime for all). Answered tokens
    /// stay until they reach the head or the queue is compacted.
    private var queue: [String] = []
    private var head = 0

    var count: Int { entries.count }
    /// Tokens still queued for expiry, answered ones included: what the queue holds.
    var queueLength: Int { queue.count - head }

    /// Records an IQ about to be routed and returns the id to route it under.
    mutating func add(
        room: RoomAddress, sender: JID, id: String?, target: JID, now: ContinuousClock.Instant
    ) throws(Refusal) -> String {
        expire(now: now)
        guard entries.count < Self.maxTotal else { throw .serviceBusy }
        guard perRoom[room, default: 0] < Self.maxPerRoom else { throw .roomBusy }
        guard perSender[sender, default: 0] < Self.maxPerSender else { throw .senderBusy }
        var token = Self.newToken()
        while entries[token] != nil { token = Self.newToken() }
        entries[token] = Entry(room: room, sender: sender, id: id, target: target, deadline: now + Self.lifetime)
        perRoom[room, default: 0] += 1
        perSender[sender, default: 0] += 1
        queue.append(token)
        compactIfSparse()
        return token
    }

    /// The entry a routed id names, unless it expired.
    func entry(_ token: String, now: ContinuousClock.Instant) -> Entry? {
        guard let entry = entries[token], entry.deadline > now else { return nil }
        return entry
    }

    /// Forgets an entry (its answer came).
    mutating func remove(_ token: String) {
        forget(token)
        compactIfSparse()
    }

    /// Forgets the entries whose deadline passed.
    mutating func expire(now: ContinuousClock.Instant) {
        while head < queue.count {
            let token = queue[head]
            if let entry = entries[token] {
                guard entry.deadline <= now else { break }
                forget(token)
            }
            head += 1
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    mutating func removeAll() {
        self = PendingIQs()
    }

    private mutating func forget(_ token: String) {
        guard let entry = entries.removeValue(forKey: token) else { return }
        Self.decrement(&perRoom, entry.room)
        Self.decrement(&perSender, entry.sender)
    }

    /// Keeps the queue within twice the live entries (plus slack), so that many IQs answered at once do not
    /// grow it until their deadline.
    private mutating func compactIfSparse() {
        guard queue.count - head > 2 * entries.count + 64 else { return }
        queue = queue[head...].filter { entries[$0] != nil }
        head = 0
    }

    private static func decrement<Key: Hashable>(_ counts: inout [Key: Int], _ key: Key) {
        guard let count = counts[key] else { return }
        counts[key] = count > 1 ? count - 1 : nil
    }

    /// 128 random bits (the system's generator, getrandom(2) on Linux), as 32 hexadecimal digits.
    private static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next() as UInt64, generator.next() as UInt64]
        return words.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
