import MUCCore
import XMLStream

/// The `muc#roomconfig` form (XEP-0045 §10.2, XEP-0004): the fields an owner is offered, in Prosody 0.12's
/// order and with its labels, and the reading of a submitted one.
///
/// Where it differs from Prosody 0.12: no presence-broadcast field (roomd broadcasts every role); a history
/// length above `RoomConfiguration.maxHistoryLength` is `not-acceptable` (Prosody caps it silently);
/// `muc#roomconfig_passwordprotectedroom`, `muc#roomconfig_allowpm`, `muc#roomconfig_allowinvites` and `muc#roomconfig_maxusers` are offered as XEP-0045 names them; a
/// submitted value that does not parse refuses the whole form (`bad-request`) rather than being ignored.
enum RoomConfigForm {
    static let persistent = "muc#roomconfig_persistentroom"
    static let name = "muc#roomconfig_roomname"
    static let description = "muc#roomconfig_roomdesc"
    static let language = "muc#roomconfig_lang"
    static let isPublic = "muc#roomconfig_publicroom"
    static let passwordProtected = "muc#roomconfig_passwordprotectedroom"
    static let password = "muc#roomconfig_roomsecret"
    static let membersOnly = "muc#roomconfig_membersonly"
    static let maxUsers = "muc#roomconfig_maxusers"
    static let changeSubject = "muc#roomconfig_changesubject"
    static let allowInvites = "muc#roomconfig_allowinvites"
    static let allowPM = "muc#roomconfig_allowpm"
    static let moderated = "muc#roomconfig_moderatedroom"
    static let whois = "muc#roomconfig_whois"
    static let historyLength = "muc#roomconfig_historylength"
    static let defaultHistoryMessages = "muc#roomconfig_defaulthistorymessages"

    /// The largest `maxusers` taken: beyond it a limit means nothing a room could reach.
    static let maxUsersLimit = 1_000_000
    /// Fields read from one submitted form at most, and values per field: a form is attacker input.
    static let maxFields = 64
    static let maxValues = 16

    /// The form an owner gets (§10.1.3, §10.2), filled with the room's configuration. With a service-wide
    /// limit of occupants, the `maxusers` choices above it are not offered, and "none" means that limit.
    static func form(for room: Room, maxOccupants: Int? = nil) -> XMLElement {
        let c = room.configuration
        var x = XMLElement("x", namespace: Namespace.dataForms, attributes: ["type": "form"])
        x.append(XMLElement("title", namespace: Namespace.dataForms).adding(text: "Configuration for \(room.address)"))
        x.append(
            XMLElement("instructions", namespace: Namespace.dataForms)
                .adding(text: "Complete and submit this form to configure the room."))
        x.append(field("FORM_TYPE", type: "hidden", values: [Namespace.mucRoomConfig]))
        x.append(field(nil, type: "fixed", values: ["Room information"]))
        x.append(field(name, type: "text-single", label: "Title", values: [c.name ?? ""]))
        x.append(field(description, type: "text-single", label: "Description", values: [c.description ?? ""]))
        x.append(
            field(
                language, type: "text-single", label: "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
                values: [c.language ?? ""]))
        x.append(
            boolean(persistent, label: "Persistent (room should remain even when it is empty)", c.persistent))
        x.append(boolean(isPublic, label: "Include room information in public lists", c.isPublic))
        x.append(field(nil, type: "fixed", values: ["Access to the room"]))
        x.append(boolean(passwordProtected, label: "Password protected", c.password != nil))
        x.append(field(password, type: "text-private", label: "Password", values: [c.password ?? ""]))
        x.append(boolean(membersOnly, label: "Only allow members to join", c.membersOnly))
        x.append(
            field(
                maxUsers, type: "list-single", label: "Maximum number of occupants",
                values: [c.maxUsers.map(String.init) ?? "none"],
                options: maxUsersOptions(below: maxOccupants)))
        x.append(field(nil, type: "fixed", values: ["Permissions in the room"]))
        x.append(boolean(changeSubject, label: "Allow anyone to set the room's subject", c.changeSubject))
        x.append(boolean(allowInvites, label: "Allow members to invite others", c.allowInvites))
        x.append(
            field(
                allowPM, type: "list-single", label: "Who may send private messages",
                values: [c.privateMessages.rawValue],
                options: [
                    ("anyone", "Anyone"), ("participants", "Participants"), ("moderators", "Moderators"),
                    ("none", "Nobody"),
                ]))
        x.append(boolean(moderated, label: "Moderated (require permission to speak)", c.moderated))
        x.append(
            field(
                whois, type: "list-single", label: "Addresses (JIDs) of room occupants may be viewed by:",
                values: [c.whois.rawValue], options: [("moderators", "Moderators only"), ("anyone", "Anyone")]))
        x.append(field(nil, type: "fixed", values: ["Other options"]))
        x.append(
            count(
                historyLength, label: "Maximum number of history messages returned by room",
                desc: "Specify the maximum number of previous messages that should be sent to users when they join "
                    + "the room",
                c.historyLength))
        x.append(
            count(
                defaultHistoryMessages, label: "Default number of history messages returned by room",
                desc: "Specify the number of previous messages sent to new users when they join the room",
                c.defaultHistoryMessages))
        return x
    }

