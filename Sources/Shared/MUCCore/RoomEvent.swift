/// What a transition did, as a value. Transports turn events into presences or stream replies; the store
/// turns the durable ones into rows.
public enum RoomEvent: Sendable, Equatable {
    case created(RoomAddress, RoomConfiguration)
    case destroyed(RoomAddress, removed: [RemovedOccupant], reason: String?)
    case joined(RoomAddress, Occupant, session: JID)
    case left(RoomAddress, nick: Nickname, session: JID, lastSession: Bool)
    case kicked(RemovedOccupant, reason: String?, actor: String?)
    case banned(RemovedOccupant, reason: String?, actor: String?)
    /// The room removed an occupant its new rules or the occupant's new affiliation no longer admit (XEP-0045
    /// §9.4, 321; §10.2, 322): `reason` and `actor` are the affiliation change's, nil for a configuration.
    case removed(RemovedOccupant, Removal, reason: String?, actor: String?)
    case affiliationChanged(RoomAddress, jid: JID, entry: AffiliationEntry, actor: String?)
    /// XEP-0045 §8.3–8.4, §9.6–9.7: a moderator gave the occupant another role (not none, a kick).
    case roleChanged(RoomAddress, Occupant, previous: Role, reason: String?, actor: String?)
    /// XEP-0045 §7.6: the occupant (its one session) took another nickname.
    case nickChanged(RoomAddress, from: Nickname, to: Occupant)
    /// XEP-0045 §10.2: the owner set the room's configuration; `unlocked` when that ended its lock.
    case configured(RoomAddress, RoomConfiguration, previous: RoomConfiguration, unlocked: Bool)
    /// XEP-0045 §8.1: an occupant set the subject (the transport sends the subject message itself).
    case subjectChanged(RoomAddress, RoomSubject)

    public var room: RoomAddress {
        switch self {
        case .created(let room, _), .destroyed(let room, _, _), .joined(let room, _, _),
            .left(let room, _, _, _), .affiliationChanged(let room, _, _, _), .nickChanged(let room, _, _),
            .configured(let room, _, _, _), .subjectChanged(let room, _), .roleChanged(let room, _, _, _, _):
            return room
        case .kicked(let removed, _, _), .banned(let removed, _, _), .removed(let removed, _, _, _):
            return removed.room
        }
    }
}
