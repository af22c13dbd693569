#if canImport(Glibc)
    import Glibc
#endif
import MUCCore
import NIOCore

/// XEP-0045 §10.1.1: a room a join created stays locked until its owner configures it, for `lockTimeout` at
/// most; then its lock lapses and it keeps the configuration it was created with (`RoomRegistry.expireLock`),
/// as with Prosody's `muc_room_lock_timeout`.
extension RoomService {
    /// Starts the lock's timer of every room `events` created locked, and stops the timer of a room that
    /// was configured or destroyed before it ran: a flood of created and abandoned rooms leaves no timers
    /// behind, and a room made again gets a timer of its own.
    func scheduleLockExpiry(after events: [RoomEvent]) {
        for event in events {
            switch event {
            case .created(let room, _):
                lockTimers.removeValue(forKey: room)?.cancel()
                guard registry.rooms[room]?.locked == true else { continue }
                lockTimers[room] = eventLoop.assumeIsolated().scheduleTask(deadline: eventLoop.now + lockTimeout) {
                    self.expireLock(of: room)
                }
            case .destroyed(let room, _, _), .configured(let room, _, _, _):
                guard registry.rooms[room]?.locked != true else { continue }
                lockTimers.removeValue(forKey: room)?.cancel()
            default:
                continue
            }
        }
    }

    /// Ends the lock of `room` if its deadline has come and it is still locked; the change is committed and
    /// told as an owner's instant-room configuration would be.
    func expireLock(of room: RoomAddress) {
        guard lockTimers.removeValue(forKey: room) != nil, registry.rooms[room]?.locked == true else { return }
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
