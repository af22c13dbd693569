import Testing

@testable import MUCCore

/// The service policy (who may create rooms, how many, how full, service admins) and mediated invitations
/// (XEP-0045 §7.8.2), as the core decides them for every transport.
@Suite struct ServicePolicyTests {
    let service = "chat.example.org"
    let garden = try! RoomAddress(parsing: "garden@chat.example.org")
    let orchard = try! RoomAddress(parsing: "orchard@chat.example.org")
    let romeo = try! JID(parsing: "romeo@example.org/phone")
    let juliet = try! JID(parsing: "juliet@example.org/balcony")
    let nurse = try! JID(parsing: "nurse@example.org/kitchen")
    let stranger = try! JID(parsing: "iago@venice.example/ship")
    let prince = try! JID(parsing: "escalus@example.org/throne")

    func nick(_ text: String) -> Nickname { try! Nickname(parsing: text) }

    /// A room as a join creates it, then configured (unlocked) with `configuration`.
    func made(
        _ address: RoomAddress, by owner: JID, in registry: inout RoomRegistry,
        _ configuration: RoomConfiguration = RoomConfiguration(persistent: true)
    ) throws {
        _ = try registry.createRoom(
            address, configuration: RoomConfiguration(persistent: false), locked: true, creator: owner)
        _ = try registry.setAffiliation(address, jid: owner, affiliation: .owner, reason: nil, actor: nil)
        _ = try registry.join(address, nick: nick(owner.node!), session: owner)
        _ = try registry.configure(address, configuration)
    }

    // MARK: Who may create rooms

    @Test func anyoneMayCreateByDefault() throws {
        let registry = RoomRegistry(services: [service])
        try registry.checkCreation(in: service, by: stranger)
        try registry.checkCreation(in: service, by: romeo)
    }

