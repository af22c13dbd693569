/// Why roomd could not start, with the sysexits code to leave with.
public struct StartupError: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32
    public var description: String { message }

    static func config(_ message: String) -> StartupError { StartupError(message: message, exitCode: 78) }
    static func cantCreate(_ message: String) -> StartupError { StartupError(message: message, exitCode: 73) }
    static func unavailable(_ message: String) -> StartupError { StartupError(message: message, exitCode: 69) }
    static func ioError(_ message: String) -> StartupError { StartupError(message: message, exitCode: 74) }
    static func software(_ message: String) -> StartupError { StartupError(message: message, exitCode: 70) }
}
