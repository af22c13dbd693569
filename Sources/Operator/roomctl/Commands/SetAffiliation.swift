import ArgumentParser
import ControlProtocol
import StrictJSON

struct SetAffiliation: RoomctlCall {
    static let configuration = CommandConfiguration(
        commandName: "affiliation", abstract: "Set a bare JID's affiliation: owner, admin, member, outcast or none.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The real JID.") var jid: String
    @Argument(help: "owner, admin, member, outcast or none.") var affiliation: String
    @Option(help: "Why.") var reason: String?
    typealias Call = Rooms.SetAffiliationParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "jid": .string(jid), "affiliation": .string(affiliation), "reason": reason.json,
        ])
    }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("\(jid) is now \(affiliation) in \(room)")
    }
}
