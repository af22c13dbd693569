import ArgumentParser
import ControlProtocol
import StrictJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Every subcommand is one varlink call: a method (its parameters' type), the command line's values as the
/// call's parameters, and a way to print the reply.
protocol RoomctlCall: ParsableCommand {
    associatedtype Call: RoomsCall
    var global: GlobalOptions { get }
    /// The values as given on the command line, under the parameters' names.
    var arguments: JSONObject { get }
    func printHuman(_ reply: Call.Reply)
}

extension RoomctlCall {
    func run() throws {
        let client = connect(global)
        do {
            try client.sendFramed(CallFrame.frame(Call.self, arguments))
            if global.json {
                printJSON(.object(try client.receiveParameters().parameters))
            } else {
                printHuman(try client.receive(Call.Reply.self).reply)
            }
        } catch {
            fail(error)
        }
    }
}

func connect(_ options: GlobalOptions) -> ControlClient {
    do {
        return try ControlClient(socketPath: options.socketPath, timeout: .milliseconds(Int(options.timeout * 1000)))
    } catch {
        fail(error)
    }
}

/// One line on stderr and a sysexits status.
func fail(_ error: ControlClientError) -> Never {
    let code: Int32
    switch error {
    case .unavailable: code = 69
    case .timedOut: code = 75
    case .connectionClosed, .protocolError: code = 76
    case .remote(let reply):
        switch reply {
        case .permissionDenied: code = 77
        // The disk is full or failing: a temporary failure, worth trying again later (EX_TEMPFAIL).
        case .storageUnavailable: code = 75
        case .messageTooLarge, .invalidMessage: code = 76
        default: code = 65
        }
    }
    writeStandardError("roomctl: \(TerminalText.escaped("\(error)", json: false))\n")
    exit(code)
}

/// A parameters object of the values given; absent options are left out.
func given(_ members: KeyValuePairs<String, JSONValue?>) -> JSONObject {
    var object = JSONObject()
    for (key, value) in members { if let value { object[key] = value } }
    return object
}
