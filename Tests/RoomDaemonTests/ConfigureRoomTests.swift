import MUCCore
import Testing

@testable import RoomDaemon

/// `ConfigureRoom` over the control socket: the same configuration XMPP owners set, stored, and watched.
@Suite struct ConfigureRoomTests {
    @Test func readsChangesStoresAndAnnouncesTheConfiguration() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        let read = fixture.rooms("ConfigureRoom", ["room": StorageFixture.room])
        #expect(read.contains("\"whois\":\"moderators\""), "\(read)")
        let changed = fixture.rooms(
            "ConfigureRoom",
            ["room": StorageFixture.room, "whois": "anyone", "name": "Pantry", "password": "secret"])
        #expect(
            changed.contains("\"whois\":\"anyone\"") && changed.contains("\"passwordProtected\":true"), "\(changed)")
        #expect(!changed.contains("secret"), "the password is not shown")
        #expect(fixture.service.turn.end())
        let events = try fixture.events()
        #expect(events.count == 1 && events[0].contains("\"kind\":\"configured\""), "\(events)")
        let room = try fixture.service.registry.room(try RoomAddress(parsing: StorageFixture.room))
        #expect(room.configuration.name == "Pantry" && room.configuration.password == "secret")
        #expect(try fixture.store.loadRooms().rooms.values.first?.configuration == room.configuration)

        let bad = fixture.rooms("ConfigureRoom", ["room": StorageFixture.room, "allowPM": "everyone"])
        #expect(bad.contains("InvalidParameter") && bad.contains("allowPM"), "\(bad)")
        let missing = fixture.rooms("ConfigureRoom", ["room": "nowhere@chat.example.org"])
        #expect(missing.contains("RoomNotFound"), "\(missing)")
    }

    @Test func aConfigurationTheDiskRefusesIsUndone() throws {
        let fixture = try StorageFixture()
        try fixture.populate()
        try fixture.store.capSize(extraPages: 0)
        let long = String(repeating: "d", count: 1000)
        let refused = fixture.rooms(
            "ConfigureRoom", ["room": StorageFixture.room, "description": long, "whois": "anyone"])
        #expect(refused.contains("StorageUnavailable"), "\(refused)")
        fixture.service.turn.end()
        let room = try fixture.service.registry.room(try RoomAddress(parsing: StorageFixture.room))
        #expect(room.configuration == RoomConfiguration())
        #expect(try fixture.events() == [])
    }
}
