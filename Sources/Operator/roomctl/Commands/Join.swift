import ArgumentParser
import ControlProtocol
import StrictJSON

struct Join: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Put a real JID into a room under a nickname.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String
    @Argument(help: "The real JID, user@host/resource.") var jid: String
    @Option(help: "moderator, participant or visitor (default: from the affiliation).") var role: String?
    typealias Call = Rooms.JoinParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "nick": .string(nick), "jid": .string(jid), "role": role.json,
        ])
    }
    func printHuman(_ reply: Rooms.JoinReply) {
        let occupant = reply.occupant
        printLine("\(occupant.nick) is in \(room) as \(occupant.role.rawValue) (\(occupant.jids.count) session(s))")
    }
}
