import Testing
import XMLStream

@testable import MUCComponent

/// What one inbound stanza leads to is written one recipient at a time, each recipient's stanzas in order.
@Suite struct RecipientOrderTests {
    static func stanza(_ name: String, to: String, id: String) -> XMLElement {
        XMLElement(name, namespace: Namespace.component, attributes: ["to": to, "id": id])
    }

    static func ids(_ stanzas: [XMLElement]) -> [String] { stanzas.map { $0["id"] ?? "" } }

    @Test func eachRecipientsStanzasBecomeOneRunInTheOrderRecipientsFirstAppear() {
        let stanzas = [
            Self.stanza("presence", to: "juliet@localhost/balcony", id: "j1"),
            Self.stanza("presence", to: "romeo@localhost/garden", id: "r1"),
            Self.stanza("presence", to: "juliet@localhost/balcony", id: "j2"),
            Self.stanza("presence", to: "nurse@localhost/house", id: "n1"),
            Self.stanza("message", to: "juliet@localhost/balcony", id: "j3"),
            Self.stanza("presence", to: "romeo@localhost/garden", id: "r2"),
        ]
        #expect(Self.ids(RecipientOrder.grouped(stanzas)) == ["j1", "j2", "j3", "r1", "r2", "n1"])
    }

    @Test func aUsersAccountAndSessionsKeepTheirRelativeOrder() {
        // An invitation goes to the bare JID; what follows to a session of the same user must not overtake it.
        let stanzas = [
            Self.stanza("message", to: "juliet@localhost", id: "j1"),
            Self.stanza("presence", to: "romeo@localhost/garden", id: "r1"),
            Self.stanza("presence", to: "juliet@localhost/balcony", id: "j2"),
            Self.stanza("presence", to: "juliet@localhost/phone", id: "j3"),
        ]
        #expect(Self.ids(RecipientOrder.grouped(stanzas)) == ["j1", "j2", "j3", "r1"])
    }

    @Test func stanzasAlreadyInRunsAreLeftAsTheyAre() {
        let stanzas = [
            Self.stanza("presence", to: "juliet@localhost/balcony", id: "j1"),
            Self.stanza("message", to: "juliet@localhost/balcony", id: "j2"),
            Self.stanza("presence", to: "romeo@localhost/garden", id: "r1"),
            Self.stanza("presence", to: "", id: "none"),
        ]
        #expect(Self.ids(RecipientOrder.grouped(stanzas)) == ["j1", "j2", "r1", "none"])
        #expect(RecipientOrder.grouped([]).isEmpty)
    }
}
