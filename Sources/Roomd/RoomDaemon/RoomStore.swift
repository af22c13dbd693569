import ControlProtocol
import MUCCore

/// What roomd keeps on disk: rooms with their configuration, affiliations, and the audit log, in SQLite.
///
/// Writes go into one open transaction that `commit()` closes; the server commits once per turn of its
/// event loop (every call read from every socket in that turn) and only then sends their replies, so every
/// acknowledged change is on disk, and pipelined calls and concurrent clients share one commit.
/// `@unchecked Sendable`: opened on the starting thread, then handed once to the event loop that owns the
/// rooms and used only there.
final class RoomStore: @unchecked Sendable {
    private let database: SQLiteDatabase
    /// Whether writes wait for `commit()`: tests check that no byte leaves roomd meanwhile.
    private(set) var inTransaction = false
    /// Makes every commit fail with this error, as a full disk does when the WAL cannot grow at COMMIT time.
    /// For tests of that failure.
    var commitFault: SQLiteError?
    /// `totalChanges` when the open transaction began.
    private var changesAtBegin = 0
    private let insertRoom: SQLiteStatement
    private let updateRoom: SQLiteStatement
    private let updateSubject: SQLiteStatement
    private let deleteRoom: SQLiteStatement
    private let updateCreator: SQLiteStatement
    private let deleteRoomAffiliations: SQLiteStatement
    private let upsertAffiliation: SQLiteStatement
    private let deleteAffiliation: SQLiteStatement
    private let insertAudit: SQLiteStatement
    private let pruneAuditStatement: SQLiteStatement
    private let begin: SQLiteStatement
    private let commitStatement: SQLiteStatement
    private let rollbackStatement: SQLiteStatement

    static let schema = """
        CREATE TABLE IF NOT EXISTS rooms (
            jid TEXT PRIMARY KEY,
            name TEXT,
            persistent INTEGER NOT NULL,
            created INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS affiliations (
            room TEXT NOT NULL,
            jid TEXT NOT NULL,
            affiliation TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (room, jid)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            action TEXT NOT NULL,
            room TEXT NOT NULL,
            nick TEXT NOT NULL,
            jids TEXT NOT NULL,
            reason TEXT,
            actor TEXT,
            uid INTEGER NOT NULL,
            caller TEXT
        );
        -- GetAudit {room} runs on the event loop: without this index a quiet room's records meant a scan of
        -- the whole table. It costs one more page per audit commit (Benchmarks/roomd/README.md).
        CREATE INDEX IF NOT EXISTS audit_by_room ON audit (room, id);
        """

    /// The configuration and subject columns version 3 added to `rooms` (XEP-0045 §10.2, §8.1), with the values a room of
    /// version 2 had: a version-2 database is migrated by adding them, and a new one is made the same way.
    static let configurationColumns: [(name: String, definition: String)] = [
        ("description", "TEXT"),
        ("language", "TEXT"),
        ("public", "INTEGER NOT NULL DEFAULT 1"),
        ("members_only", "INTEGER NOT NULL DEFAULT 0"),
        ("whois", "TEXT NOT NULL DEFAULT 'moderators'"),
        ("moderated", "INTEGER NOT NULL DEFAULT 0"),
        ("password", "TEXT"),
        ("change_subject", "INTEGER NOT NULL DEFAULT 0"),
        ("allow_pm", "TEXT NOT NULL DEFAULT 'anyone'"),
        ("allow_invites", "INTEGER NOT NULL DEFAULT 0"),
        ("max_users", "INTEGER"),
        ("subject", "TEXT"),
        ("subject_by", "TEXT"),
        // Version 4: the bare JID whose join created the room, for the limit of rooms per user.
        ("creator", "TEXT"),
        // Version 5: the history settings (XEP-0045 §7.2.13; the history itself is kept in memory only).
        ("history_length", "INTEGER NOT NULL DEFAULT 20"),
        ("default_history_messages", "INTEGER NOT NULL DEFAULT 20"),
    ]
    /// Version 6: who called over TLS (`certificate:NAME`, `token:NAME`), beside the uid.
    static let auditCallerColumn = (name: "caller", definition: "TEXT")
    static let schemaVersion = 6

    /// Adds the columns a database made by an older roomd lacks; idempotent, in the open transaction-free
    /// state of startup.
    private static func migrate(_ database: SQLiteDatabase) throws(SQLiteError) {
        var present: Set<String> = []
        do {
            try database.prepare("PRAGMA table_info(rooms)").query([]) { present.insert($0.text(1) ?? "") }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw database.error(1)
        }
        for column in configurationColumns where !present.contains(column.name) {
            try database.execute("ALTER TABLE rooms ADD COLUMN \(column.name) \(column.definition)")
        }
        var auditColumns: Set<String> = []
        do {
            try database.prepare("PRAGMA table_info(audit)").query([]) { auditColumns.insert($0.text(1) ?? "") }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw database.error(1)
        }
        if !auditColumns.contains(auditCallerColumn.name) {
            try database.execute(
                "ALTER TABLE audit ADD COLUMN \(auditCallerColumn.name) \(auditCallerColumn.definition)")
        }
        try database.execute("PRAGMA user_version = \(schemaVersion)")
    }

