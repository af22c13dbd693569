import ArgumentParser
import CBuildInfo

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

    /// `roomctl [--socket P | --connect tls://...] [--json] COMMAND ...`: ArgumentParser only reads a subcommand's options after
    /// its name, so global options written before it are moved behind it.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            let argument = arguments[index]
            leading.append(argument)
            let takesValue = [
                "--socket", "--timeout", "--connect", "--ca", "--certificate", "--key", "--token-file", "--server-name",
            ]
            if takesValue.contains(argument), index + 1 < arguments.count {
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
