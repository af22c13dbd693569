import Foundation
import MUCCore
import Testing

@testable import RoomDaemon

/// A room's configuration on disk (XEP-0045 §10.2): written when it is created and configured, read back
/// after a restart, and a database of the previous schema migrated.
@Suite struct RoomStoreConfigurationTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")

    func directory() throws -> String {
        let directory = NSTemporaryDirectory() + "store-configuration-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aConfigurationSurvivesARestart() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configured = RoomConfiguration(
            name: "Verona", description: "Fair Verona", language: "en", persistent: true, isPublic: false,
            membersOnly: true, whois: .anyone, moderated: true, password: "capulet", changeSubject: true,
            privateMessages: .moderators, allowInvites: true, maxUsers: 30, historyLength: 7,
            defaultHistoryMessages: 3)
        do {
            let store = try RoomStore(directory: directory, sync: .normal)
            try store.record(.created(garden, RoomConfiguration(persistent: false)), uid: 0, now: 1)
            try store.record(
                .configured(garden, configured, previous: RoomConfiguration(persistent: false), unlocked: true),
                uid: 0, now: 2)
            try store.record(.subjectChanged(garden, RoomSubject(text: "Fair Verona", by: "Romeo")), uid: 0, now: 3)
            try store.commit()
        }
        let store = try RoomStore(directory: directory, sync: .normal)
        let loaded = try store.loadRooms()
        #expect(Array(loaded.rooms.keys) == [garden])
        #expect(loaded.rooms.values.first?.configuration == configured)
        #expect(loaded.rooms.values.first?.locked == false)
        #expect(loaded.rooms.values.first?.subject == RoomSubject(text: "Fair Verona", by: "Romeo"))
    }

    @Test func aVersion2DatabaseIsMigratedWithItsRoomsKept() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let database = try SQLiteDatabase(path: directory + "/roomd.sqlite3")
            try database.execute(
                """
                CREATE TABLE rooms (jid TEXT PRIMARY KEY, name TEXT, persistent INTEGER NOT NULL,
                    created INTEGER NOT NULL);
                CREATE TABLE affiliations (room TEXT NOT NULL, jid TEXT NOT NULL, affiliation TEXT NOT NULL,
                    reason TEXT, PRIMARY KEY (room, jid)) WITHOUT ROWID;
                INSERT INTO rooms VALUES ('garden@chat.example.org', 'Garden', 1, 5);
                INSERT INTO affiliations VALUES ('garden@chat.example.org', 'romeo@example.org', 'owner', NULL);
                PRAGMA user_version = 2;
                """)
        }
        do {
            let store = try RoomStore(directory: directory, sync: .normal)
            let loaded = try store.loadRooms()
            #expect(loaded.rooms.count == 1)
            let room = try #require(loaded.rooms.values.first)
            #expect(room.configuration == RoomConfiguration(name: "Garden", persistent: true))
            #expect(room.subject == nil)
            #expect(room.affiliation(of: try JID(parsing: "romeo@example.org")) == .owner)
            var changed = room.configuration
            changed.membersOnly = true
            try store.record(
                .configured(garden, changed, previous: room.configuration, unlocked: false), uid: 0, now: 9)
            try store.commit()
        }
        // Its rooms keep Prosody's default history settings, the columns' defaults.
        // Opening it again (now the current version) migrates nothing twice and keeps the change.
        do {
            let store = try RoomStore(directory: directory, sync: .normal)
            #expect(try store.loadRooms().rooms.values.first?.configuration.membersOnly == true)
        }
        var version: Int64 = 0
        try SQLiteDatabase(path: directory + "/roomd.sqlite3").prepare("PRAGMA user_version").query([]) {
            version = $0.integer(0)
        }
        #expect(version == Int64(RoomStore.schemaVersion))
    }
}
