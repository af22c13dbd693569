import ArgumentParser
import ControlProtocol
import StrictJSON

struct Destroy: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Destroy a room, removing its occupants.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "Why, shown to occupants.") var reason: String?
    typealias Call = Rooms.DestroyRoomParameters
    var arguments: JSONObject { given(["room": .string(room), "reason": reason.json]) }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("destroyed \(room)")
    }
}
