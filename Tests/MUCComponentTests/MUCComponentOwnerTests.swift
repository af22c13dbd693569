import MUCCore
import Testing
import XMLStream

@testable import MUCComponent

/// muc#owner (XEP-0045 §10): creating a room from a client the way Conversations, Gajim and Converse do,
/// configuring it, and what the configuration changes.
@Suite struct MUCComponentOwnerTests: ComponentSuite {
    let service = MUCComponentService(domain: "chat.localhost")
    var registry = RoomRegistry(services: ["chat.localhost"])
    let garden = try! RoomAddress(parsing: "garden@chat.localhost")

    static let romeo = "romeo@localhost/garden"
    static let juliet = "juliet@localhost/balcony"
    static let nurse = "nurse@localhost/kitchen"

    func presence(from: String, nick: String, password: String? = nil) -> XMLElement {
        var x = XMLElement("x", namespace: Namespace.muc)
        if let password { x.append(XMLElement("password", namespace: Namespace.muc).adding(text: password)) }
        return XMLElement(
            "presence", namespace: Namespace.component,
            attributes: ["from": from, "to": "garden@chat.localhost/\(nick)"]
        ).adding(x)
    }

    func condition(_ stanza: XMLElement) -> String? {
        guard stanza["type"] == "error" else { return nil }
        return stanza.child("error")?.elements.first { $0.namespace == Namespace.stanzaErrors }?.name
    }