    /// A number of history messages, as Prosody's form offers it (a `text-single` with an XEP-0122 integer
    /// datatype), and the range roomd takes.
    private static func count(_ name: String, label: String, desc: String, _ value: Int) -> XMLElement {
        var field = XMLElement(
            "field", namespace: Namespace.dataForms, attributes: ["type": "text-single", "var": name, "label": label])
        field.append(XMLElement("desc", namespace: Namespace.dataForms).adding(text: desc))
        var validate = XMLElement(
            "validate", namespace: Namespace.dataValidate, attributes: ["datatype": "xs:integer"])
        validate.append(
            XMLElement(
                "range", namespace: Namespace.dataValidate,
                attributes: ["min": "0", "max": String(RoomConfiguration.maxHistoryLength)]))
        field.append(validate)
        field.append(XMLElement("value", namespace: Namespace.dataForms).adding(text: String(value)))
        return field
    }

    /// `configuration` with a submitted form's fields applied; a form with no fields (§10.1.2, an instant
    /// room) changes nothing. Fields it does not know are ignored, as clients may send what another
    /// server offered.
    static func apply(_ x: XMLElement, to configuration: RoomConfiguration) throws(StanzaError) -> RoomConfiguration {
        let fields = x.children("field", namespace: Namespace.dataForms)
        if fields.isEmpty { return configuration }
        guard fields.count <= maxFields else { throw .badRequest }
        var values: [String: [String]] = [:]
        for field in fields {
            guard let name = field["var"] else { continue }
            let given = field.children("value", namespace: Namespace.dataForms).map(\.text)
            guard given.count <= maxValues else { throw .badRequest }
            values[name] = given
        }
        guard values["FORM_TYPE"] == [Namespace.mucRoomConfig] else {
            throw StanzaError("bad-request", type: "cancel", text: "Form is not of type room configuration")
        }
        var c = configuration
        if let v = try text(values[name], .name) { c.name = v.isEmpty ? nil : v }
        if let v = try text(values[description], .reason) { c.description = v.isEmpty ? nil : v }
        if let v = try text(values[language], .name) { c.language = v.isEmpty ? nil : v }
        if let v = try bool(values[persistent]) { c.persistent = v }
        if let v = try bool(values[isPublic]) { c.isPublic = v }
        if let v = try bool(values[membersOnly]) { c.membersOnly = v }
        if let v = try bool(values[changeSubject]) { c.changeSubject = v }
        if let v = try bool(values[allowInvites]) { c.allowInvites = v }
        if let v = try bool(values[moderated]) { c.moderated = v }
        if let v = try text(values[whois], .name) {
            guard let whois = Whois(rawValue: v) else { throw .badRequest }
            c.whois = whois
        }
        if let v = try text(values[allowPM], .name) {
            guard let allowPM = PrivateMessages(rawValue: v) else { throw .badRequest }
            c.privateMessages = allowPM
        }
        if let v = try text(values[maxUsers], .name) {
            if v == "none" || v.isEmpty {
                c.maxUsers = nil
            } else {
                guard let limit = Int(v), limit > 0, limit <= maxUsersLimit else { throw .badRequest }
                c.maxUsers = limit
            }
        }
        // Prosody's order: the length first, then the default, which may not exceed it.
        if let v = try number(values[historyLength]) { c.historyLength = v }
        if let v = try number(values[defaultHistoryMessages]) { c.defaultHistoryMessages = v }
        c.clampHistory()
        // The secret alone sets a password (Prosody's form has no switch); the switch turned off clears it,
        // and turned on with no secret is refused: a room cannot require a password nobody knows.
        let secret = try text(values[password], .name)
        let protected = try bool(values[passwordProtected])
        switch (protected, secret) {
        case (false?, _): c.password = nil
        case (true?, let secret?) where !secret.isEmpty: c.password = secret
        case (true?, _): if c.password == nil { throw .notAcceptable }
        case (nil, let secret?): c.password = secret.isEmpty ? nil : secret
        case (nil, nil): break
        }
        return c
    }

