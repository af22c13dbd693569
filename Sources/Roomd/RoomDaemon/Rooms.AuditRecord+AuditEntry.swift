import ControlProtocol

extension Rooms.AuditRecord {
    /// A row of the store's audit log as `GetAudit` returns it.
    init(_ entry: AuditEntry) {
        self.init(
            id: entry.id, time: AuditTime.iso8601(milliseconds: entry.milliseconds), action: entry.action,
            room: entry.room, nick: entry.nick, jids: entry.jids, reason: entry.reason, actor: entry.actor,
            uid: entry.uid, caller: entry.caller)
    }
}
