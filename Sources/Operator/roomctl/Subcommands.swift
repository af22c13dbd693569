import ArgumentParser
import ControlProtocol

struct Services: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "List the MUC services (domains) roomd serves.")
    @OptionGroup var global: GlobalOptions
    var method: Rooms.Method { .listServices }
    func parameters() -> NoParameters { NoParameters() }
    func printHuman(_ reply: Rooms.ListServicesReply) { reply.services.forEach { printLine($0) } }
}

struct ListRooms: RoomctlCall {
    static let configuration = CommandConfiguration(commandName: "rooms", abstract: "List rooms.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only the rooms of this service.") var service: String?
    var method: Rooms.Method { .listRooms }
    func parameters() -> Rooms.ListRoomsParameters { .init(service: service) }
    func printHuman(_ reply: Rooms.ListRoomsReply) {
        printTable(
            ["ROOM", "OCCUPANTS", "PERSISTENT", "NAME"],
            reply.rooms.map { [$0.room, String($0.occupants), $0.persistent ? "yes" : "no", $0.name ?? ""] })
    }
}

struct ShowRoom: RoomctlCall {
    static let configuration = CommandConfiguration(
        commandName: "room", abstract: "Show a room, its occupants and affiliations.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    var method: Rooms.Method { .getRoom }
    func parameters() -> Rooms.RoomParameters { .init(room: room) }
    func printHuman(_ reply: Rooms.GetRoomReply) {
        let room = reply.room
        printLine("room: \(room.room)\(room.name.map { " (\($0))" } ?? "")  persistent: \(room.persistent ? "yes" : "no")")
        print()
        printTable(
            ["NICK", "ROLE", "AFFILIATION", "JIDS"],
            room.occupants.map { [$0.nick, $0.role, $0.affiliation, $0.jids.joined(separator: " ")] })
        if !room.affiliations.isEmpty {
            print()
            printTable(
                ["JID", "AFFILIATION", "REASON"], room.affiliations.map { [$0.jid, $0.affiliation, $0.reason ?? ""] })
        }
    }
}

struct Create: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Create a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "A human-readable name.") var name: String?
    @Flag(help: "Destroy the room when its last occupant leaves.") var temporary = false
    var method: Rooms.Method { .createRoom }
    func parameters() -> Rooms.CreateRoomParameters { .init(room: room, name: name, persistent: !temporary) }
    func printHuman(_ reply: Rooms.CreateRoomReply) { printLine("created \(reply.room.room)") }
}

struct Destroy: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Destroy a room, removing its occupants.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Option(help: "Why, shown to occupants.") var reason: String?
    var method: Rooms.Method { .destroyRoom }
    func parameters() -> Rooms.DestroyRoomParameters { .init(room: room, reason: reason) }
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
    var method: Rooms.Method { .join }
    func parameters() -> Rooms.JoinParameters { .init(room: room, nick: nick, jid: jid, role: role) }
    func printHuman(_ reply: Rooms.JoinReply) {
        printLine("\(reply.occupant.nick) is in \(room) as \(reply.occupant.role) (\(reply.occupant.jids.count) session(s))")
    }
}

struct Leave: RoomctlCall {
    static let configuration = CommandConfiguration(abstract: "Take a nickname (or one of its sessions) out of a room.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The room, node@service.") var room: String
    @Argument(help: "The nickname.") var nick: String
    @Option(help: "Only this session (full real JID).") var jid: String?
    var method: Rooms.Method { .leave }
    func parameters() -> Rooms.LeaveParameters { .init(room: room, nick: nick, jid: jid) }
    func printHuman(_ reply: NoParameters) { printLine("\(nick) left \(room)") }
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

    var method: Rooms.Method { .kick }

    func validate() throws {
        if (nick == nil) == (jid == nil) { throw ValidationError("give either NICK or --jid JID") }
    }

    func parameters() -> Rooms.KickParameters {
        .init(room: room, nick: nick, jid: jid, reason: reason, actor: actor, protect: protect ? true : nil)
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
    var method: Rooms.Method { .setAffiliation }
    func parameters() -> Rooms.SetAffiliationParameters {
        .init(room: room, jid: jid, affiliation: "outcast", reason: reason, actor: actor)
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
    var method: Rooms.Method { .setAffiliation }
    func parameters() -> Rooms.SetAffiliationParameters {
        .init(room: room, jid: jid, affiliation: affiliation, reason: reason)
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
    var method: Rooms.Method { .getAudit }
    func parameters() -> Rooms.GetAuditParameters { .init(room: room, limit: limit) }
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
            try client.send(
                VarlinkCall(
                    method: Rooms.Method.watch.qualifiedName, parameters: Rooms.WatchParameters(room: room), more: true))
            client.setTimeout(nil)
            while true {
                if global.json {
                    let (reply, continues) = try client.receive(JSONValue.self)
                    printCompactJSON(reply)
                    if !continues { return }
                } else {
                    let (reply, continues) = try client.receive(Rooms.WatchReply.self)
                    let event = reply.event
                    let fields: [String?] = [
                        event.kind, event.room, event.nick, event.jids?.joined(separator: ","), event.role,
                        event.affiliation, event.actor.map { "actor=\($0)" }, event.reason.map { "reason=\($0)" },
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
