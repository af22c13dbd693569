import ArgumentParser
import ControlProtocol
import StrictJSON

struct Kick: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Kick an occupant by nickname, or every occupant of a real JID with --jid.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String?
    @Option(help: "Kick by real JID instead (bare: all of that user's occupants).") var jid: String?
    @Option(help: "Why, shown to occupants.") var reason: String?
    @Option(help: "Who kicks, shown to occupants.") var actor: String?
    @Flag(help: "Refuse if the target is an owner or admin.") var protect = false

    typealias Call = Rooms.KickParameters

    func validate() throws {
        if (nick == nil) == (jid == nil) { throw ValidationError("give either NICK or --jid JID") }
    }

    var arguments: JSONObject {
        given([
            "room": .string(room), "nick": nick.json, "jid": jid.json, "reason": reason.json, "actor": actor.json,
            "protect": protect ? .bool(true) : nil,
        ])
    }

    func printHuman(_ reply: Rooms.KickReply) { printRemoved(reply.kicked, verb: "kicked") }
}
