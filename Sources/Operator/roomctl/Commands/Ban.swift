import ArgumentParser
import ControlProtocol
import StrictJSON

struct Ban: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Ban a bare JID (affiliation outcast): removes its occupants and refuses later joins.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The real JID to ban.") var jid: String
    @Option(help: "Why, shown to occupants.") var reason: String?
    @Option(help: "Who bans.") var actor: String?
    typealias Call = Rooms.SetAffiliationParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "jid": .string(jid), "affiliation": .string("outcast"), "reason": reason.json,
            "actor": actor.json,
        ])
    }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("banned \(jid) from \(room)")
    }
}
