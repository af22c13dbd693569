import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// Nicknames through RFC 8266's nickname profile (docs/nicknames.md): refused ones are `jid-malformed`,
/// ones comparing equal to another user's are `conflict` (XEP-0045 §7.2.9, §7.6.4).
@Suite struct MUCComponentNicknameTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let room = "garden@chat.localhost"

    func presence(from: String, nick: String) -> XMLElement {
        XMLElement(
            "presence", namespace: Namespace.component, attributes: ["from": from, "to": "\(Self.room)/\(nick)"]
        )
        .adding(XMLElement("x", namespace: Namespace.muc))
    }

    func condition(_ stanza: XMLElement) -> String? {
        guard stanza["type"] == "error" else { return nil }
        return stanza.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors }?.name
    }

    /// Romeo creates the room and unlocks it (an instant room, §10.1.2).
    mutating func romeoInTheRoom() {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
    }

    func occupantNicks() throws -> [String] {
        try registry.room(try RoomAddress(parsing: Self.room)).sortedOccupants.map(\.nick.description)
    }

    @Test(arguments: [
        "\u{200B}", "\u{200B}\u{200C}\u{200D}", "\u{3164}", "\u{115F}", "\u{AD}", "a\u{2028}b", "\u{E000}",
    ])
    mutating func aNicknameTheProfileRefusesIsJIDMalformedAndCreatesNothing(nick: String) throws {
        let out = send(presence(from: Self.romeo, nick: nick))
        #expect(out.count == 1)
        #expect(condition(out[0]) == "jid-malformed")
        #expect(registry.rooms.isEmpty)
    }

    @Test mutating func aJoinComparingEqualToAnotherUsersNicknameIsAConflict() throws {
        romeoInTheRoom()
        for nick in ["romeo", "ROMEO", "\u{FF32}\u{FF4F}\u{FF4D}\u{FF45}\u{FF4F}", " Romeo  "] {
            let out = send(presence(from: Self.juliet, nick: nick))
            #expect(out.count == 1)
            #expect(condition(out.first!) == "conflict", "\(nick)")
        }
        #expect(try occupantNicks() == ["Romeo"])
    }

    @Test mutating func theOccupantIsShownInTheEnforcedForm() throws {
        romeoInTheRoom()
        let out = send(presence(from: Self.juliet, nick: "\u{FB01}\u{3000}\u{3000}Juliet"))
        let selfPresence = try #require(out.first { codes($0).contains("110") })
        #expect(selfPresence["from"] == "\(Self.room)/fi Juliet")
        #expect(try occupantNicks() == ["Romeo", "fi Juliet"])
        let conflict = send(presence(from: "nurse@localhost/kitchen", nick: "FI JULIET"))
        #expect(conflict.count == 1 && condition(conflict[0]) == "conflict")
    }

    /// XEP-0045 §7.2.3: "If the service modifies the user's nickname ... it MUST include status code 210",
    /// in the joiner's own presence only; a nickname the room shows as asked gets none.
    @Test mutating func aJoinShownInAnotherFormThanAskedIsTold210() throws {
        let creation = send(presence(from: Self.romeo, nick: "Romeo"))
        #expect(creation.filter { codes($0).contains("210") }.isEmpty)
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        let out = send(presence(from: Self.juliet, nick: " Juliet  Capulet "))
        let selfPresence = try #require(out.first { codes($0).contains("110") })
        #expect(selfPresence["from"] == "\(Self.room)/Juliet Capulet")
        #expect(codes(selfPresence) == ["110", "210"])
        #expect(out.filter { codes($0).contains("210") }.count == 1)
        // A second session joins the occupant under its form: the case it asked for is not the one shown.
        let second = send(presence(from: "romeo@localhost/phone", nick: "ROMEO"))
        let ownPresences = second.filter { $0["to"] == "romeo@localhost/phone" && codes($0).contains("110") }
        #expect(ownPresences.count == 1 && codes(ownPresences[0]).contains("210"))
        #expect(second.filter { $0["to"] == Self.romeo && codes($0).contains("210") }.isEmpty)
        let plain = send(presence(from: "nurse@localhost/kitchen", nick: "Nurse"))
        #expect(plain.filter { codes($0).contains("210") }.isEmpty)
    }

    @Test mutating func aSecondSessionOfTheSameUserJoinsTheSameOccupant() throws {
        romeoInTheRoom()
        let out = send(presence(from: "romeo@localhost/phone", nick: "ROMEO"))
        #expect(out.allSatisfy { condition($0) == nil })
        let room = try registry.room(try RoomAddress(parsing: Self.room))
        #expect(room.occupants.count == 1)
        #expect(room.sortedOccupants.first?.nick.description == "Romeo")
        #expect(room.sortedOccupants.first?.sessions.count == 2)
        // That session's presences go on naming the form it joined with: updates, not refused renames.
        let update = XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": "romeo@localhost/phone", "to": "\(Self.room)/ROMEO"]
        ).adding(XMLElement("show", namespace: Namespace.component).adding(text: "away"))
        let out2 = send(update)
        #expect(out2.allSatisfy { condition($0) == nil })
        // (An occupant's presence shows its first session's <show/>: one presence per occupant.)
        #expect(!out2.isEmpty && out2.allSatisfy { $0["from"] == "\(Self.room)/Romeo" && !codes($0).contains("303") })
        #expect(try occupantNicks() == ["Romeo"])
    }

    @Test mutating func changingTheCaseOfOnesOwnNicknameIsANicknameChange() throws {
        romeoInTheRoom()
        let out = send(presence(from: Self.romeo, nick: "ROMEO"))
        #expect(out.count == 2)
        #expect(out[0]["type"] == "unavailable" && out[0]["from"] == "\(Self.room)/Romeo")
        #expect(codes(out[0]) == ["303", "110"])
        #expect(
            out[0].child("x", namespace: Namespace.mucUser)?.child("item", namespace: Namespace.mucUser)?["nick"]
                == "ROMEO")
        #expect(out[1]["from"] == "\(Self.room)/ROMEO" && codes(out[1]).contains("110"))
        #expect(try occupantNicks() == ["ROMEO"])
        // The same form again is a presence update, not a change.
        let again = send(presence(from: Self.romeo, nick: "ROMEO"))
        #expect(again.allSatisfy { !codes($0).contains("303") })
    }

    @Test mutating func aNicknameChangeToAnotherUsersComparisonFormIsAConflict() throws {
        romeoInTheRoom()
        _ = send(presence(from: Self.juliet, nick: "Juliet"))
        let out = send(presence(from: Self.juliet, nick: "rOmEo"))
        #expect(out.count == 1 && condition(out[0]) == "conflict")
        let refused = send(presence(from: Self.juliet, nick: "\u{200B}"))
        #expect(refused.count == 1 && condition(refused[0]) == "jid-malformed")
        #expect(try occupantNicks() == ["Juliet", "Romeo"])
    }

    @Test mutating func aPrivateMessageFindsItsRecipientByTheComparisonForm() throws {
        romeoInTheRoom()
        _ = send(presence(from: Self.juliet, nick: "Juliet"))
        let message = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.romeo, "to": "\(Self.room)/JULIET", "type": "chat"]
        ).adding(XMLElement("body", namespace: Namespace.component).adding(text: "Good night"))
        let out = send(message)
        #expect(out.count == 1)
        #expect(out.first?["to"] == Self.juliet && out.first?["from"] == "\(Self.room)/Romeo")
    }
}