    func fields(_ form: XMLElement?) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for field in form?.children("field", namespace: Namespace.dataForms) ?? [] {
            guard let name = field["var"] else { continue }
            fields[name] = field.children("value", namespace: Namespace.dataForms).map(\.text)
        }
        return fields
    }

    @Test mutating func aNewRoomIsLockedUntilTheOwnerSubmitsAnEmptyForm() throws {
        let created = send(presence(from: Self.romeo, nick: "Romeo"))
        #expect(codes(created[0]) == ["110", "201"])
        let refused = send(presence(from: Self.juliet, nick: "Juliet"))
        #expect(refused.count == 1)
        #expect(condition(refused[0]) == "item-not-found")
        #expect(registry.rooms[garden]?.occupants.count == 1)

        let accepted = send(OwnerStanzas.instant(from: Self.romeo))
        // An instant room: the result only, no 104 (nothing changed), as Prosody answers.
        #expect(accepted.count == 1)
        #expect(accepted[0].name == "iq" && accepted[0]["type"] == "result" && accepted[0]["id"] == "o1")
        #expect(registry.rooms[garden]?.locked == false)
        #expect(registry.rooms[garden]?.configuration == RoomConfiguration(persistent: false, isPublic: false))
        let joined = send(presence(from: Self.juliet, nick: "Juliet"))
        #expect(joined.last?.child("subject") != nil)
    }

    @Test mutating func theOwnerGetsTheRoomConfigForm() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        let reply = send(OwnerStanzas.iq(from: Self.romeo, to: "garden@chat.localhost", type: "get", nil))
        #expect(reply.count == 1)
        #expect(reply[0]["type"] == "result")
        let form = reply[0].child("query", namespace: Namespace.mucOwner)?.child("x", namespace: Namespace.dataForms)
        #expect(form?["type"] == "form")
        let values = fields(form)
        #expect(values["FORM_TYPE"] == [Namespace.mucRoomConfig])
        for name in [
            "muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_lang",
            "muc#roomconfig_persistentroom", "muc#roomconfig_publicroom", "muc#roomconfig_membersonly",
            "muc#roomconfig_whois", "muc#roomconfig_moderatedroom", "muc#roomconfig_passwordprotectedroom",
            "muc#roomconfig_roomsecret", "muc#roomconfig_changesubject", "muc#roomconfig_allowpm",
            "muc#roomconfig_allowinvites", "muc#roomconfig_maxusers",
        ] {
            #expect(values[name] != nil, "\(name)")
        }
        #expect(values["muc#roomconfig_persistentroom"] == ["0"])
        #expect(values["muc#roomconfig_publicroom"] == ["0"], "hidden until made public, as in Prosody 0.12")
        #expect(values["muc#roomconfig_whois"] == ["moderators"])
        #expect(values["muc#roomconfig_maxusers"] == ["none"])

        // Not the owner: forbidden, for the form and for a submission.
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(presence(from: Self.juliet, nick: "Juliet"))
        let get = send(OwnerStanzas.iq(from: Self.juliet, to: "garden@chat.localhost", type: "get", nil))
        #expect(condition(get[0]) == "forbidden")
        let set = send(OwnerStanzas.submit(from: Self.juliet, ["muc#roomconfig_persistentroom": ["1"]]))
        #expect(condition(set[0]) == "forbidden")
        let missing = send(OwnerStanzas.iq(from: Self.romeo, to: "nowhere@chat.localhost", type: "get", nil))
        #expect(condition(missing[0]) == "item-not-found")
    }

    /// The private group Conversations makes: members-only, JIDs shown to everyone, persistent.
    @Test mutating func aSubmittedFormIsAppliedAndAnnounced() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        let out = send(
            OwnerStanzas.submit(
                from: Self.romeo,
                [
                    "muc#roomconfig_roomname": ["Verona"], "muc#roomconfig_persistentroom": ["1"],
                    "muc#roomconfig_membersonly": ["true"], "muc#roomconfig_whois": ["anyone"],
                    "muc#roomconfig_publicroom": ["0"], "muc#roomconfig_unknownfield": ["x"],
                ]))
        // §10.2.1: 104 and 172 (now non-anonymous) to every occupant, then the result.
        #expect(out.count == 2)
        #expect(out[0].name == "message" && out[0]["from"] == "garden@chat.localhost" && out[0]["to"] == Self.romeo)
        #expect(codes(out[0]) == ["104", "172"])
        #expect(out[1]["type"] == "result")
        let configuration = try #require(registry.rooms[garden]?.configuration)
        #expect(configuration.name == "Verona")
        #expect(configuration.persistent && configuration.membersOnly && !configuration.isPublic)
        #expect(configuration.whois == .anyone)
        #expect(registry.rooms[garden]?.locked == false)

        // Members-only: an outsider needs registration; a member comes in and, non-anonymous, is told so
        // (100) and everyone sees real JIDs.
        let refused = send(presence(from: Self.nurse, nick: "Nurse"))
        #expect(condition(refused[0]) == "registration-required")
        _ = try registry.setAffiliation(
            garden, jid: try JID(parsing: Self.juliet), affiliation: .member, reason: nil, actor: nil)
        let joined = send(presence(from: Self.juliet, nick: "Juliet"))
        let romeoAsSeen = try #require(joined.first { $0["from"] == "garden@chat.localhost/Romeo" })
        #expect(romeoAsSeen.child("x", namespace: Namespace.mucUser)?.child("item")?["jid"] == Self.romeo)
        let own = try #require(joined.first { $0["from"] == "garden@chat.localhost/Juliet" && $0["to"] == Self.juliet })
        #expect(codes(own) == ["100", "110"])

        // Hidden: not listed; its disco#info says what it is.
        let items = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "chat.localhost", "type": "get", "id": "d1"]
            ).adding(XMLElement("query", namespace: Namespace.discoItems)))
        #expect(items[0].child("query")?.children("item").isEmpty == true)
        let info = send(
            XMLElement(
                "iq", namespace: Namespace.component,
                attributes: ["from": Self.juliet, "to": "garden@chat.localhost", "type": "get", "id": "d2"]
            ).adding(XMLElement("query", namespace: Namespace.discoInfo)))
        let query = info[0].child("query", namespace: Namespace.discoInfo)
        let features = Set(query?.children("feature").compactMap { $0["var"] } ?? [])
        #expect(
            features.isSuperset(of: [
                "http://jabber.org/protocol/muc#stable_id", "muc_persistent", "muc_hidden", "muc_membersonly", "muc_nonanonymous",
                "muc_unsecured", "muc_unmoderated",
            ]))
        #expect(!features.contains("muc_semianonymous") && !features.contains("muc_public"))
        let roominfo = fields(query?.child("x", namespace: Namespace.dataForms))
        #expect(roominfo["FORM_TYPE"] == [Namespace.mucRoomInfo])
        #expect(roominfo["muc#roominfo_occupants"] == ["2"])
        #expect(roominfo["muc#roomconfig_roomname"] == ["Verona"])
    }

    /// §10.2.1 and the status code registry: 104 is for a change that is not privacy-related; a change of
    /// `whois` alone is announced with 172 or 173 alone, as Prosody does.
    @Test mutating func aWhoisChangeAloneIsAnnouncedWithoutA104() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        let nonAnonymous = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_whois": ["anyone"]]))
        #expect(nonAnonymous.filter { $0.name == "message" }.map(codes) == [["172"]])
        let both = send(
            OwnerStanzas.submit(
                from: Self.romeo, ["muc#roomconfig_whois": ["moderators"], "muc#roomconfig_roomname": ["Verona"]]))
        #expect(both.filter { $0.name == "message" }.map(codes) == [["104", "173"]])
        let renamed = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_roomname": ["Mantua"]]))
        #expect(renamed.filter { $0.name == "message" }.map(codes) == [["104"]])
    }

    @Test mutating func aFormThatDoesNotParseChangesNothing() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        for bad in [
            ["muc#roomconfig_persistentroom": ["maybe"]],
            ["muc#roomconfig_whois": ["everybody"]],
            ["muc#roomconfig_maxusers": ["-3"]],
            ["muc#roomconfig_roomname": ["a\u{1}b"]],
            ["muc#roomconfig_persistentroom": ["1", "0"]],
            ["FORM_TYPE": ["urn:example:other"]],
        ] {
            let out = send(OwnerStanzas.submit(from: Self.romeo, bad))
            #expect(out.count == 1 && condition(out[0]) == "bad-request", "\(bad)")
        }
        let noSecret = send(OwnerStanzas.submit(from: Self.romeo, ["muc#roomconfig_passwordprotectedroom": ["1"]]))
        #expect(condition(noSecret[0]) == "not-acceptable")
        #expect(registry.rooms[garden]?.locked == true)
        #expect(registry.rooms[garden]?.configuration == RoomConfiguration(persistent: false, isPublic: false))
    }

    @Test mutating func passwordMaxUsersAndPrivateMessagesAreEnforced() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        _ = send(
            OwnerStanzas.submit(
                from: Self.romeo,
                [
                    "muc#roomconfig_passwordprotectedroom": ["1"], "muc#roomconfig_roomsecret": ["capulet"],
                    "muc#roomconfig_maxusers": ["2"], "muc#roomconfig_allowpm": ["moderators"],
                    "muc#roomconfig_changesubject": ["1"],
                ]))
        #expect(condition(send(presence(from: Self.juliet, nick: "Juliet"))[0]) == "not-authorized")
        #expect(condition(send(presence(from: Self.juliet, nick: "Juliet", password: "nope"))[0]) == "not-authorized")
        #expect(send(presence(from: Self.juliet, nick: "Juliet", password: "capulet")).last?.child("subject") != nil)
        #expect(
            condition(send(presence(from: Self.nurse, nick: "Nurse", password: "capulet"))[0]) == "service-unavailable")

        let pm = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.juliet, "to": "garden@chat.localhost/Romeo", "type": "chat"]
        ).adding(XMLElement("body", namespace: Namespace.component).adding(text: "psst"))
        #expect(condition(send(pm)[0]) == "forbidden")
        // changesubject: a participant may set the subject.
        let subject = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.juliet, "to": "garden@chat.localhost", "type": "groupchat"]
        ).adding(XMLElement("subject", namespace: Namespace.component).adding(text: "Balcony"))
        let out = send(subject)
        #expect(out.count == 2 && out.allSatisfy { $0["type"] == "groupchat" })
    }

    @Test mutating func cancellingANewRoomsFormDestroysIt() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        let cancel = OwnerStanzas.iq(
            from: Self.romeo, to: "garden@chat.localhost", type: "set",
            XMLElement("x", namespace: Namespace.dataForms, attributes: ["type": "cancel"]))
        let out = send(cancel)
        #expect(out.count == 2)
        #expect(
            out[0]["type"] == "unavailable" && out[0].child("x", namespace: Namespace.mucUser)?.child("destroy") != nil)
        #expect(out[1]["type"] == "result")
        #expect(registry.rooms[garden] == nil)
    }

    @Test mutating func theOwnerDestroysTheRoomWithAReasonAndAnAlternateVenue() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        _ = send(presence(from: Self.juliet, nick: "Juliet"))
        var destroy = XMLElement(
            "destroy", namespace: Namespace.mucOwner, attributes: ["jid": "orchard@chat.localhost"])
        destroy.append(XMLElement("reason", namespace: Namespace.mucOwner).adding(text: "Moving"))
        destroy.append(XMLElement("password", namespace: Namespace.mucOwner).adding(text: "pear"))
        let refused = send(OwnerStanzas.iq(from: Self.juliet, to: "garden@chat.localhost", type: "set", destroy))
        #expect(condition(refused[0]) == "forbidden")
        let out = send(OwnerStanzas.iq(from: Self.romeo, to: "garden@chat.localhost", type: "set", destroy))
        #expect(out.map { $0["to"] } == [Self.juliet, Self.romeo, Self.romeo])
        for presence in out.prefix(2) {
            let element = presence.child("x", namespace: Namespace.mucUser)?.child(
                "destroy", namespace: Namespace.mucUser)
            #expect(element?["jid"] == "orchard@chat.localhost")
            #expect(element?.child("reason")?.text == "Moving")
            #expect(element?.child("password")?.text == "pear")
        }
        #expect(out[2].name == "iq" && out[2]["type"] == "result")
        #expect(registry.rooms[garden] == nil)
    }

    /// §8.1: the subject is the room's (durable in the store); a room read back from the store gives it to
    /// the next joiner.
    @Test mutating func theSubjectIsTheRoomsAndReachesLaterJoiners() throws {
        _ = send(presence(from: Self.romeo, nick: "Romeo"))
        _ = send(OwnerStanzas.instant(from: Self.romeo))
        let subject = XMLElement(
            "message", namespace: Namespace.component,
            attributes: ["from": Self.romeo, "to": "garden@chat.localhost", "type": "groupchat"]
        ).adding(XMLElement("subject", namespace: Namespace.component).adding(text: "Fair Verona"))
        let outcome = service.handle(subject, registry: &registry)
        #expect(outcome.events == [.subjectChanged(garden, RoomSubject(text: "Fair Verona", by: "Romeo"))])
        #expect(service.render(outcome.events, registry: registry).isEmpty)
        #expect(outcome.after.count == 1)

        // After a restart: a new service, the room as the store gives it back.
        var stored = Room(address: garden, configuration: RoomConfiguration())
        stored.restore(subject: try #require(registry.rooms[garden]?.subject))
        var restarted = RoomRegistry(services: ["chat.localhost"])
        restarted.restore(stored)
        let fresh = MUCComponentService(domain: "chat.localhost")
        let joined = fresh.handle(presence(from: Self.juliet, nick: "Juliet"), registry: &restarted)
        let message = try #require(joined.after.last)
        #expect(message["from"] == "garden@chat.localhost/Romeo")
        #expect(message.child("subject")?.text == "Fair Verona")
    }
}
