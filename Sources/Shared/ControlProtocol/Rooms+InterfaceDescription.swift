// The text of org.muckick.Rooms.varlink, served by GetInterfaceDescription. A unit test keeps the two
// identical; edit the .varlink file, then paste it here.
extension Rooms {
    public static let interfaceDescription = #"""
    # The multi-user chat rooms of muc-kick's room daemon (roomd).
    #
    # Addresses follow XMPP: a room is a bare JID "node@service" (node and
    # service compare case-insensitively), a real JID is "user@host" or
    # "user@host/resource". Nicknames are case-sensitive and compared after
    # Unicode NFC normalisation.
    #
    # Access: methods marked [kick] need the "kick" level or more, the others
    # need "admin". The level comes from the caller's uid/gid (SO_PEERCRED).
    interface org.muckick.Rooms

    # One room as listed.
    type RoomSummary (
      room: string,
      name: ?string,
      persistent: bool,
      occupants: int
    )

    # One occupant: a nickname and every real-JID session behind it.
    type Occupant (
      nick: string,
      jids: []string,
      role: string,
      affiliation: string
    )

    # A stored affiliation of a bare real JID with a room.
    type Affiliation (
      jid: string,
      affiliation: string,
      reason: ?string
    )

    type Room (
      room: string,
      name: ?string,
      persistent: bool,
      occupants: []Occupant,
      affiliations: []Affiliation
    )

    # An occupant removed by a kick or a ban, as it was just before.
    type Removed (
      room: string,
      nick: string,
      jids: []string,
      role: string,
      affiliation: string
    )

    # Something that happened in a room. kind is one of: watching (first reply of
    # Watch), created, destroyed, joined, left, kicked, banned, affiliation, nick
    # (an XMPP occupant changed nickname: nick is the new one, reason "was OLD").
    type Event (
      kind: string,
      room: ?string,
      nick: ?string,
      jids: ?[]string,
      role: ?string,
      affiliation: ?string,
      reason: ?string,
      actor: ?string
    )

    # One durable audit record, written for every kick and ban.
    type AuditRecord (
      id: int,
      time: string,
      action: string,
      room: string,
      nick: string,
      jids: []string,
      reason: ?string,
      actor: ?string,
      uid: int
    )

    # [kick] The MUC services (domains) this daemon serves.
    method ListServices() -> (services: []string)

    # [kick] Rooms, of one service or of all.
    method ListRooms(service: ?string) -> (rooms: []RoomSummary)

    # [kick] One room with its occupants and affiliations.
    method GetRoom(room: string) -> (room: Room)

    # Creates a room (persistent unless persistent is false).
    method CreateRoom(room: string, name: ?string, persistent: ?bool) -> (room: RoomSummary)

    # Destroys a room: every occupant is removed, its affiliations are dropped.
    method DestroyRoom(room: string, reason: ?string) -> (removed: []Removed)

    # Puts a real-JID session into a room under a nickname. role defaults from the
    # affiliation: owner and admin are moderators, the others participants.
    method Join(room: string, nick: string, jid: string, role: ?string) -> (occupant: Occupant)

    # Removes one session (jid given) or every session of a nickname.
    method Leave(room: string, nick: string, jid: ?string) -> ()

    # [kick] Kicks by nickname, or by real JID (bare: every session of that user;
    # full: the occupant holding that session). Exactly one of nick and jid.
    # With protect, owners and admins are not kicked (NotAllowed). A caller that
    # gives up after a timeout passes deadline (milliseconds since the epoch, UTC):
    # a call still queued after it is refused (DeadlineExceeded), not carried out.
    method Kick(
      room: string,
      nick: ?string,
      jid: ?string,
      reason: ?string,
      actor: ?string,
      protect: ?bool,
      deadline: ?int
    ) -> (kicked: []Removed)

    # Sets the affiliation of a bare JID: owner, admin, member, outcast (a ban:
    # its occupants are removed and later joins refused) or none (dropped).
    method SetAffiliation(
      room: string,
      jid: string,
      affiliation: string,
      reason: ?string,
      actor: ?string
    ) -> (removed: []Removed)

    # [kick] The newest audit records (oldest first), of one room or of all.
    method GetAudit(room: ?string, limit: ?int) -> (records: []AuditRecord)

    # [kick] A stream ("more") of events, of one room or of all. The first reply
    # has kind "watching"; later ones follow as things happen.
    method Watch(room: ?string) -> (event: Event)

    error ServiceNotFound (service: string)
    error RoomNotFound (room: string)
    error RoomExists (room: string)
    error OccupantNotFound (room: string, nick: ?string, jid: ?string)
    error NickConflict (room: string, nick: string)
    error AlreadyJoined (room: string, jid: string, nick: string)
    error Banned (room: string, jid: string)
    error InvalidAddress (field: string, value: string, reason: string)
    error NotAllowed (room: string, nick: string, affiliation: string)
    error PermissionDenied (method: string, required: string)
    # The message could not be read: not UTF-8, not JSON, or not a call.
    error InvalidMessage (reason: string)
    # The call's deadline passed before roomd could carry it out; nothing changed.
    error DeadlineExceeded (deadline: int)
    # A message exceeded the size limit; the connection is then closed.
    error MessageTooLarge (limit: int)
    # roomd could not make the change durable (disk full, I/O error); nothing changed, nobody was told.
    # Retry later: roomd keeps serving reads and tries writes again on every call.
    error StorageUnavailable (reason: string)

    """#
}