    @Test func localMeansTheDomainTheServiceIsASubdomainOf() throws {
        let registry = RoomRegistry(services: [service], policy: ServicePolicy(creation: .local))
        try registry.checkCreation(in: service, by: romeo)
        #expect(throws: CreationRefusal.restricted) { try registry.checkCreation(in: service, by: stranger) }
        // A subdomain of the server is not the server's users' domain.
        #expect(throws: CreationRefusal.restricted) {
            try registry.checkCreation(in: service, by: try JID(parsing: "bot@chat.example.org"))
        }
    }

    @Test func localDomainsCanBeListed() throws {
        let policy = ServicePolicy(creation: .local, localDomains: ["Venice.example"])
        let registry = RoomRegistry(services: [service], policy: policy)
        try registry.checkCreation(in: service, by: stranger)
        #expect(throws: CreationRefusal.restricted) { try registry.checkCreation(in: service, by: romeo) }
    }

    @Test func adminsOnlyLetsOnlyServiceAdminsCreate() throws {
        let policy = ServicePolicy(creation: .admins, admins: [prince])
        let registry = RoomRegistry(services: [service], policy: policy)
        try registry.checkCreation(in: service, by: try JID(parsing: "escalus@example.org/elsewhere"))
        #expect(throws: CreationRefusal.restricted) { try registry.checkCreation(in: service, by: romeo) }
        // Remote admins too: the list is the operator's.
        let remote = RoomRegistry(services: [service], policy: ServicePolicy(creation: .local, admins: [stranger]))
        try remote.checkCreation(in: service, by: stranger)
    }

    // MARK: Rooms per user

    @Test func theLimitCountsRoomsTheUserCreatedThatStillExist() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(maxRoomsPerUser: 2))
        try made(garden, by: romeo, in: &registry)
        try made(orchard, by: romeo, in: &registry)
        #expect(registry.roomsCreated(by: romeo.bare) == 2)
        #expect(throws: CreationRefusal.tooManyRooms(limit: 2)) {
            try registry.checkCreation(in: service, by: try JID(parsing: "romeo@example.org/laptop"))
        }
        // Someone else's count is their own; the operator's rooms count for nobody.
        try registry.checkCreation(in: service, by: juliet)
        _ = try registry.createRoom(try RoomAddress(parsing: "hall@chat.example.org"), configuration: .init())
        #expect(registry.roomsCreated(by: romeo) == 2)
        // A destroyed room frees its place.
        _ = try registry.destroyRoom(garden, reason: nil)
        try registry.checkCreation(in: service, by: romeo)
        #expect(registry.roomsCreated(by: romeo) == 1)
    }

    @Test func aTemporaryRoomLeftEmptyFreesItsPlace() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(maxRoomsPerUser: 1))
        try made(garden, by: romeo, in: &registry, RoomConfiguration(persistent: false))
        #expect(throws: CreationRefusal.tooManyRooms(limit: 1)) { try registry.checkCreation(in: service, by: romeo) }
        _ = try registry.leave(garden, nick: nick("romeo"), session: romeo)
        #expect(registry.rooms[garden] == nil)
        #expect(registry.roomsCreated(by: romeo) == 0)
    }

    @Test func restoredRoomsCountAndReplacingARoomCountsItOnce() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(maxRoomsPerUser: 1))
        var room = Room(address: garden, configuration: RoomConfiguration())
        room.restore(creator: romeo)
        registry.restore(room)
        registry.restore(room)  // as an undone turn puts a room back
        #expect(registry.roomsCreated(by: romeo) == 1)
        #expect(throws: CreationRefusal.tooManyRooms(limit: 1)) { try registry.checkCreation(in: service, by: romeo) }
    }

    @Test func serviceAdminsHaveNoLimit() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(admins: [romeo], maxRoomsPerUser: 1))
        try made(garden, by: romeo, in: &registry)
        try registry.checkCreation(in: service, by: romeo)
    }

    // MARK: Service admins

    @Test func aServiceAdminIsAnOwnerOfEveryRoomAndPassesItsRules() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(admins: [prince]))
        let configuration = RoomConfiguration(persistent: true, membersOnly: true, password: "capulet", maxUsers: 1)
        try made(garden, by: romeo, in: &registry, configuration)
        _ = try registry.setAffiliation(garden, jid: prince, affiliation: .outcast, reason: nil, actor: nil)
        let room = try registry.room(garden)
        #expect(room.affiliation(of: prince) == .owner)
        #expect(room.actor(withSession: prince) == .occupant(nick: nil, role: .none, affiliation: .owner))
        // Members-only, a ban, a password and a full room do not keep them out.
        try registry.admit(garden, session: prince, nick: nick("Prince"), password: nil)
        let events = try registry.join(garden, nick: nick("Prince"), session: prince)
        guard case .joined(_, let occupant, _) = events.first else {
            Issue.record("no join")
            return
        }
        #expect(occupant.affiliation == .owner && occupant.role == .moderator)
        // Nor a room still locked by its creator.
        _ = try registry.createRoom(orchard, configuration: RoomConfiguration(persistent: false), locked: true)
        try registry.admit(orchard, session: prince, nick: nick("Prince"), password: nil)
        // The list of owners is the room's own: service admins are not written into it.
        #expect(try registry.room(garden).affiliations[prince.bare]?.affiliation == .outcast)
    }

    // MARK: Occupants per room

    @Test func theServiceCapsEveryRoomAndOwnersPassItOnlyByAFew() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(maxOccupants: 2))
        try made(garden, by: romeo, in: &registry, RoomConfiguration(persistent: true, maxUsers: 10))
        _ = try registry.join(garden, nick: nick("Juliet"), session: juliet)
        #expect(throws: JoinRefusal.full) {
            try registry.admit(garden, session: nurse, nick: nick("Nurse"), password: nil)
        }
        // Owners pass, up to `privilegedOverflow` more occupants.
        for i in 0..<ServicePolicy.privilegedOverflow {
            let session = try JID(parsing: "romeo@example.org/r\(i)")
            try registry.admit(garden, session: session, nick: nick("Romeo\(i)"), password: nil)
            _ = try registry.join(garden, nick: nick("Romeo\(i)"), session: session)
        }
        #expect(throws: JoinRefusal.full) {
            try registry.admit(
                garden, session: try JID(parsing: "romeo@example.org/more"), nick: nick("More"), password: nil)
        }
        // A room's own lower limit holds.
        #expect(ServicePolicy(maxOccupants: 20).occupantLimit(5) == 5)
        #expect(ServicePolicy(maxOccupants: 20).occupantLimit(nil) == 20)
        #expect(ServicePolicy().occupantLimit(nil) == nil)
        #expect(ServicePolicy(maxOccupants: 20).accepts(maxUsers: 20))
        #expect(!ServicePolicy(maxOccupants: 20).accepts(maxUsers: 21))
        #expect(ServicePolicy(maxOccupants: 20).accepts(maxUsers: nil))
    }

    // MARK: The lock's timeout

    @Test func aLapsedLockUnlocksTheRoomAsItIs() throws {
        var registry = RoomRegistry(services: [service])
        _ = try registry.createRoom(garden, configuration: RoomConfiguration(persistent: false), locked: true)
        let configuration = try registry.room(garden).configuration
        #expect(
            registry.expireLock(garden) == [.configured(garden, configuration, previous: configuration, unlocked: true)]
        )
        #expect(try !registry.room(garden).locked)
        #expect(registry.expireLock(garden).isEmpty)
        #expect(registry.expireLock(orchard).isEmpty)
    }

    // MARK: Invitations (§7.8.2)

    @Test func inAnOpenRoomWhoeverHasVoiceMayInvite() throws {
        var registry = RoomRegistry(services: [service])
        try made(garden, by: romeo, in: &registry)
        _ = try registry.join(garden, nick: nick("Juliet"), session: juliet)
        let room = try registry.room(garden)
        try room.authorizeInvitation(by: juliet)
        // Not in the room: the role it would enter with.
        try room.authorizeInvitation(by: nurse)
        #expect(room.affiliationGranted(toInvitee: nurse) == nil)
        var moderated = room.configuration
        moderated.moderated = true
        _ = try registry.configure(garden, moderated)
        #expect(throws: PermissionRefusal.forbidden) { try registry.room(garden).authorizeInvitation(by: nurse) }
    }

    @Test func inAMembersOnlyRoomAdminsInviteAndMembersOnlyWhenAllowed() throws {
        var registry = RoomRegistry(services: [service], policy: ServicePolicy(admins: [prince]))
        try made(garden, by: romeo, in: &registry, RoomConfiguration(persistent: true, membersOnly: true))
        _ = try registry.setAffiliation(garden, jid: juliet, affiliation: .member, reason: nil, actor: nil)
        _ = try registry.setAffiliation(garden, jid: stranger, affiliation: .outcast, reason: nil, actor: nil)
        var room = try registry.room(garden)
        try room.authorizeInvitation(by: romeo)
        try room.authorizeInvitation(by: prince)
        #expect(throws: PermissionRefusal.forbidden) { try room.authorizeInvitation(by: juliet) }
        #expect(throws: PermissionRefusal.forbidden) { try room.authorizeInvitation(by: nurse) }
        // The invitee becomes a member; a member, an owner or an outcast keeps what it is.
        #expect(room.affiliationGranted(toInvitee: nurse) == .member)
        #expect(room.affiliationGranted(toInvitee: juliet) == nil)
        #expect(room.affiliationGranted(toInvitee: prince) == nil)
        #expect(room.affiliationGranted(toInvitee: stranger) == nil)

        var configuration = room.configuration
        configuration.allowInvites = true
        _ = try registry.configure(garden, configuration)
        room = try registry.room(garden)
        try room.authorizeInvitation(by: juliet)
        #expect(throws: PermissionRefusal.forbidden) { try room.authorizeInvitation(by: nurse) }
    }
}

