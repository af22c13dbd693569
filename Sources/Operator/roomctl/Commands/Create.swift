import ArgumentParser
import ControlProtocol
import StrictJSON

struct Create: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Create a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "A human-readable name.") var name: String?
    @Flag(help: "Destroy the room when its last occupant leaves.") var temporary = false
    typealias Call = Rooms.CreateRoomParameters
    var arguments: JSONObject {
        given(["room": .string(room), "name": name.json, "persistent": .bool(!temporary)])
    }
    func printHuman(_ reply: Rooms.CreateRoomReply) { printLine("created \(reply.room.room)") }
}
