import ArgumentParser
import CBuildInfo
import ControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

@main
struct RoomctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomctl",
        abstract: "Operate the muc-kick room daemon over its control socket.",
        discussion: """
            Exit status: 0 on success, 64 usage error, 65 the daemon refused the request (no such room, \
            occupant...), 69 the daemon cannot be reached, 75 it did not answer in time or cannot write to \
            disk now, 76 it answered \
            something unexpected, 77 permission denied.
            """,
        version: "roomctl (muc-kick)\n" + String(cString: muckick_c_libraries_line()),
        subcommands: [
            Services.self, ListRooms.self, ShowRoom.self, Create.self, Config.self, Destroy.self, Join.self,
            Leave.self, Kick.self, Ban.self, SetAffiliation.self, Audit.self, Watch.self,
        ])

    /// `roomctl [--socket P] [--json] COMMAND ...`: ArgumentParser only reads a subcommand's options after
    /// its name, so global options written before it are moved behind it.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            let argument = arguments[index]
            leading.append(argument)
            if ["--socket", "--timeout"].contains(argument), index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        if arguments.isEmpty {
            writeStandardError("roomctl: no command given; see 'roomctl --help'\n")
            Glibc.exit(64)
        }
        let reordered =
            index < arguments.count && !leading.contains("--help")
            ? [arguments[index]] + leading + Array(arguments[(index + 1)...]) : arguments
        do {
            var command = try parseAsRoot(reordered)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            // Scripts read one line: the first line of ArgumentParser's message, without its usage block.
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            writeStandardError("roomctl: \(TerminalText.escaped(text, json: false))\n")
            Glibc.exit(code == .validationFailure ? 64 : code.rawValue)
        }
    }
}

struct GlobalOptions: ParsableArguments {
    @Option(help: "roomd's control socket (default: $ROOMD_SOCKET or /run/muc-kick/roomd.sock).")
    var socket: String?

    @Flag(help: "Print the daemon's reply as JSON, for scripts.")
    var json = false

    @Option(help: "Seconds to wait for the daemon.")
    var timeout: Double = 10

    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = getenv("ROOMD_SOCKET") { return String(cString: fromEnvironment) }
        return "/run/muc-kick/roomd.sock"
    }
}

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

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// Columns padded to their widest cell; the last column is not padded.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
        }
        printLine(cells.joined(separator: "  "))
    }
}

func printRemoved(_ removed: [Rooms.Removed], verb: String) {
    for occupant in removed {
        let jids = occupant.jids.map(\.description).joined(separator: ", ")
        printLine("\(verb) \(occupant.nick) (\(jids)) from \(occupant.room)")
    }
}
