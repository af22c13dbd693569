import XMLStream

@testable import MUCComponent

/// muc#owner requests as clients send them (XEP-0045 §10).
enum OwnerStanzas {
    static func iq(from: String, to room: String, type: String, id: String = "o1", _ payload: XMLElement?)
        -> XMLElement
    {
        var query = XMLElement("query", namespace: Namespace.mucOwner)
        if let payload { query.append(payload) }
        return XMLElement(
            "iq", namespace: Namespace.component, attributes: ["from": from, "to": room, "type": type, "id": id]
        ).adding(query)
    }

    /// §10.1.2: the empty submit that accepts the defaults (an instant room) and unlocks it.
    static func instant(from: String, to room: String = "garden@chat.localhost") -> XMLElement {
        iq(
            from: from, to: room, type: "set",
            XMLElement("x", namespace: Namespace.dataForms, attributes: ["type": "submit"]))
    }

    /// A submitted form with FORM_TYPE and `fields`.
    static func submit(from: String, to room: String = "garden@chat.localhost", _ fields: [String: [String]])
        -> XMLElement
    {
        var x = XMLElement("x", namespace: Namespace.dataForms, attributes: ["type": "submit"])
        var all = fields
        if all["FORM_TYPE"] == nil { all["FORM_TYPE"] = [Namespace.mucRoomConfig] }
        for (name, values) in all.sorted(by: { $0.key < $1.key }) {
            var field = XMLElement("field", namespace: Namespace.dataForms, attributes: ["var": name])
            for value in values {
                field.append(XMLElement("value", namespace: Namespace.dataForms).adding(text: value))
            }
            x.append(field)
        }
        return iq(from: from, to: room, type: "set", x)
    }
}
