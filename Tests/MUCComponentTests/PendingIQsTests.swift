import MUCCore
import Testing

@testable import MUCComponent

/// The table of IQs routed to occupants: bounded, expiring, and its ids unguessable.
@Suite struct PendingIQsTests {
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")
    let orchard = try! RoomAddress(parsing: "orchard@chat.localhost")
    let start = ContinuousClock.now

    func jid(_ text: String) -> JID { try! JID(parsing: text) }

    @Test func idsAreDistinctRandomTokens() throws {
        var table = PendingIQs()
        var seen: Set<String> = []
        for index in 0..<200 {
            let token = try table.add(
                room: garden, sender: jid("u\(index)@localhost/r"), id: "same", target: jid("t@localhost/r"),
                now: start)
            #expect(
                token.utf8.count == 32 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
            seen.insert(token)
        }
        #expect(seen.count == 200)
    }

    @Test func eachBoundRefusesWithItsOwnReason() throws {
        var table = PendingIQs()
        let target = jid("t@localhost/r")
        for index in 0..<PendingIQs.maxPerSender {
            _ = try table.add(room: garden, sender: jid("a@localhost/r"), id: "\(index)", target: target, now: start)
        }
        #expect(throws: PendingIQs.Refusal.senderBusy) {
            try table.add(room: garden, sender: jid("a@localhost/r"), id: "x", target: target, now: start)
        }
        // The same user's other session has a share of its own; the room is bounded for all.
        var sender = 0
        while table.count < PendingIQs.maxPerRoom {
            _ = try table.add(
                room: garden, sender: jid("s\(sender / 200)@localhost/r"), id: "\(sender)", target: target, now: start)
            sender += 1
        }
        #expect(throws: PendingIQs.Refusal.roomBusy) {
            try table.add(room: garden, sender: jid("fresh@localhost/r"), id: "x", target: target, now: start)
        }
        var room = 0
        while table.count < PendingIQs.maxTotal {
            let address = try RoomAddress(parsing: "room\(room / 2000)@chat.localhost")
            _ = try table.add(
                room: address, sender: jid("z\(room / 200)@localhost/r"), id: "\(room)", target: target, now: start)
            room += 1
        }
        #expect(throws: PendingIQs.Refusal.serviceBusy) {
            try table.add(room: orchard, sender: jid("fresh@localhost/r"), id: "x", target: target, now: start)
        }
        // All expire together, and the shares are whole again.
        table.expire(now: start + PendingIQs.lifetime)
        #expect(table.count == 0 && table.queueLength == 0)
        _ = try table.add(
            room: garden, sender: jid("a@localhost/r"), id: "x", target: target, now: start + PendingIQs.lifetime)
    }

    @Test func anEntryLivesUntilItsDeadline() throws {
        var table = PendingIQs()
        let token = try table.add(
            room: garden, sender: jid("a@localhost/r"), id: "1", target: jid("t@localhost/r"), now: start)
        #expect(table.entry(token, now: start + .seconds(119))?.id == "1")
        #expect(table.entry(token, now: start + PendingIQs.lifetime) == nil)
        #expect(table.entry("0123456789abcdef0123456789abcdef", now: start) == nil)
    }

    /// Fails without compaction: IQs answered at once left their tokens queued until their deadline, a queue
    /// as long as everything asked within a lifetime.
    @Test func answeredIQsDoNotGrowTheQueue() throws {
        var table = PendingIQs()
        let held = try table.add(
            room: garden, sender: jid("a@localhost/r"), id: "held", target: jid("t@localhost/r"), now: start)
        for index in 0..<10_000 {
            let token = try table.add(
                room: garden, sender: jid("a@localhost/r"), id: "\(index)", target: jid("t@localhost/r"), now: start)
            table.remove(token)
        }
        #expect(table.count == 1 && table.queueLength <= 2 * table.count + 64)
        #expect(table.entry(held, now: start)?.id == "held")
    }
}
