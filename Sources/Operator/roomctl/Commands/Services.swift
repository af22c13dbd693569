import ArgumentParser
import ControlProtocol
import StrictJSON

struct Services: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "List the MUC services (domains) roomd serves.")
    @OptionGroup var global: GlobalOptions
    typealias Call = Rooms.ListServicesParameters
    var arguments: JSONObject { [:] }
    func printHuman(_ reply: Rooms.ListServicesReply) { reply.services.forEach { printLine($0) } }
}
