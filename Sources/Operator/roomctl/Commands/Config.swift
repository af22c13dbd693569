import ArgumentParser
import ControlProtocol
import StrictJSON

struct Config: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Show a room's configuration, or change the settings given as KEY=VALUE.",
        discussion: """
            Keys: name, description, language, password (empty clears), persistent, public, membersOnly,
            moderated, changeSubject, allowInvites (true/false), whois (moderators/anyone), allowPM
            (anyone/participants/moderators/none), maxUsers (0: no limit), historyLength (0-50: messages kept for
            joiners), defaultHistoryMessages (what a join without <history/> gets). XMPP occupants are told
            (status 104).
            """)
    static let textKeys: Set<String> = ["name", "description", "language", "password", "whois", "allowPM"]
    static let boolKeys: Set<String> = [
        "persistent", "public", "membersOnly", "moderated", "changeSubject", "allowInvites",
    ]
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "Settings to change, KEY=VALUE.") var settings: [String] = []
    typealias Call = Rooms.ConfigureRoomParameters

    func validate() throws {
        _ = try Self.parse(settings)
    }

    static func parse(_ settings: [String]) throws -> JSONObject {
        var object = JSONObject()
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("'\(setting)' is not KEY=VALUE")
            }
            let key = String(setting[..<equals])
            let value = String(setting[setting.index(after: equals)...])
            if textKeys.contains(key) {
                object[key] = .string(value)
            } else if boolKeys.contains(key) {
                switch value.lowercased() {
                case "true", "yes", "1", "on": object[key] = .bool(true)
                case "false", "no", "0", "off": object[key] = .bool(false)
                default: throw ValidationError("'\(key)' takes true or false, not '\(value)'")
                }
            } else if key == "maxUsers" {
                guard let limit = Int(value), limit >= 0 else {
                    throw ValidationError("'maxUsers' takes a number (0: no limit), not '\(value)'")
                }
                object[key] = .number(Double(limit))
            } else if key == "historyLength" || key == "defaultHistoryMessages" {
                guard let count = Int(value), count >= 0 else {
                    throw ValidationError("'\(key)' takes a number of messages, not '\(value)'")
                }
                object[key] = .number(Double(count))
            } else {
                throw ValidationError("unknown setting '\(key)'")
            }
        }
        return object
    }

    var arguments: JSONObject {
        var object = (try? Self.parse(settings)) ?? [:]
        object["room"] = .string(room)
        return object
    }

    func printHuman(_ reply: Rooms.ConfigureRoomReply) {
        let c = reply.configuration
        let rows: [(String, String)] = [
            ("name", c.name ?? ""), ("description", c.description ?? ""), ("language", c.language ?? ""),
            ("persistent", String(c.persistent)), ("public", String(c.isPublic)),
            ("membersOnly", String(c.membersOnly)), ("whois", c.whois.rawValue), ("moderated", String(c.moderated)),
            ("password", c.passwordProtected ? "(set)" : ""), ("changeSubject", String(c.changeSubject)),
            ("allowPM", c.allowPM.rawValue), ("allowInvites", String(c.allowInvites)),
            ("maxUsers", c.maxUsers.map(String.init) ?? "0"), ("historyLength", String(c.historyLength)),
            ("defaultHistoryMessages", String(c.defaultHistoryMessages)),
        ]
        for (key, value) in rows { printLine("\(key)=\(value)") }
    }
}
