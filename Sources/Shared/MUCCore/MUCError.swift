/// Every refusal a room transition can give. Each has exactly one varlink error (and, in the responder,
/// one HTTP status).
public enum MUCError: Error, Equatable, Sendable {
    case serviceNotFound(String)
    case roomNotFound(RoomAddress)
    case roomExists(RoomAddress)
    case occupantNotFound(RoomAddress, nick: Nickname?, jid: JID?)
    case nickConflict(RoomAddress, nick: Nickname)
    case alreadyJoined(RoomAddress, jid: JID, nick: Nickname)
    case banned(RoomAddress, jid: JID)
    /// A protected kick aimed at an owner or admin.
    case notAllowed(RoomAddress, nick: Nickname, affiliation: Affiliation)
    /// A nickname change by an occupant with several sessions (they would all have to change at once).
    case nickChangeRefused(RoomAddress, nick: Nickname)
    /// A change that would leave a room with owners without any (XEP-0045 §10.4, §10.6: the last owner
    /// may not give up ownership, nor ban itself).
    case lastOwner(RoomAddress, jid: JID)
}
