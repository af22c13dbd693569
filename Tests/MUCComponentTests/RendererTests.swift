import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Room events from the control socket, rendered for XMPP occupants, and the XMPP side kept in step.
@Suite struct RendererTests {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"

    mutating func join(_ session: String, as nick: String) -> [XMLElement] {
        let stanza = XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": session, "to": "garden@chat.localhost/\(nick)"]
        ).adding(XMLElement("x", namespace: Namespace.muc))
        let outcome = service.handle(stanza, registry: &registry)
        let out = outcome.before + service.render(outcome.events, registry: registry) + outcome.after
        unlockIfCreated(outcome, by: session)
        return out
    }

    /// The creator's empty form (XEP-0045 §10.1.2) unlocks a room its join created, for the others.
    mutating func unlockIfCreated(_ outcome: StanzaOutcome, by session: String) {
        guard outcome.events.contains(where: { if case .created = $0 { true } else { false } }) else { return }
        let unlocked = service.handle(OwnerStanzas.instant(from: session), registry: &registry)
        _ = service.render(unlocked.events, registry: registry)
    }

    mutating func setSubject(_ text: String, from session: String) {
        let message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": session, "to": "garden@chat.localhost", "type": "groupchat"]
        ).adding(XMLElement("subject", namespace: Namespace.component).adding(text: text))
        _ = service.handle(message, registry: &registry)
    }

    @Test mutating func aDestroyedRoomTellsEveryXMPPSessionAndForgetsItsSubject() throws {
        _ = join(Self.romeo, as: "Romeo")
        _ = join(Self.juliet, as: "Juliet")
        setSubject("Verona", from: Self.romeo)
        // An occupant from the control socket gets no stanza.
        _ = try registry.join(garden, nick: try Nickname(parsing: "Ops"), session: try JID(parsing: "ops@localhost/x"))
        let out = service.render(try registry.destroyRoom(garden, reason: "closing"), registry: registry)
        #expect(out.map { $0["to"] } == [Self.juliet, Self.romeo])
        for stanza in out {
            #expect(stanza["type"] == "unavailable")
            let x = stanza.child("x", namespace: Namespace.mucUser)
            #expect(x?.child("status")?["code"] == "110")
            #expect(x?.child("item")?["role"] == "none")
            #expect(x?.child("destroy")?.child("reason")?.text == "closing")
        }
        let again = join(Self.romeo, as: "Romeo")
        #expect(again.last?.child("subject")?.text == "")
        #expect(again.last?["from"] == "garden@chat.localhost")
    }

    @Test mutating func anAffiliationFromTheControlSocketShowsTheNewRoleToEveryone() throws {
        _ = join(Self.romeo, as: "Romeo")
        _ = join(Self.juliet, as: "Juliet")
        let events = try registry.setAffiliation(
            garden, jid: try JID(parsing: Self.juliet), affiliation: .admin, reason: nil, actor: "ops")
        let out = service.render(events, registry: registry)
        #expect(out.count == 2)
        for stanza in out {
            #expect(stanza["from"] == "garden@chat.localhost/Juliet")
            let item = stanza.child("x", namespace: Namespace.mucUser)?.child("item")
            #expect(item?["affiliation"] == "admin" && item?["role"] == "moderator")
        }
        let toJuliet = try #require(out.first { $0["to"] == Self.juliet })
        #expect(toJuliet.child("x", namespace: Namespace.mucUser)?.child("status")?["code"] == "110")
    }

    @Test mutating func aRestoredStateUndoesWhatRenderingForgot() throws {
        _ = join(Self.romeo, as: "Romeo")
        _ = join(Self.juliet, as: "Juliet")
        setSubject("Verona", from: Self.romeo)
        let saved = service.state(of: garden)
        let before = registry
        _ = service.render(try registry.destroyRoom(garden, reason: nil), registry: registry)
        registry = before
        service.restore(saved, of: garden)
        // Juliet is an XMPP session again (she is sent the kick), and the subject is back.
        let kick = try registry.kick(
            garden, target: .nick(try Nickname(parsing: "Juliet")), reason: nil,
            by: .system(name: nil, protectPrivileged: false))
        #expect(service.render(kick, registry: registry).map { $0["to"] } == [Self.juliet, Self.romeo])
        #expect(join(Self.juliet, as: "Juliet").last?.child("subject")?.text == "Verona")
        #expect(service.takeXMPPSessions().map(\.session.description) == [Self.juliet, Self.romeo])
        #expect(service.takeXMPPSessions().isEmpty)
    }
}
