import ArgumentParser
import ControlProtocol
import StrictJSON

struct ListRooms: RoomctlCall {
    static let configuration = CommandConfiguration(commandName: "rooms", abstract: "List rooms.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only the rooms of this service.") var service: String?
    typealias Call = Rooms.ListRoomsParameters
    var arguments: JSONObject { given(["service": service.json]) }
    func printHuman(_ reply: Rooms.ListRoomsReply) {
        printTable(
            ["ROOM", "OCCUPANTS", "PERSISTENT", "NAME"],
            reply.rooms.map {
                [$0.room.description, String($0.occupants), $0.persistent ? "yes" : "no", $0.name ?? ""]
            })
    }
}