    /// A checkpoint stalls the event loop (~3 ms of fdatasync here); SQLite's default of 1000 pages did
    /// so several times a second under load. 16 MiB of WAL at most.
    static let checkpointPages = 16384

    init(directory: String, sync: SyncMode) throws(SQLiteError) {
        database = try SQLiteDatabase(path: directory + "/roomd.sqlite3")
        // roomd is the database's only user: an exclusive lock taken once saves the lock/unlock system
        // calls of every transaction, and a second roomd on the same state directory fails to start
        // instead of interleaving writes.
        // Small pages: a kick's commit writes one audit page to the WAL, and 1 KiB of it is cheaper to
        // write than 4 KiB (Benchmarks/roomd/README.md). New databases only.
        try database.execute("PRAGMA page_size = 1024")
        try database.execute("PRAGMA locking_mode = EXCLUSIVE")
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = \(sync == .full ? "FULL" : "NORMAL")")
        try database.execute("PRAGMA wal_autocheckpoint = \(Self.checkpointPages)")
        try database.execute(Self.schema)
        try Self.migrate(database)
        insertRoom = try database.prepare(
            """
            INSERT OR REPLACE INTO rooms (jid, name, persistent, created, description, language, public,
                members_only, whois, moderated, password, change_subject, allow_pm, allow_invites, max_users,
                history_length, default_history_messages)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        updateSubject = try database.prepare("UPDATE rooms SET subject = ?2, subject_by = ?3 WHERE jid = ?1")
        updateRoom = try database.prepare(
            """
            UPDATE rooms SET name = ?2, persistent = ?3, description = ?4, language = ?5, public = ?6,
                members_only = ?7, whois = ?8, moderated = ?9, password = ?10, change_subject = ?11,
                allow_pm = ?12, allow_invites = ?13, max_users = ?14, history_length = ?15,
                default_history_messages = ?16
            WHERE jid = ?1
            """)
        deleteRoom = try database.prepare("DELETE FROM rooms WHERE jid = ?")
        updateCreator = try database.prepare("UPDATE rooms SET creator = ?2 WHERE jid = ?1")
        deleteRoomAffiliations = try database.prepare("DELETE FROM affiliations WHERE room = ?")
        upsertAffiliation = try database.prepare(
            "INSERT OR REPLACE INTO affiliations (room, jid, affiliation, reason) VALUES (?, ?, ?, ?)")
        deleteAffiliation = try database.prepare("DELETE FROM affiliations WHERE room = ? AND jid = ?")
        insertAudit = try database.prepare(
            "INSERT INTO audit (time, action, room, nick, jids, reason, actor, uid, caller) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        // Only among the oldest `?3` rows, so that a step costs the same however large the table is; ids
        // grow with time, so the rows past the limits are the oldest ones.
        pruneAuditStatement = try database.prepare(
            """
            DELETE FROM audit WHERE id IN (
                SELECT id FROM (SELECT id, time FROM audit ORDER BY id LIMIT ?3)
                WHERE id <= (SELECT max(id) FROM audit) - ?1 OR time < ?2)
            """)
        begin = try database.prepare("BEGIN IMMEDIATE")
        commitStatement = try database.prepare("COMMIT")
        rollbackStatement = try database.prepare("ROLLBACK")
    }

    /// Reads every room back. Temporary rooms are empty after a restart, and an empty temporary room is
    /// destroyed, so they are dropped here (and from the disk). Rows that no longer parse are skipped.
    func loadRooms() throws -> (rooms: [RoomAddress: Room], droppedTemporary: Int, unreadable: [String]) {
        var rooms: [RoomAddress: Room] = [:]
        var temporary: [String] = []
        var unreadable: [String] = []
        let columns = "jid, name, persistent, " + Self.configurationColumns.map(\.name).joined(separator: ", ")
        try database.prepare("SELECT \(columns) FROM rooms").query([]) { row in
            let text = row.text(0) ?? ""
            guard let address = try? RoomAddress(parsing: text) else {
                unreadable.append(text)
                return
            }
            if row.integer(2) == 0 {
                temporary.append(text)
                return
            }
            var room = Room(address: address, configuration: Self.configuration(row))
            if let text = row.text(14), let by = row.text(15) { room.restore(subject: RoomSubject(text: text, by: by)) }
            room.restore(creator: row.text(16).flatMap { try? JID(parsing: $0) })
            rooms[address] = room
        }
        try database.prepare("SELECT room, jid, affiliation, reason FROM affiliations").query([]) { row in
            guard let address = try? RoomAddress(parsing: row.text(0) ?? ""), rooms[address] != nil,
                let jid = try? JID(parsing: row.text(1) ?? ""),
                let affiliation = Affiliation(rawValue: row.text(2) ?? "")
            else { return }
            rooms[address]!.restore(jid: jid, entry: AffiliationEntry(affiliation: affiliation, reason: row.text(3)))
        }
        for jid in temporary { try deleteRoomRows(jid) }
        try commit()
        return (rooms, temporary.count, unreadable)
    }

    /// Writes what an event changes into the open transaction. `uid` and `caller` are the caller's, for the
    /// audit log: a Unix-socket caller's uid, or -1 and the name of a caller over TLS.
    func record(_ event: RoomEvent, uid: Int64, caller: String? = nil, now: Int64) throws(SQLiteError) {
        switch event {
        case .created(let room, let configuration):
            try write { () throws(SQLiteError) in
                let c = configuration
                try insertRoom.run(
                    .text(room.description), .text(c.name), .integer(c.persistent ? 1 : 0), .integer(now),
                    .text(c.description), .text(c.language), .integer(c.isPublic ? 1 : 0),
                    .integer(c.membersOnly ? 1 : 0), .text(c.whois.rawValue), .integer(c.moderated ? 1 : 0),
                    .text(c.password), .integer(c.changeSubject ? 1 : 0), .text(c.privateMessages.rawValue),
                    .integer(c.allowInvites ? 1 : 0), c.maxUsers.map { .integer(Int64($0)) } ?? .text(nil),
                    .integer(Int64(c.historyLength)), .integer(Int64(c.defaultHistoryMessages)))
            }
        case .subjectChanged(let room, let subject):
            try write { () throws(SQLiteError) in
                try updateSubject.run(.text(room.description), .text(subject.text), .text(subject.by))
            }
        case .configured(let room, let c, _, _):
            try write { () throws(SQLiteError) in
                try updateRoom.run(
                    .text(room.description), .text(c.name), .integer(c.persistent ? 1 : 0),
                    .text(c.description), .text(c.language), .integer(c.isPublic ? 1 : 0),
                    .integer(c.membersOnly ? 1 : 0), .text(c.whois.rawValue), .integer(c.moderated ? 1 : 0),
                    .text(c.password), .integer(c.changeSubject ? 1 : 0), .text(c.privateMessages.rawValue),
                    .integer(c.allowInvites ? 1 : 0), c.maxUsers.map { .integer(Int64($0)) } ?? .text(nil),
                    .integer(Int64(c.historyLength)), .integer(Int64(c.defaultHistoryMessages)))
            }
        case .destroyed(let room, _, _):
            try deleteRoomRows(room.description)
        case .affiliationChanged(let room, let jid, let entry, _):
            try write { () throws(SQLiteError) in
                if entry.affiliation == .none {
                    try deleteAffiliation.run(.text(room.description), .text(jid.description))
                } else {
                    try upsertAffiliation.run(
                        .text(room.description), .text(jid.description), .text(entry.affiliation.rawValue),
                        .text(entry.reason))
                }
            }
        case .kicked(let removed, let reason, let actor):
            try audit("kick", removed, reason: reason, actor: actor, uid: uid, caller: caller, now: now)
        case .banned(let removed, let reason, let actor):
            try audit("ban", removed, reason: reason, actor: actor, uid: uid, caller: caller, now: now)
        case .removed(let removed, let cause, let reason, let actor):
            // The audit log names each removal by what caused it, as the Watch stream's kinds do.
            let action = cause == .affiliationChanged ? "revoke" : "membersonly"
            try audit(action, removed, reason: reason, actor: actor, uid: uid, caller: caller, now: now)
        case .joined, .left, .nickChanged, .roleChanged:
            break  // presence is live state, never stored
        }
    }

    /// Writes who created a room, in the open transaction, after its `created` event.
    func recordCreator(_ creator: JID, of room: RoomAddress) throws(SQLiteError) {
        try write { () throws(SQLiteError) in
            try updateCreator.run(.text(room.description), .text(creator.bare.description))
        }
    }

    /// A room's configuration from a row of `SELECT jid, name, persistent, <configurationColumns>`; a value
    /// that no longer parses takes its default.
    private static func configuration(_ row: SQLiteRow) -> RoomConfiguration {
        let maxUsers = row.text(13).flatMap { Int($0) }
        return RoomConfiguration(
            name: row.text(1), description: row.text(3), language: row.text(4), persistent: true,
            isPublic: row.integer(5) != 0, membersOnly: row.integer(6) != 0,
            whois: Whois(rawValue: row.text(7) ?? "") ?? .moderators, moderated: row.integer(8) != 0,
            password: row.text(9), changeSubject: row.integer(10) != 0,
            privateMessages: PrivateMessages(rawValue: row.text(11) ?? "") ?? .anyone,
            allowInvites: row.integer(12) != 0, maxUsers: maxUsers.flatMap { $0 > 0 ? $0 : nil },
            historyLength: Int(clamping: row.integer(17)), defaultHistoryMessages: Int(clamping: row.integer(18)))
    }

    private func deleteRoomRows(_ jid: String) throws(SQLiteError) {
        try write { () throws(SQLiteError) in
            try deleteRoomAffiliations.run(.text(jid))
            try deleteRoom.run(.text(jid))
        }
    }

    private func audit(
        _ action: String, _ removed: RemovedOccupant, reason: String?, actor: String?, uid: Int64, caller: String?,
        now: Int64
    ) throws(SQLiteError) {
        try write { () throws(SQLiteError) in
            try insertAudit.run(
                .integer(now), .text(action), .text(removed.room.description), .text(removed.nick.description),
                .text(removed.sessions.map(\.description).joined(separator: "\n")), .text(reason), .text(actor),
                .integer(uid), .text(caller))
        }
    }

    private func write(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        if !inTransaction {
            try begin.run()
            inTransaction = true
            changesAtBegin = database.totalChanges
        }
        try body()
    }

    /// Makes every write since the last commit durable; true when a row changed, so that the disk really
    /// took a write (a commit that changed nothing writes nothing, and succeeds on a full disk). When it
    /// throws, the transaction stays open: `rollback()` ends it.
    @discardableResult
    func commit() throws(SQLiteError) -> Bool {
        guard inTransaction else { return false }
        if let commitFault { throw commitFault }
        try commitStatement.run()
        inTransaction = false
        return database.totalChanges != changesAtBegin
    }

    /// Forgets every write since the last commit. After a failed write SQLite may have rolled the transaction
    /// back by itself, so a ROLLBACK that finds none is not an error.
    func rollback() {
        guard inTransaction else { return }
        inTransaction = false
        try? rollbackStatement.run()
    }

    /// Deletes at most `batch` of the oldest audit records among those past the limits: beyond the newest
    /// `maxRows`, or older than `olderThan` (ms since the epoch). Returns how many went.
    func pruneAudit(maxRows: Int?, olderThan: Int64?, batch: Int) throws(SQLiteError) -> Int {
        var deleted = 0
        try write { () throws(SQLiteError) in
            try pruneAuditStatement.run(
                .integer(Int64(maxRows ?? Int(Int32.max))), .integer(olderThan ?? Int64.min), .integer(Int64(batch)))
            deleted = database.changes
        }
        return deleted
    }

    /// Caps the database at its current size plus `extraPages` (nil: no cap), as a full disk or a quota
    /// would: a write that needs more pages then fails with SQLITE_FULL. For tests of that failure.
    func capSize(extraPages: Int?) throws(SQLiteError) {
        guard let extraPages else {
            try database.execute("PRAGMA max_page_count = 4294967294")
            return
        }
        var pages: Int64 = 0
        try? database.prepare("PRAGMA page_count").query([]) { pages = $0.integer(0) }
        try database.execute("PRAGMA max_page_count = \(pages + Int64(extraPages))")
    }

    /// The newest `limit` audit records (of one room, or all), oldest first.
    func auditRecords(room: String?, limit: Int) throws -> [AuditEntry] {
        let sql =
            room == nil
            ? "SELECT id, time, action, room, nick, jids, reason, actor, uid, caller FROM audit ORDER BY id DESC LIMIT ?"
            : "SELECT id, time, action, room, nick, jids, reason, actor, uid, caller FROM audit WHERE room = ? ORDER BY id DESC LIMIT ?"
        var values: [SQLiteStatement.Value] = [.integer(Int64(limit))]
        if let room { values.insert(.text(room), at: 0) }
        var entries: [AuditEntry] = []
        try database.prepare(sql).query(values) { row in
            entries.append(
                AuditEntry(
                    id: row.integer(0), milliseconds: row.integer(1), action: row.text(2) ?? "",
                    room: row.text(3) ?? "",
                    nick: row.text(4) ?? "",
                    jids: (row.text(5) ?? "").split(separator: "\n").map(String.init),
                    reason: row.text(6), actor: row.text(7), uid: row.integer(8), caller: row.text(9)))
        }
        return entries.reversed()
    }
}
