#if canImport(Glibc)
    import Glibc
#endif
import MUCCore
import NIOCore

/// XEP-0045 §10.1.1: a room a join created stays locked until its owner configures it, for `lockTimeout` at
/// most; then its lock lapses and it keeps the configuration it was created with (`RoomRegistry.expireLock`),
/// as with Prosody's `muc_room_lock_timeout`.
extension RoomService {
    /// Starts the lock's timer of every room `events` created locked. A room destroyed and created again
    /// before its first timer runs gets a later deadline, which that first timer leaves alone.
    func scheduleLockExpiry(after events: [RoomEvent]) {
        for event in events {
            guard case .created(let room, _) = event, registry.rooms[room]?.locked == true else { continue }
            let deadline = eventLoop.now + lockTimeout
            lockDeadlines[room] = deadline
            eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.expireLock(of: room) }
        }
    }

    /// Ends the lock of `room` if its deadline has come and it is still locked; the change is committed and
    /// told as an owner's instant-room configuration would be.
    func expireLock(of room: RoomAddress) {
        guard let deadline = lockDeadlines[room], deadline <= eventLoop.now else { return }
        lockDeadlines[room] = nil
        guard registry.rooms[room]?.locked == true else { return }
        turn.willChange(room, components: components)
        let events = registry.expireLock(room)
        do {
            try apply(events, uid: getuid())
            logger.debug("the lock of a room its owner never configured lapsed", metadata: ["room": "\(room)"])
        } catch {
            logger.error("cannot end the lock of \(room): \(error)")
        }
    }
}
