import MUCCore
import XMLStream

/// muc#owner (XEP-0045 §10): the configuration form of a new or existing room, its submission or
/// cancellation, and the room's destruction by its owner.
extension MUCComponentService {
    /// §10.1.3, §10.2: the owner gets the configuration form.
    func ownerGet(_ stanza: XMLElement, from: JID, to: JID, registry: RoomRegistry) throws(StanzaError) -> XMLElement {
        let room = try existingRoom(to, registry)
        guard room.affiliation(of: from) == .owner else { throw .forbidden }
        return result(
            stanza,
            query: XMLElement("query", namespace: Namespace.mucOwner).adding(
                RoomConfigForm.form(for: room, maxOccupants: registry.policy.maxOccupants)))
    }

    /// §10.1.2 (an empty form: an instant room), §10.1.3 and §10.2 (a filled form), §10.1.3 (cancel), §10.9
    /// (destroy).
    func ownerSet(_ stanza: XMLElement, query: XMLElement, from: JID, to: JID, registry: inout RoomRegistry)
        throws(StanzaError) -> StanzaOutcome
    {
        let room = try existingRoom(to, registry)
        guard room.affiliation(of: from) == .owner else { throw .forbidden }
        if let destroy = query.child("destroy", namespace: Namespace.mucOwner) {
            return try destroyRoom(room, destroy, stanza, registry: &registry)
        }
        guard let form = query.child("x", namespace: Namespace.dataForms) else { throw .badRequest }
        switch form["type"] {
        case "submit":
            let configuration = try RoomConfigForm.apply(form, to: room.configuration)
            // A room's own limit may not exceed the service's (`ServicePolicy.maxOccupants`).
            guard registry.policy.accepts(maxUsers: configuration.maxUsers) else {
                throw StanzaError("not-acceptable", type: "modify", text: "The service allows fewer occupants")
            }
            let events: [RoomEvent]
            do {
                events = try registry.configure(room.address, configuration)
            } catch {
                throw .itemNotFound
            }
            return StanzaOutcome(events: events, after: [result(stanza, query: nil)])
        case "cancel":
            // §10.1.3: an owner who cancels the configuration of a new room has it destroyed. (Prosody 0.12
            // only answers, and the room stays locked until its lock times out.)
            guard room.locked else { return StanzaOutcome(after: [result(stanza, query: nil)]) }
            let events = (try? registry.destroyRoom(room.address, reason: nil)) ?? []
            return StanzaOutcome(events: events, after: [result(stanza, query: nil)])
        default:
            throw StanzaError("bad-request", type: "cancel", text: "Not a submitted form")
        }
    }

    /// §10.9: every occupant hears of the destruction, with the reason and the alternate venue, then the
    /// owner gets the result.
    private func destroyRoom(
        _ room: Room, _ destroy: XMLElement, _ stanza: XMLElement, registry: inout RoomRegistry
    ) throws(StanzaError) -> StanzaOutcome {
        let reason = destroy.child("reason", namespace: Namespace.mucOwner)?.text
        if let reason, (try? FreeText.check(reason, as: .reason)) == nil { throw .badRequest }
        var venue: XMPPOccupancy.Venue?
        if let text = destroy["jid"] {
            guard let jid = try? JID(parsing: text) else { throw .jidMalformed }
            let password = destroy.child("password", namespace: Namespace.mucOwner)?.text
            if let password, (try? FreeText.check(password, as: .name)) == nil { throw .badRequest }
            venue = XMPPOccupancy.Venue(jid: jid.bare, password: password)
        }
        let events: [RoomEvent]
        do {
            events = try registry.destroyRoom(room.address, reason: reason)
        } catch {
            throw .itemNotFound
        }
        occupancy.venues[room.address] = venue
        return StanzaOutcome(events: events, after: [result(stanza, query: nil)])
    }
}
