import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

struct GlobalOptions: ParsableArguments {
    @Option(help: "roomd's control socket (default: $ROOMD_SOCKET or /run/muc-kick/roomd.sock).")
    var socket: String?

    @Option(
        help: ArgumentHelp(
            "Reach roomd over TLS instead: tls://HOST:PORT (default: $ROOMD_CONNECT, else the Unix socket).",
            discussion: "roomd's certificate must verify against --ca (default: the system's CAs) for HOST or --server-name."))
    var connect: String?

    @Option(help: "PEM file of the CA(s) that roomd's TLS certificate must chain to.")
    var ca: String?

    @Option(help: "PEM file of roomctl's client certificate (mutual TLS); needs --key.")
    var certificate: String?

    @Option(help: "PEM file of the client certificate's private key.")
    var key: String?

    @Option(help: "File holding a bearer token roomd knows (its first line), presented with Authenticate.")
    var tokenFile: String?

    @Option(help: "The name roomd's certificate must carry (default: HOST of --connect).")
    var serverName: String?

    @Flag(help: "Print the daemon's reply as JSON, for scripts.")
    var json = false

    @Option(help: "Seconds to wait for the daemon.")
    var timeout: Double = 10

    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = getenv("ROOMD_SOCKET") { return String(cString: fromEnvironment) }
        return "/run/muc-kick/roomd.sock"
    }

    /// `--connect`, else `$ROOMD_CONNECT`, unless `--socket` names a Unix socket.
    var tlsAddress: String? {
        if let connect { return connect }
        if socket == nil, let fromEnvironment = getenv("ROOMD_CONNECT") { return String(cString: fromEnvironment) }
        return nil
    }
}
