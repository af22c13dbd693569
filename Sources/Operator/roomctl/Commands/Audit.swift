import ArgumentParser
import ControlProtocol
import StrictJSON

struct Audit: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Show the audit log of kicks and bans.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this room.") var room: String?
    @Option(help: "How many of the newest records.") var limit: Int = 100
    typealias Call = Rooms.GetAuditParameters
    var arguments: JSONObject {
        given(["room": room.json, "limit": .number(Double(limit))])
    }
    /// The UID column names a caller over TLS instead (`token:web1`), whose uid is -1.
    func printHuman(_ reply: Rooms.GetAuditReply) {
        printTable(
            ["TIME", "ACTION", "ROOM", "NICK", "JIDS", "UID", "ACTOR", "REASON"],
            reply.records.map {
                [
                    $0.time, $0.action, $0.room, $0.nick, $0.jids.joined(separator: " "), $0.caller ?? String($0.uid),
                    $0.actor ?? "", $0.reason ?? "",
                ]
            })
    }
}
