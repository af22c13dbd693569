import MUCCore
import XMLStream

@testable import MUCComponent

/// What the component suites share: a service and its registry, stanzas built as the server hands them to
/// the component, and `send`, which returns what roomd writes for one stanza, in the order it writes it.
protocol ComponentSuite {
    var service: MUCComponentService { get }
    var registry: RoomRegistry { get set }
}

extension ComponentSuite {
    /// `before`, then the events' presences, then `after`: the order roomd sends them in.
    mutating func send(_ stanza: XMLElement) -> [XMLElement] {
        let outcome = service.handle(stanza, registry: &registry)
        return outcome.before + service.render(outcome.events, registry: registry) + outcome.after
    }

    func stanza(
        _ name: String, from: String, to: String, type: String? = nil, id: String? = "s1", _ children: [XMLElement] = []
    ) -> XMLElement {
        var stanza = XMLElement(name, namespace: Namespace.component, attributes: ["from": from, "to": to])
        if let id { stanza["id"] = id }
        if let type { stanza["type"] = type }
        for child in children { stanza.append(child) }
        return stanza
    }

    func text(_ name: String, _ text: String) -> XMLElement {
        XMLElement(name, namespace: Namespace.component).adding(text: text)
    }

    /// A join of `garden@chat.localhost` under `nick`.
    func join(_ session: String, as nick: String, _ extra: [XMLElement] = []) -> XMLElement {
        stanza(
            "presence", from: session, to: "garden@chat.localhost/\(nick)",
            [XMLElement("x", namespace: Namespace.muc)] + extra)
    }

    /// The status codes of a presence's `muc#user` element, in order.
    func codes(_ stanza: XMLElement) -> [String] {
        stanza.child("x", namespace: Namespace.mucUser)?.children("status", namespace: Namespace.mucUser)
            .compactMap { $0["code"] } ?? []
    }
}
