import ControlProtocol
import KickAPI
import MUCCore

/// The responder's settings: from the configuration file, then overridden by environment variables.
///
/// | file key | environment | default |
/// |---|---|---|
/// | `http_muc_kick_authorization_header` (Prosody's) or `authorization` (string or array) | `MUC_KICK_AUTHORIZATION` (comma-separated) | none: refuse to start |
/// | `roomd_address`: a Unix socket's path, or `tls://HOST:PORT` | `MUC_KICK_ROOMD_ADDRESS` | `/run/muc-kick/roomd.sock` |
/// | `roomd_socket` (the path alone, as before `roomd_address`) | `MUC_KICK_ROOMD_SOCKET` | |
/// | `roomd_ca`, `roomd_certificate`, `roomd_key`, `roomd_token_file`, `roomd_server_name` (tls:// only) | `MUC_KICK_ROOMD_CA`... | see `RoomdTLSSettings` |
/// | `max_body_size` (bytes) | `MUC_KICK_MAX_BODY_SIZE` | 65536 |
/// | `roomd_timeout` (seconds) | `MUC_KICK_ROOMD_TIMEOUT` | 2 |
/// | `protect_privileged` | `MUC_KICK_PROTECT_PRIVILEGED` | false |
/// | `require_json_content_type` | `MUC_KICK_REQUIRE_JSON_CONTENT_TYPE` | false |
/// | `cors_allow_origin` | `MUC_KICK_CORS_ALLOW_ORIGIN` | none (no CORS headers) |
/// | `kick_actor` | `MUC_KICK_ACTOR` | none |
/// | `threads` | `MUC_KICK_THREADS` | the responder's default (`--threads` wins over both) |
/// | `batch_scheduling` | `MUC_KICK_BATCH_SCHEDULING` | true |
public struct ResponderSettings: Sendable {
    /// The settings of the HTTP contract itself.
    public var policy: KickPolicy
    public var roomdAddress: RoomdAddress = .unixSocket(path: "/run/muc-kick/roomd.sock")
    /// With a `tls://` address: what to trust and what to prove.
    public var roomdTLS: RoomdTLSSettings?
    /// Shown to occupants as the kick's actor, if set.
    public var kickActor: String?
    /// Worker threads, when the file or the environment sets them (mod_fcgid users set 1 in the file).
    public var threads: Int?
    /// Whether worker threads under the default scheduling policy switch to SCHED_BATCH (see
    /// `BatchScheduling` in KickResponder).
    public var batchScheduling = true

    public init(policy: KickPolicy) {
        self.policy = policy
    }

    static let knownKeys = Set([
        "http_muc_kick_authorization_header", "authorization", "roomd_socket", "max_body_size", "roomd_timeout",
        "protect_privileged", "require_json_content_type", "cors_allow_origin", "kick_actor", "threads",
        "batch_scheduling", "roomd_address",
    ] + RoomdTLSSettings.keys.map(\.key))

    /// Reads a configuration file's text (nil: no file) and the environment.
    public static func load(file: String?, environment: [String: String]) throws(SettingsError) -> ResponderSettings {
        let document = try file.map { text throws(SettingsError) in try TOMLDocument(parsing: text) }
        let values = document?.values ?? [:]
        if let unknown = values.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw .invalid(key: unknown, reason: "unknown setting (line \(document?.lines[unknown] ?? 0))")
        }

        var authorizationValues: [String] = []
        for key in ["http_muc_kick_authorization_header", "authorization"] {
            switch values[key] {
            case nil: break
            case .string(let value)?: authorizationValues.append(value)
            case .array(let items)?:
                for item in items {
                    guard case .string(let value) = item else { throw .invalid(key: key, reason: "expected strings") }
                    authorizationValues.append(value)
                }
            default: throw .invalid(key: key, reason: "expected a string or an array of strings")
            }
        }
        if let fromEnvironment = environment["MUC_KICK_AUTHORIZATION"] {
            // The environment replaces the file's values, so rotating a secret does not need the file. Values
            // are separated by newlines where there is one (a value may then hold a comma), else by commas.
            let separator: Character = fromEnvironment.contains("\n") ? "\n" : ","
            authorizationValues = fromEnvironment.split(separator: separator).map {
                String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
            }.filter { !$0.isEmpty }
        }
        let check: AuthorizationCheck
        do {
            check = try AuthorizationCheck(values: authorizationValues)
        } catch {
            throw .invalid(key: "authorization", reason: error.reason)
        }
        guard !check.isEmpty else { throw .missingAuthorization }

