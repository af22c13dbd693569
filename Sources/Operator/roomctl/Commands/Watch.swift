import ArgumentParser
import ControlProtocol
import StrictJSON

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print room events as they happen, until interrupted.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this room.") var room: String?

    func run() throws {
        let client = connect(global)
        do {
            try client.sendFramed(
                CallFrame.frame(Rooms.WatchParameters.self, given(["room": room.json]), more: true))
            client.setTimeout(nil)
            while true {
                if global.json {
                    let (parameters, continues) = try client.receiveParameters()
                    printCompactJSON(.object(parameters))
                    if !continues { return }
                } else {
                    let (reply, continues) = try client.receive(Rooms.WatchReply.self)
                    let event = reply.event
                    let fields: [String?] = [
                        event.kind.rawValue, event.room?.description, event.nick?.description,
                        event.jids?.map(\.description).joined(separator: ","), event.role?.rawValue,
                        event.affiliation?.rawValue, event.actor.map { "actor=\($0)" },
                        event.reason.map { "reason=\($0)" },
                    ]
                    printLine(fields.compactMap { $0 }.joined(separator: " "))
                    if !continues { return }
                }
                fflushStandardOutput()
            }
        } catch {
            fail(error)
        }
    }
}
