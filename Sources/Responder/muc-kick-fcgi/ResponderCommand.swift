import ArgumentParser
import CBuildInfo
import COpenSSLCrypto
import ControlTLS
import KickAPI
import KickResponder
import ResponderConfiguration

#if canImport(Glibc)
    import Glibc
#endif

@main
struct ResponderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muc-kick-fcgi",
        abstract: "FastCGI responder for POST /muc_kick: checks the Authorization header and asks roomd to kick.",
        discussion: """
            The listening socket is, in order: the one systemd passes (LISTEN_FDS), the one --listen names, \
            or fd 0 as spawn-fcgi and Apache mod_fcgid pass it. If fd 0 is not a socket, one request is \
            answered as plain CGI. Configuration: --config, else $MUC_KICK_CONFIG, else muc-kick.toml next \
            to the executable, else /etc/muc-kick/muc-kick.toml; MUC_KICK_* environment variables override \
            the file. Exit status 78 (EX_CONFIG) when the configuration is unusable.
            """,
        version: [
            "muc-kick-fcgi (muc-kick)", String(cString: muckick_c_libraries_line()),
            String(cString: OpenSSL_version(OPENSSL_VERSION)),
        ].joined(separator: "\n"))

    @Option(help: "Configuration file (TOML).")
    var config: String?

    @Option(help: "unix:/path or tcp:HOST:PORT to listen on (default: systemd's socket or fd 0).")
    var listen: String?

    @Option(help: "Mode of a unix: socket the responder binds (octal).")
    var socketMode: String = "0660"

    @Option(help: "Worker threads, each with its own roomd connection.")
    var threads: Int?

    @Flag(help: "Do not write a log line per request.")
    var noAccessLog = false

    @Flag(
        help: """
            Read an Authorization value from standard input (one line), print its sha256: form for the \
            configuration file, and exit. (Not an argument: argv is visible to every user and kept in shell \
            history.)
            """)
    var hashAuthorization = false

    @Option(
        name: .customLong("check-config"),
        help: ArgumentHelp(
            """
            Check a configuration file as the responder would start with it (MUC_KICK_* environment \
            variables included) and exit: 0 if it would start, 78 (EX_CONFIG) with the reason if not.
            """,
            valueName: "file"))
    var checkConfig: String?

    @Flag(
        help: """
            With --check-config: print what the file holds as JSON on standard output, secrets included \
            (nothing when the file is not TOML the responder reads).
            """)
    var json = false

    func run() throws {
        if hashAuthorization {
            guard let value = Self.readLine(from: 0), !value.isEmpty else {
                fail("--hash-authorization reads the value from standard input; none was given", 64)
            }
            print(AuthorizationCheck.hashedForm(of: value))
            return
        }
        let environment = Self.environment()
        // The secret is in our memory now; /proc/PID/environ must not show it to the processes of our user.
        Self.scrubEnvironment("MUC_KICK_AUTHORIZATION")
        if let path = checkConfig {
            check(path, environment)
        }
        // Else a typo'd command line would start serving instead of printing.
        guard !json else { fail("--json goes with --check-config FILE", 64) }
        let settings: ResponderSettings
        do {
            settings = try ResponderSettings.load(file: try configurationText(environment), environment: environment)
        } catch let error as SettingsError {
            fail("\(error)", 78)
        }
        guard let mode = UInt32(socketMode, radix: 8), mode <= 0o777 else { fail("--socket-mode must be octal", 64) }
        let threadCount = threads ?? settings.threads ?? Self.defaultThreads
        guard (1...1024).contains(threadCount) else { fail("--threads must be between 1 and 1024", 64) }

        let connector = makeConnector(settings)
        let listenSocket: ListenSocket
        do {
            listenSocket = try ListenSocket.resolve(listen: listen ?? environment["MUC_KICK_LISTEN"], socketMode: mode)
        } catch {
            fail(error.description, 71)  // EX_OSERR
        }
        let isCGI: Bool
        if case .inherited = listenSocket { isCGI = FastCGIServer.isCGI } else { isCGI = false }
        // A CGI invocation writes its one line and exits: nothing to batch.
        let server = FastCGIServer(
            settings: settings, listenSocket: listenSocket, connector: connector, threads: threadCount,
            log: AccessLog(enabled: !noAccessLog, batched: !isCGI))
        if isCGI {
            server.serveCGI()
            return
        }
        note(
            "serving on \(listenSocket) with \(threadCount) threads; roomd at \(connector); "
                + "\(settings.policy.authorization.count) Authorization value(s)")
        server.run()
        note("stopped")
    }

    func check(_ path: String, _ environment: [String: String]) -> Never {
        guard let text = readConfiguration(path) else { fail("cannot read the configuration file \(path)", 66) }
        do throws(SettingsError) {
            let document = try TOMLDocument(parsing: text)
            if json {
                var bytes = document.typedJSON + [0x0A]
                _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
            }
            let settings = try ResponderSettings.load(file: text, environment: environment)
            _ = makeConnector(settings)
            note(
                "\(path): ok; \(settings.policy.authorization.count) Authorization value(s); roomd at \(settings.roomdAddress)")
            Glibc.exit(0)
        } catch {
            fail("\(path): \(error)", 78)
        }
    }

    /// How the workers reach roomd. A TLS setting that cannot be used (a CA, certificate, key or token file
    /// missing or unreadable, a key that is not the certificate's) stops the start with EX_CONFIG.
    func makeConnector(_ settings: ResponderSettings) -> RoomdConnector {
        switch settings.roomdAddress {
        case .unixSocket(let path):
            return .unixSocket(path)
        case .tls(let host, let port):
            let tls = settings.roomdTLS ?? RoomdTLSSettings()
            var status = stat()
            if let keyFile = tls.keyFile, stat(keyFile, &status) == 0, status.st_mode & S_IROTH != 0 {
                note("warning: \(keyFile) is readable by every user and holds the responder's TLS key; chmod o-r it")
            }
            let context: TLSClientContext
            do {
                context = try TLSClientContext(
                    host: host, port: port, caFile: tls.caFile, certificateFile: tls.certificateFile,
                    keyFile: tls.keyFile, serverName: tls.serverName)
            } catch {
                fail(error.description, 78)
            }
            var token: String?
            if let tokenFile = tls.tokenFile {
                // Read once, at start: the worker threads present it from memory on each new connection.
                guard let line = readConfiguration(tokenFile, secret: "the roomd token").flatMap(Self.firstLine),
                    !line.isEmpty, line.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
                else {
                    fail("roomd_token_file: \(tokenFile) must hold a token (printable ASCII) on its first line", 78)
                }
                token = line
            }
            return .tls(context, token: token)
        }
    }

    /// What the benchmark in Benchmarks/fcgi measured best behind nginx (see its README).
    static let defaultThreads = 16

    func configurationText(_ environment: [String: String]) throws -> String? {
        if let path = config ?? environment["MUC_KICK_CONFIG"] {
            guard let text = readConfiguration(path) else { fail("cannot read the configuration file \(path)", 66) }
            return text
        }
        // A shared-hosting user has no /etc: a file next to the binary comes first.
        let besideBinary = Self.executableDirectory().map { $0 + "/muc-kick.toml" }
        for path in [besideBinary, "/etc/muc-kick/muc-kick.toml"].compactMap({ $0 }) {
            if access(path, F_OK) == 0 {
                guard let text = readConfiguration(path) else { fail("cannot read the configuration file \(path)", 66) }
                return text
            }
        }
        return nil
    }

    /// The file's text; a warning when every user of the machine may read it (it holds `secret`).
    func readConfiguration(_ path: String, secret: String = "the Authorization secret") -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IROTH != 0 {
            note("warning: \(path) is readable by every user and holds \(secret); chmod o-r it")
        }
        guard let bytes = Self.readBytes(fd) else { return nil }
        // Unreadable and not text are different faults: this one is the file's content, so EX_CONFIG.
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let error = SettingsError.syntax(line: Self.lineOfFirstInvalidUTF8(bytes), reason: "not UTF-8 text")
            fail("\(path): \(error)", 78)
        }
        return text
    }

    static func lineOfFirstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var line = 1
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if scalar == "\n" { line += 1 }
        }
        return line
    }

    /// One line of a file descriptor, without its line break.
    static func readLine(from fd: Int32) -> String? {
        read(fd).flatMap(firstLine)
    }

    static func firstLine(_ text: String) -> String? {
        text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }

    /// Overwrites the variable's value where the process's environment block holds it (what
    /// /proc/PID/environ shows), then removes it. Children would not get it either.
    static func scrubEnvironment(_ name: String) {
        let prefix = Array((name + "=").utf8)
        var pointer = environ
        while let entry = pointer.pointee {
            let length = strlen(entry)
            if length >= prefix.count,
                prefix.indices.allSatisfy({ UInt8(bitPattern: entry[$0]) == prefix[$0] })
            {
                memset(entry + prefix.count, 0, length - prefix.count)
            }
            pointer += 1
        }
        unsetenv(name)
    }

    static func read(_ fd: Int32) -> String? {
        readBytes(fd).flatMap { String(validating: $0, as: UTF8.self) }
    }

    static func readBytes(_ fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes += chunk[..<count]
            if bytes.count > 1024 * 1024 { return nil }
        }
        return bytes
    }

    static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    func note(_ message: String) {
        writeStandardError("muc-kick-fcgi: \(message)\n")
    }

    func fail(_ message: String, _ code: Int32) -> Never {
        writeStandardError("muc-kick-fcgi: \(message)\n")
        Glibc.exit(code)
    }
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