    /// The `maxusers` choices, none above the service's limit.
    private static func maxUsersOptions(below limit: Int?) -> [(value: String, label: String)] {
        var choices = [10, 20, 30, 50, 100].filter { $0 <= (limit ?? Int.max) }
        if let limit, !choices.contains(limit) { choices.append(limit) }
        var options = choices.map { (value: String($0), label: String($0)) }
        options.append((value: "none", label: limit.map { "The service's limit (\($0))" } ?? "No limit"))
        return options
    }

    /// A single value under the free-text rule of `kind`; nil when the field was not sent.
    private static func text(_ values: [String]?, _ kind: FreeText.Field) throws(StanzaError) -> String? {
        guard let values else { return nil }
        guard values.count <= 1 else { throw .badRequest }
        let value = values.first ?? ""
        guard (try? FreeText.check(value, as: kind)) != nil else { throw .badRequest }
        return value
    }

    /// A number of history messages: a non-negative integer (else `bad-request`) no larger than
    /// `RoomConfiguration.maxHistoryLength` (else `not-acceptable`); nil when the field was not sent.
    private static func number(_ values: [String]?) throws(StanzaError) -> Int? {
        guard let values else { return nil }
        guard values.count == 1, let value = values.first, value.utf8.count <= 19,
            value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let number = Int(value)
        else { throw .badRequest }
        guard number <= RoomConfiguration.maxHistoryLength else { throw .notAcceptable }
        return number
    }

    /// XEP-0004 §3.3: "1"/"true" and "0"/"false"; nil when the field was not sent.
    private static func bool(_ values: [String]?) throws(StanzaError) -> Bool? {
        guard let values else { return nil }
        switch values {
        case ["1"], ["true"]: return true
        case ["0"], ["false"]: return false
        default: throw .badRequest
        }
    }

    private static func boolean(_ name: String, label: String, _ value: Bool) -> XMLElement {
        field(name, type: "boolean", label: label, values: [value ? "1" : "0"])
    }

    static func field(
        _ name: String?, type: String, label: String? = nil, values: [String],
        options: [(value: String, label: String)] = []
    ) -> XMLElement {
        var field = XMLElement("field", namespace: Namespace.dataForms, attributes: ["type": type])
        if let name { field["var"] = name }
        if let label { field["label"] = label }
        for value in values { field.append(XMLElement("value", namespace: Namespace.dataForms).adding(text: value)) }
        for option in options {
            var element = XMLElement("option", namespace: Namespace.dataForms, attributes: ["label": option.label])
            element.append(XMLElement("value", namespace: Namespace.dataForms).adding(text: option.value))
            field.append(element)
        }
        return field
    }
}
