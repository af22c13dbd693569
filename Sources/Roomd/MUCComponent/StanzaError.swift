import XMLStream

/// A stanza error (RFC 6120 §8.3) with the condition and type XEP-0045 prescribes for each case.
public struct StanzaError: Error, Equatable, Sendable {
    public var condition: String
    public var type: String
    public var text: String?

    public init(_ condition: String, type: String, text: String? = nil) {
        self.condition = condition
        self.type = type
        self.text = text
    }

    public static let badRequest = StanzaError("bad-request", type: "modify")
    public static let conflict = StanzaError("conflict", type: "cancel")
    public static let forbidden = StanzaError("forbidden", type: "auth")
    public static let itemNotFound = StanzaError("item-not-found", type: "cancel")
    public static let jidMalformed = StanzaError("jid-malformed", type: "modify")
    public static let notAcceptable = StanzaError("not-acceptable", type: "modify")
    public static let notAllowed = StanzaError("not-allowed", type: "cancel")
    public static let notAuthorized = StanzaError("not-authorized", type: "auth")
    public static let registrationRequired = StanzaError("registration-required", type: "auth")
    public static let serviceUnavailable = StanzaError("service-unavailable", type: "cancel")
    public static let featureNotImplemented = StanzaError("feature-not-implemented", type: "cancel")
    /// XEP-0410 §3.2 and Prosody: the sender holds no occupant in the room, which a client takes as "rejoin".
    public static let notJoined = StanzaError(
        "not-acceptable", type: "cancel", text: "You are not currently connected to this chat")
    public static let recipientNotInRoom = StanzaError("item-not-found", type: "cancel", text: "Recipient not in room")
    public static let policyViolation = StanzaError("policy-violation", type: "modify", text: "nested too deep")

    var element: XMLElement {
        var error = XMLElement("error", namespace: Namespace.component, attributes: ["type": type])
        error.append(XMLElement(condition, namespace: Namespace.stanzaErrors))
        if let text {
            error.append(XMLElement("text", namespace: Namespace.stanzaErrors).adding(text: text))
        }
        return error
    }

    /// The error reply to `stanza`: addresses swapped, same id, the original's children kept for presence
    /// (so a client sees which join failed) and dropped otherwise.
    func reply(to stanza: XMLElement) -> XMLElement {
        var reply = XMLElement(stanza.name, namespace: Namespace.component)
        reply["type"] = "error"
        reply["from"] = stanza["to"]
        reply["to"] = stanza["from"]
        reply["id"] = stanza["id"]
        if stanza.name == "presence", let x = stanza.child("x", namespace: Namespace.muc) { reply.append(x) }
        reply.append(element)
        return reply
    }
}
