/// An occupant as it was just before a kick, a ban or a room's destruction removed it.
public struct RemovedOccupant: Sendable, Equatable {
    public let room: RoomAddress
    public let nick: Nickname
    public let sessions: [JID]
    public let role: Role
    public let affiliation: Affiliation

    public init(room: RoomAddress, occupant: Occupant) {
        self.room = room
        self.nick = occupant.nick
        self.sessions = occupant.sessions
        self.role = occupant.role
        self.affiliation = occupant.affiliation
    }
}
