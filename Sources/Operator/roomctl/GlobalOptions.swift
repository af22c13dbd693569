import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

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
