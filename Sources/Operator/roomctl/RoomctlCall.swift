import ArgumentParser
import ControlProtocol
import ControlTLS
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
    let timeout = Duration.milliseconds(Int(options.timeout * 1000))
    guard let address = options.tlsAddress else {
        do {
            return try ControlClient(socketPath: options.socketPath, timeout: timeout)
        } catch {
            fail(error)
        }
    }
    guard case .tls(let host, let port)? = RoomdAddress(parsing: address) else {
        writeStandardError("roomctl: --connect must be tls://HOST:PORT, not '\(TerminalText.escaped(address, json: false))'\n")
        exit(64)
    }
    if (options.certificate == nil) != (options.key == nil) {
        writeStandardError("roomctl: --certificate and --key go together\n")
        exit(64)
    }
    let context: TLSClientContext
    do {
        context = try TLSClientContext(
            host: host, port: port, caFile: options.ca, certificateFile: options.certificate, keyFile: options.key,
            serverName: options.serverName)
    } catch {
        writeStandardError("roomctl: \(TerminalText.escaped(error.description, json: false))\n")
        exit(66)
    }
    let client: ControlClient
    do {
        client = ControlClient(
            transport: try TLSTransport(connectingWith: context, before: .now + timeout), timeout: timeout)
    } catch {
        fail(error)
    }
    if let tokenFile = options.tokenFile {
        guard let token = readToken(tokenFile) else {
            writeStandardError("roomctl: cannot read a token from \(TerminalText.escaped(tokenFile, json: false))\n")
            exit(66)
        }
        do {
            _ = try client.call(Rooms.AuthenticateParameters(token: token))
        } catch {
            fail(error)
        }
    }
    return client
}

/// The first line of a small file, without its line end.
private func readToken(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 64 * 1024)
    let count = read(fd, &bytes, bytes.count)
    guard count > 0 else { return nil }
    let line = bytes[..<count].prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
    return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
}

/// One line on stderr and a sysexits status.
func fail(_ error: ControlClientError) -> Never {
    let code: Int32
    switch error {
    case .unavailable, .refused: code = 69
    case .timedOut: code = 75
    case .connectionClosed, .protocolError: code = 76
    case .remote(let reply):
        switch reply {
        case .permissionDenied, .authenticationFailed: code = 77
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