        var settings = ResponderSettings(policy: KickPolicy(authorization: check))
        try readRoomdAddress(values, environment, into: &settings)
        if let size = try integer(values, environment, "max_body_size", "MUC_KICK_MAX_BODY_SIZE") {
            guard (2...16 * 1024 * 1024).contains(size) else {
                throw .invalid(key: "max_body_size", reason: "must be between 2 and 16777216 bytes")
            }
            settings.policy.maxBodySize = size
        }
        if let seconds = try number(values, environment, "roomd_timeout", "MUC_KICK_ROOMD_TIMEOUT") {
            guard seconds > 0, seconds <= 300 else {
                throw .invalid(key: "roomd_timeout", reason: "must be more than 0 and at most 300 seconds")
            }
            settings.policy.roomdTimeout = .milliseconds(Int((seconds * 1000).rounded(.up)))
        }
        if let flag = try bool(values, environment, "protect_privileged", "MUC_KICK_PROTECT_PRIVILEGED") {
            settings.policy.protectPrivileged = flag
        }
        if let flag = try bool(values, environment, "require_json_content_type", "MUC_KICK_REQUIRE_JSON_CONTENT_TYPE") {
            settings.policy.requireJSONContentType = flag
        }
        if let origin = try string(values, environment, "cors_allow_origin", "MUC_KICK_CORS_ALLOW_ORIGIN"),
            !origin.isEmpty
        {
            // Written into a response header: a line break there would add headers of its own.
            guard origin.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw .invalid(key: "cors_allow_origin", reason: "must not contain control characters")
            }
            settings.policy.corsAllowOrigin = origin
        }
        if let actor = try string(values, environment, "kick_actor", "MUC_KICK_ACTOR"), !actor.isEmpty {
            do {
                try FreeText.check(actor, as: .actor)
            } catch {
                throw .invalid(key: "kick_actor", reason: error.message)
            }
            settings.kickActor = actor
        }
        if let threads = try integer(values, environment, "threads", "MUC_KICK_THREADS") {
            guard (1...1024).contains(threads) else { throw .invalid(key: "threads", reason: "must be between 1 and 1024") }
            settings.threads = threads
        }
        if let flag = try bool(values, environment, "batch_scheduling", "MUC_KICK_BATCH_SCHEDULING") {
            settings.batchScheduling = flag
        }
        return settings
    }

    private static func readRoomdAddress(
        _ values: [String: TOMLDocument.Value], _ environment: [String: String], into settings: inout ResponderSettings
    ) throws(SettingsError) {
        let socket = try string(values, environment, "roomd_socket", "MUC_KICK_ROOMD_SOCKET")
        let address = try string(values, environment, "roomd_address", "MUC_KICK_ROOMD_ADDRESS")
        if socket != nil && address != nil {
            throw .invalid(key: "roomd_address", reason: "set roomd_address or roomd_socket, not both")
        }
        if let socket {
            guard socket.hasPrefix("/") else { throw .invalid(key: "roomd_socket", reason: "must be an absolute path") }
            settings.roomdAddress = .unixSocket(path: socket)
        }
        if let address {
            guard let parsed = RoomdAddress(parsing: address) else {
                throw .invalid(
                    key: "roomd_address",
                    reason: "must be a Unix socket's absolute path or tls://HOST:PORT (tls://[IPv6]:PORT)")
            }
            settings.roomdAddress = parsed
        }
        var tls = RoomdTLSSettings()
        var firstTLSKey: String?
        for (key, variable, field) in RoomdTLSSettings.keys {
            guard let value = try string(values, environment, key, variable) else { continue }
            guard !value.isEmpty else { throw .invalid(key: key, reason: "empty") }
            tls[keyPath: field] = value
            firstTLSKey = firstTLSKey ?? key
        }
        switch settings.roomdAddress {
        case .unixSocket:
            if let firstTLSKey { throw .invalid(key: firstTLSKey, reason: "only goes with a tls:// roomd_address") }
        case .tls:
            settings.roomdTLS = try tls.validated()
        }
    }

    private static func string(
        _ values: [String: TOMLDocument.Value], _ environment: [String: String], _ key: String, _ variable: String
    ) throws(SettingsError) -> String? {
        if let value = environment[variable] { return value }
        switch values[key] {
        case nil: return nil
        case .string(let value)?: return value
        default: throw .invalid(key: key, reason: "expected a string")
        }
    }

    private static func integer(
        _ values: [String: TOMLDocument.Value], _ environment: [String: String], _ key: String, _ variable: String
    ) throws(SettingsError) -> Int? {
        if let text = environment[variable] {
            guard let value = Int(text) else { throw .invalid(key: variable, reason: "expected an integer") }
            return value
        }
        switch values[key] {
        case nil: return nil
        case .integer(let value)?: return value
        default: throw .invalid(key: key, reason: "expected an integer")
        }
    }

    private static func number(
        _ values: [String: TOMLDocument.Value], _ environment: [String: String], _ key: String, _ variable: String
    ) throws(SettingsError) -> Double? {
        if let text = environment[variable] {
            guard let value = Double(text) else { throw .invalid(key: variable, reason: "expected a number") }
            return value
        }
        switch values[key] {
        case nil: return nil
        case .integer(let value)?: return Double(value)
        case .float(let value)?: return value
        default: throw .invalid(key: key, reason: "expected a number of seconds")
        }
    }

    private static func bool(
        _ values: [String: TOMLDocument.Value], _ environment: [String: String], _ key: String, _ variable: String
    ) throws(SettingsError) -> Bool? {
        if let text = environment[variable] {
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw .invalid(key: variable, reason: "expected true or false")
            }
        }
        switch values[key] {
        case nil: return nil
        case .bool(let value)?: return value
        default: throw .invalid(key: key, reason: "expected true or false")
        }
    }
}
