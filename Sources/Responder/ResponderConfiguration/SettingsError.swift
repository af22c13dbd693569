/// A configuration the responder refuses to start with. The text names the setting to fix.
public enum SettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    case syntax(line: Int, reason: String)
    case invalid(key: String, reason: String)
    case missingAuthorization

    public var description: String {
        switch self {
        case .syntax(let line, let reason): return "configuration line \(line): \(reason)"
        case .invalid(let key, let reason): return "invalid setting '\(key)': \(reason)"
        case .missingAuthorization:
            return "no Authorization value configured: set http_muc_kick_authorization_header (or authorization) "
                + "in the configuration file, or MUC_KICK_AUTHORIZATION in the environment"
        }
    }
}
