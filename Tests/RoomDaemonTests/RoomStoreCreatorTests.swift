import Foundation
import MUCCore
import Testing

@testable import RoomDaemon

/// Who created a room (schema version 4) is stored, so that the limit of rooms per user holds after a
/// restart: the registry counts the restored rooms again.
@Suite struct RoomStoreCreatorTests {
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let hall = try! RoomAddress(parsing: "hall@chat.example.org")

    @Test func theCreatorSurvivesARestartAndCountsAgain() throws {
        let directory = NSTemporaryDirectory() + "store-creator-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let romeo = try JID(parsing: "romeo@example.org/phone")
        do {
            let store = try RoomStore(directory: directory, sync: .normal)
            try store.record(.created(garden, RoomConfiguration(persistent: false)), uid: 0, now: 1)
            try store.recordCreator(romeo, of: garden)
            try store.record(
                .configured(
                    garden, RoomConfiguration(), previous: RoomConfiguration(persistent: false), unlocked: true),
                uid: 0, now: 2)
            // The operator's room has no creator.
            try store.record(.created(hall, RoomConfiguration()), uid: 0, now: 3)
            try store.commit()
        }
        let store = try RoomStore(directory: directory, sync: .normal)
        let loaded = try store.loadRooms()
        var registry = RoomRegistry(services: ["chat.example.org"], policy: ServicePolicy(maxRoomsPerUser: 1))
        registry.restore(contentsOf: loaded.rooms)
        #expect(registry.rooms[garden]?.creator == romeo.bare)
        #expect(registry.rooms[hall]?.creator == nil)
        #expect(registry.roomsCreated(by: romeo) == 1)
        #expect(throws: CreationRefusal.tooManyRooms(limit: 1)) {
            try registry.checkCreation(in: "chat.example.org", by: romeo)
        }
    }
}
