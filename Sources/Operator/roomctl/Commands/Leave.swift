import ArgumentParser
import ControlProtocol
import StrictJSON

struct Leave: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Take a nickname (or one of its sessions) out of a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String
    @Option(help: "Only this session (full real JID).") var jid: String?
    typealias Call = Rooms.LeaveParameters
    var arguments: JSONObject {
        given(["room": .string(room), "nick": .string(nick), "jid": jid.json])
    }
    func printHuman(_ reply: Rooms.EmptyReply) { printLine("\(nick) left \(room)") }
}