/// A service admin's affiliation cannot be changed away from owner through a change list (XMPP's muc#admin).
@Suite struct ServiceAdminAffiliationTests {
    @Test func aChangeListMayNotTakeAServiceAdminsOwnershipAway() throws {
        let garden = try RoomAddress(parsing: "garden@chat.example.org")
        let romeo = try JID(parsing: "romeo@example.org/phone")
        let prince = try JID(parsing: "escalus@example.org")
        var registry = RoomRegistry(services: ["chat.example.org"], policy: ServicePolicy(admins: [prince]))
        _ = try registry.createRoom(garden, configuration: RoomConfiguration())
        _ = try registry.setAffiliation(garden, jid: romeo, affiliation: .owner, reason: nil, actor: nil)
        let owner = try registry.room(garden).actor(withSession: romeo)
        for affiliation in [Affiliation.admin, .member, .none, .outcast] {
            #expect(throws: AdminChangeError.refused(.serviceAdmin)) {
                try registry.apply([.setAffiliation(prince, affiliation, reason: nil)], to: garden, by: owner)
            }
        }
        // Making them an owner of the room's own list is allowed, and changes nothing they can do.
        _ = try registry.apply([.setAffiliation(prince, .owner, reason: nil)], to: garden, by: owner)
        #expect(try registry.room(garden).affiliation(of: prince) == .owner)
    }
}

extension ServiceAdminAffiliationTests {
    /// The control socket may write any entry, but a ban (of the admin or of its domain) that does not hold
    /// against a service admin does not throw it out either.
    @Test func aBanThatDoesNotHoldRemovesNoServiceAdmin() throws {
        let garden = try RoomAddress(parsing: "garden@chat.example.org")
        let prince = try JID(parsing: "escalus@example.org/throne")
        var registry = RoomRegistry(services: ["chat.example.org"], policy: ServicePolicy(admins: [prince]))
        _ = try registry.createRoom(garden, configuration: RoomConfiguration())
        _ = try registry.join(garden, nick: try Nickname(parsing: "Prince"), session: prince)
        var events = try registry.setAffiliation(garden, jid: prince, affiliation: .outcast, reason: nil, actor: nil)
        events += try registry.setAffiliation(
            garden, jid: try JID(parsing: "example.org"), affiliation: .outcast, reason: nil, actor: nil)
        #expect(!events.contains { if case .banned = $0 { return true } else { return false } })
        let occupant = try registry.room(garden).occupant(withSession: prince)
        #expect(occupant?.affiliation == .owner && occupant?.role == .moderator)
    }
}
