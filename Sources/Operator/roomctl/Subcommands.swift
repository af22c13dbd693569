import ArgumentParser
import ControlProtocol

/// A parameters object of the values given; absent options are left out.
func given(_ members: KeyValuePairs<String, JSONValue?>) -> JSONObject {
    var object = JSONObject()
    for (key, value) in members { if let value { object[key] = value } }
    return object
}

extension Optional where Wrapped == String {
    var json: JSONValue? { map(JSONValue.string) }
}

struct Services: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "List the MUC services (domains) roomd serves.")
    @OptionGroup var global: GlobalOptions
    typealias Call = Rooms.ListServicesParameters
    var arguments: JSONObject { [:] }
    func printHuman(_ reply: Rooms.ListServicesReply) { reply.services.forEach { printLine($0) } }
}

struct ListRooms: RoomctlCall {
    static let configuration = CommandConfiguration(commandName: "rooms", abstract: "List rooms.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only the rooms of this service.") var service: String?
    typealias Call = Rooms.ListRoomsParameters
    var arguments: JSONObject { given(["service": service.json]) }
    func printHuman(_ reply: Rooms.ListRoomsReply) {
        printTable(
            ["ROOM", "OCCUPANTS", "PERSISTENT", "NAME"],
            reply.rooms.map {
                [$0.room.description, String($0.occupants), $0.persistent ? "yes" : "no", $0.name ?? ""]
            })
    }
}

struct ShowRoom: RoomctlCall {
    static let configuration = CommandConfiguration(
        commandName: "room", abstract: "Show a room, its occupants and affiliations.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    typealias Call = Rooms.GetRoomParameters
    var arguments: JSONObject { ["room": .string(room)] }
    func printHuman(_ reply: Rooms.GetRoomReply) {
        let room = reply.room
        printLine(
            "room: \(room.room)\(room.name.map { " (\($0))" } ?? "")  persistent: \(room.persistent ? "yes" : "no")")
        print()
        printTable(
            ["NICK", "ROLE", "AFFILIATION", "JIDS"],
            room.occupants.map {
                [
                    $0.nick.description, $0.role.rawValue, $0.affiliation.rawValue,
                    $0.jids.map(\.description).joined(separator: " "),
                ]
            })
        if !room.affiliations.isEmpty {
            print()
            printTable(
                ["JID", "AFFILIATION", "REASON"],
                room.affiliations.map { [$0.jid.description, $0.affiliation.rawValue, $0.reason ?? ""] })
        }
    }
}

struct Create: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Create a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "A human-readable name.") var name: String?
    @Flag(help: "Destroy the room when its last occupant leaves.") var temporary = false
    typealias Call = Rooms.CreateRoomParameters
    var arguments: JSONObject {
        given(["room": .string(room), "name": name.json, "persistent": .bool(!temporary)])
    }
    func printHuman(_ reply: Rooms.CreateRoomReply) { printLine("created \(reply.room.room)") }
}

struct Destroy: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Destroy a room, removing its occupants.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "Why, shown to occupants.") var reason: String?
    typealias Call = Rooms.DestroyRoomParameters
    var arguments: JSONObject { given(["room": .string(room), "reason": reason.json]) }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("destroyed \(room)")
    }
}

struct Join: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Put a real JID into a room under a nickname.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String
    @Argument(help: "The real JID, user@host/resource.") var jid: String
    @Option(help: "moderator, participant or visitor (default: from the affiliation).") var role: String?
    typealias Call = Rooms.JoinParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "nick": .string(nick), "jid": .string(jid), "role": role.json,
        ])
    }
    func printHuman(_ reply: Rooms.JoinReply) {
        let occupant = reply.occupant
        printLine("\(occupant.nick) is in \(room) as \(occupant.role.rawValue) (\(occupant.jids.count) session(s))")
    }
}

struct Leave: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Take a nickname (or one of its sessions) out of a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String
    @Option(help: "Only this session (full real JID).") var jid: String?
    typealias Call = Rooms.LeaveParameters
    var arguments: JSONObject {
        given(["room": .string(room), "nick": .string(nick), "jid": jid.json])
    }
    func printHuman(_ reply: Rooms.EmptyReply) { printLine("\(nick) left \(room)") }
}

