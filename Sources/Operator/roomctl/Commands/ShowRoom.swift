import ArgumentParser
import ControlProtocol
import StrictJSON

struct ShowRoom: RoomctlCall {
    static let configuration = CommandConfiguration(
        commandName: "room", abstract: "Show a room, its occupants and affiliations.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    typealias Call = Rooms.GetRoomParameters
    var arguments: JSONObject { ["room": .string(room)] }
    func printHuman(_ reply: Rooms.GetRoomReply) {
        let room = reply.room
        printLine(
            "room: \(room.room)\(room.name.map { " (\($0))" } ?? "")  persistent: \(room.persistent ? "yes" : "no")")
        print()
        printTable(
            ["NICK", "ROLE", "AFFILIATION", "JIDS"],
            room.occupants.map {
                [
                    $0.nick.description, $0.role.rawValue, $0.affiliation.rawValue,
                    $0.jids.map(\.description).joined(separator: " "),
                ]
            })
        if !room.affiliations.isEmpty {
            print()
            printTable(
                ["JID", "AFFILIATION", "REASON"],
                room.affiliations.map { [$0.jid.description, $0.affiliation.rawValue, $0.reason ?? ""] })
        }
    }
}
