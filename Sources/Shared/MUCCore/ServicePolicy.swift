/// What the operator decides for a whole MUC service, beside each room's own configuration: who may create
/// rooms, how many, how full a room may get, and the service admins who act as owners in every room.
///
/// Prosody's equivalents: `restrict_room_creation` (`creation`), the server's `admins` with
/// `component_admins_as_room_owners` (`admins`); ejabberd's `max_users` (`maxOccupants`). Joins and
/// creations through the control socket are the operator's own and are not held to it.
public struct ServicePolicy: Sendable, Equatable {
    /// Who may create a room by joining it.
    public enum Creation: String, Sendable, CaseIterable {
        /// Any user who can reach the service (the federation included).
        case anyone
        /// Users of the XMPP server's own domains (`localDomains`), and service admins.
        case local
        /// Service admins only.
        case admins
    }

    public var creation: Creation
    /// The domains whose users are local. Empty: the domain each MUC service is a subdomain of
    /// (`chat.example.org` -> `example.org`), as Prosody's `restrict_room_creation = "local"` takes it.
    public var localDomains: Set<String>
    /// Bare JIDs with the affiliation owner in every room of the service.
    public private(set) var admins: Set<JID>
    /// Rooms one user (bare JID) may have created that still exist; nil for no limit. Admins have none.
    public var maxRoomsPerUser: Int?
    /// Occupants a room takes at most, whatever its own `maxUsers`; nil for no limit.
    public var maxOccupants: Int?

    /// XEP-0045 §7.2.10: owners and admins enter a full room "up to some reasonable number of additional
    /// occupants" (ejabberd's `max_users_admin_threshold`, with its default), so that stuffing a room with
    /// users cannot keep its owners out, nor let owners grow it without bound.
    public static let privilegedOverflow = 5

    public init(
        creation: Creation = .anyone, localDomains: Set<String> = [], admins: some Sequence<JID> = [JID](),
        maxRoomsPerUser: Int? = nil, maxOccupants: Int? = nil
    ) {
        self.creation = creation
        self.localDomains = Set(localDomains.map { $0.lowercased() })
        self.admins = Set(admins.map(\.bare))
        self.maxRoomsPerUser = maxRoomsPerUser
        self.maxOccupants = maxOccupants
    }

    /// Whether `jid` (any resource) is a service admin.
    public func isAdmin(_ jid: JID) -> Bool {
        !admins.isEmpty && admins.contains(jid.bare)
    }

    /// Whether `jid` is a user of the XMPP server that `service` belongs to.
    public func isLocal(_ jid: JID, toService service: String) -> Bool {
        if !localDomains.isEmpty { return localDomains.contains(jid.domain) }
        guard let dot = service.firstIndex(of: ".") else { return false }
        return jid.domain == String(service[service.index(after: dot)...])
    }

    /// The occupant limit of a room whose own limit is `roomLimit`.
    public func occupantLimit(_ roomLimit: Int?) -> Int? {
        switch (roomLimit, maxOccupants) {
        case (let room?, let service?): return min(room, service)
        case (let room?, nil): return room
        case (nil, let service): return service
        }
    }

    /// Whether a room may be configured with `maxUsers` (nil: no limit of its own, then the service's).
    public func accepts(maxUsers: Int?) -> Bool {
        guard let maxOccupants, let maxUsers else { return true }
        return maxUsers <= maxOccupants
    }
}
