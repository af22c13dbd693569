import Glibc
import HashTreeCollections
import MUCCore
import XMLStream

/// XEP-0045 for one MUC domain served through an XEP-0114 component: turns stanzas into transitions of the
/// shared `RoomRegistry`, and room events (from XMPP or from the control socket) into the presences every
/// occupant must see.
///
/// The registry is the one state; this type only adds what is XMPP's alone (`XMPPOccupancy`). One feature a
/// file, as Prosody's MUC: presence (`+Presence`), messages and subject (`+Messages`), which IQ goes where
/// (`+IQ`; those to occupants, `+OccupantIQ`), muc#admin (`+Admin`), disco (`+Disco`), and the rendering of
/// room events (`Renderer`, with the presences it builds in `Presences`). Who may kick, ban or change whom is
/// decided in the core (`MUCCore.Actor`), never here.
public final class MUCComponentService {
    public let domain: String
    var occupancy = XMPPOccupancy()
    let renderer: Renderer
    /// IQs routed to occupants, waiting for their answer (`+OccupantIQ`).
    var pendingIQs = PendingIQs()
    /// The clock pending IQs expire by; tests set their own.
    var now: () -> ContinuousClock.Instant = { ContinuousClock.now }
    /// The time of day, seconds since the Unix epoch: history's stamps and `since`. Tests set their own.
    var wallClock: () -> Int64 = { Int64(time(nil)) }

    public init(domain: String) {
        self.domain = domain.lowercased()
        self.renderer = Renderer(domain: self.domain)
    }

    // MARK: Inbound

    /// The error for a stanza the stream parser could not take in (too deep); none for error stanzas.
    public func refusal(of header: XMLElement) -> [XMLElement] {
        guard header["type"] != "error", header["from"] != nil else { return [] }
        return [StanzaError.policyViolation.reply(to: header)]
    }

    public func handle(_ stanza: XMLElement, registry: inout RoomRegistry) -> StanzaOutcome {
        guard let fromText = stanza["from"], let from = try? JID(parsing: fromText), let toText = stanza["to"],
            let to = try? JID(parsing: toText)
        else {
            // No usable addresses: nothing to answer to (the server checks `from` on component streams).
            return StanzaOutcome()
        }
        if stanza["type"] == "error" {
            return handleErrorStanza(stanza, from: from, to: to, registry: &registry)
        }
        switch stanza.name {
        case "presence": return handlePresence(stanza, from: from, to: to, registry: &registry)
        case "message": return handleMessage(stanza, from: from, to: to, registry: &registry)
        case "iq": return handleIQ(stanza, from: from, to: to, registry: &registry)
        default: return StanzaOutcome()
        }
    }

    /// The room a JID of this domain names (its bare part), if it names one.
    func roomAddress(_ jid: JID) -> RoomAddress? {
        guard jid.node != nil, jid.domain == domain else { return nil }
        return try? RoomAddress(parsing: jid.bare.description)
    }

    // MARK: Rendering events

    /// The presences every XMPP occupant must receive for events that already happened to `registry`.
    public func render(_ events: [RoomEvent], registry: RoomRegistry) -> [XMLElement] {
        renderer.render(events, registry: registry, occupancy: &occupancy)
    }

    // MARK: The XMPP side's state

    /// What this service keeps of one room beside the registry: its XMPP sessions, their presence
    /// details, the sessions removed on a bounced error and its history. Saved before a change and put back when the change is undone (a commit
    /// the disk refused), so that the XMPP side never disagrees with the registry.
    public struct RoomState: Sendable {
        fileprivate var sessions: TreeSet<JID>?
        fileprivate var details: TreeDictionary<JID, [XMLElement]>?
        fileprivate var removedOnError: Set<JID>?
        fileprivate var history: DiscussionHistory.RoomHistory?
    }

    public func state(of room: RoomAddress) -> RoomState {
        RoomState(
            sessions: occupancy.sessions[room], details: occupancy.details[room],
            removedOnError: occupancy.removedOnError[room], history: occupancy.history.rooms[room])
    }

    public func restore(_ state: RoomState, of room: RoomAddress) {
        occupancy.sessions[room] = state.sessions
        occupancy.details[room] = state.details
        occupancy.removedOnError[room] = state.removedOnError
        occupancy.history.restore(state.history, of: room)
        // An undone destroy leaves no venue for a later one, an undone join no nickname it asked for.
        occupancy.venues[room] = nil
        occupancy.askedNicks[room] = nil
    }

    /// Forgets every session that joined over XMPP and returns them, room by room: when the stream they came
    /// through ends, none of them can be reached, nor leave by itself.
    public func takeXMPPSessions() -> [(room: RoomAddress, session: JID)] {
        var taken: [(room: RoomAddress, session: JID)] = []
        for (room, sessions) in occupancy.sessions {
            for session in sessions { taken.append((room, session)) }
        }
        occupancy.sessions.removeAll()
        occupancy.details.removeAll()
        occupancy.removedOnError.removeAll()
        // Their answers could reach no one.
        pendingIQs.removeAll()
        return taken.sorted {
            ($0.room.description, $0.session.description) < ($1.room.description, $1.session.description)
        }
    }
}