struct Kick: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Kick an occupant by nickname, or every occupant of a real JID with --jid.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String?
    @Option(help: "Kick by real JID instead (bare: all of that user's occupants).") var jid: String?
    @Option(help: "Why, shown to occupants.") var reason: String?
    @Option(help: "Who kicks, shown to occupants.") var actor: String?
    @Flag(help: "Refuse if the target is an owner or admin.") var protect = false

    typealias Call = Rooms.KickParameters

    func validate() throws {
        if (nick == nil) == (jid == nil) { throw ValidationError("give either NICK or --jid JID") }
    }

    var arguments: JSONObject {
        given([
            "room": .string(room), "nick": nick.json, "jid": jid.json, "reason": reason.json, "actor": actor.json,
            "protect": protect ? .bool(true) : nil,
        ])
    }

    func printHuman(_ reply: Rooms.KickReply) { printRemoved(reply.kicked, verb: "kicked") }
}

struct Ban: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Ban a bare JID (affiliation outcast): removes its occupants and refuses later joins.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The real JID to ban.") var jid: String
    @Option(help: "Why, shown to occupants.") var reason: String?
    @Option(help: "Who bans.") var actor: String?
    typealias Call = Rooms.SetAffiliationParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "jid": .string(jid), "affiliation": .string("outcast"), "reason": reason.json,
            "actor": actor.json,
        ])
    }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("banned \(jid) from \(room)")
    }
}

struct SetAffiliation: RoomctlCall {
    static let configuration = CommandConfiguration(
        commandName: "affiliation", abstract: "Set a bare JID's affiliation: owner, admin, member, outcast or none.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The real JID.") var jid: String
    @Argument(help: "owner, admin, member, outcast or none.") var affiliation: String
    @Option(help: "Why.") var reason: String?
    typealias Call = Rooms.SetAffiliationParameters
    var arguments: JSONObject {
        given([
            "room": .string(room), "jid": .string(jid), "affiliation": .string(affiliation), "reason": reason.json,
        ])
    }
    func printHuman(_ reply: Rooms.RemovedReply) {
        printRemoved(reply.removed, verb: "removed")
        printLine("\(jid) is now \(affiliation) in \(room)")
    }
}

struct Audit: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Show the audit log of kicks and bans.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this room.") var room: String?
    @Option(help: "How many of the newest records.") var limit: Int = 100
    typealias Call = Rooms.GetAuditParameters
    var arguments: JSONObject {
        given(["room": room.json, "limit": .number(Double(limit))])
    }
    func printHuman(_ reply: Rooms.GetAuditReply) {
        printTable(
            ["TIME", "ACTION", "ROOM", "NICK", "JIDS", "UID", "ACTOR", "REASON"],
            reply.records.map {
                [
                    $0.time, $0.action, $0.room, $0.nick, $0.jids.joined(separator: " "), String($0.uid),
                    $0.actor ?? "", $0.reason ?? "",
                ]
            })
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print room events as they happen, until interrupted.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this room.") var room: String?

    func run() throws {
        let client = connect(global)
        do {
            try client.sendFramed(
                CallFrame.frame(Rooms.WatchParameters.self, given(["room": room.json]), more: true))
            client.setTimeout(nil)
            while true {
                if global.json {
                    let (parameters, continues) = try client.receiveParameters()
                    printCompactJSON(.object(parameters))
                    if !continues { return }
                } else {
                    let (reply, continues) = try client.receive(Rooms.WatchReply.self)
                    let event = reply.event
                    let fields: [String?] = [
                        event.kind.rawValue, event.room?.description, event.nick?.description,
                        event.jids?.map(\.description).joined(separator: ","), event.role?.rawValue,
                        event.affiliation?.rawValue, event.actor.map { "actor=\($0)" },
                        event.reason.map { "reason=\($0)" },
                    ]
                    printLine(fields.compactMap { $0 }.joined(separator: " "))
                    if !continues { return }
                }
                fflushStandardOutput()
            }
        } catch {
            fail(error)
        }
    }
}

struct Config: RoomctlCall {
    static let configuration = CommandConfiguration(
        abstract: "Show a room's configuration, or change the settings given as KEY=VALUE.",
        discussion: """
            Keys: name, description, language, password (empty clears), persistent, public, membersOnly,
            moderated, changeSubject, allowInvites (true/false), whois (moderators/anyone), allowPM
            (anyone/participants/moderators/none), maxUsers (0: no limit). XMPP occupants are told (status 104).
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
            ("maxUsers", c.maxUsers.map(String.init) ?? "0"),
        ]
        for (key, value) in rows { printLine("\(key)=\(value)") }
    }
}
