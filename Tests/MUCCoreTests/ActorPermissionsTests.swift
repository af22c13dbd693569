import Testing

@testable import MUCCore

/// The one rule of who may kick, ban or change whom, as a table: the control socket's system actor and
/// XEP-0045's occupants (§8.2, §9, §10).
@Suite struct ActorPermissionsTests {
    static let everyAffiliation = Affiliation.allCases

    static func occupant(_ role: Role, _ affiliation: Affiliation) -> Actor {
        .occupant(nick: try! Nickname(parsing: "actor"), role: role, affiliation: affiliation)
    }

    static func kick(_ actor: Actor, _ target: Affiliation) -> PermissionRefusal? {
        do {
            try actor.authorizeKick(of: target)
            return nil
        } catch {
            return error
        }
    }

    static func change(_ actor: Actor, from current: Affiliation, to new: Affiliation) -> PermissionRefusal? {
        do {
            try actor.authorizeAffiliationChange(from: current, to: new)
            return nil
        } catch {
            return error
        }
    }

    @Test func theSystemKicksAnyoneUnlessItProtectsOwnersAndAdmins() {
        for target in Self.everyAffiliation {
            #expect(Self.kick(.system(name: nil, protectPrivileged: false), target) == nil)
            let protected = Self.kick(.system(name: "ops", protectPrivileged: true), target)
            #expect(protected == (target == .owner || target == .admin ? .notAllowed : nil), "\(target)")
        }
    }

    @Test func onlyModeratorsKick() {
        for role in [Role.participant, .visitor, .none] {
            for affiliation in Self.everyAffiliation {
                for target in Self.everyAffiliation {
                    #expect(Self.kick(Self.occupant(role, affiliation), target) == .forbidden)
                }
                #expect(throws: PermissionRefusal.forbidden) {
                    try Self.occupant(role, affiliation).authorizeRoleChange()
                }
            }
        }
        #expect(Self.kick(Self.occupant(.moderator, .none), .none) == nil)
    }

    /// Section 8.2: nobody kicks an owner or admin of a higher affiliation than its own.
    @Test func aModeratorKicksNobodyWhoOutranksItAmongOwnersAndAdmins() {
        let table: [(actor: Affiliation, target: Affiliation, refused: Bool)] = [
            (.owner, .owner, false), (.owner, .admin, false), (.owner, .member, false), (.owner, .none, false),
            (.admin, .owner, true), (.admin, .admin, false), (.admin, .member, false), (.admin, .none, false),
            (.member, .owner, true), (.member, .admin, true), (.member, .member, false), (.member, .none, false),
            (.none, .owner, true), (.none, .admin, true), (.none, .member, false), (.none, .none, false),
        ]
        for row in table {
            let refusal = Self.kick(Self.occupant(.moderator, row.actor), row.target)
            #expect(refusal == (row.refused ? .notAllowed : nil), "\(row.actor) kicking \(row.target)")
        }
    }

    @Test func theSystemSetsAnyAffiliation() {
        for current in Self.everyAffiliation {
            for new in Self.everyAffiliation {
                #expect(Self.change(.system(name: nil, protectPrivileged: true), from: current, to: new) == nil)
            }
        }
    }

    /// Sections 9–10: owners change any affiliation, admins only between member, none and outcast, nobody
    /// else any (whatever their role).
    @Test func ownersAndAdminsChangeAffiliationsAdminsOnlyBelowThemselves() {
        for role in Role.allCases {
            for current in Self.everyAffiliation {
                for new in Self.everyAffiliation {
                    #expect(Self.change(Self.occupant(role, .owner), from: current, to: new) == nil)
                    let byAdmin = Self.change(Self.occupant(role, .admin), from: current, to: new)
                    let touchesPrivileged = current.isPrivileged || new.isPrivileged
                    #expect(byAdmin == (touchesPrivileged ? .notAllowed : nil), "admin: \(current) -> \(new)")
                    for affiliation in [Affiliation.member, .none, .outcast] {
                        #expect(Self.change(Self.occupant(role, affiliation), from: current, to: new) == .forbidden)
                    }
                }
            }
        }
    }

    static func role(_ actor: Actor, of target: Affiliation, from current: Role, to new: Role) -> PermissionRefusal? {
        do {
            try actor.authorizeRoleChange(of: target, from: current, to: new)
            return nil
        } catch {
            return error
        }
    }

    /// §8.3–8.4, §9.6–9.7 with Prosody's `may_set_role`: only moderators change roles; nobody touches a user
    /// of a higher affiliation; moderator is granted and taken by owners and admins only; nobody takes an
    /// owner's or admin's voice; an admin takes no owner's or admin's moderator status.
    @Test func whoMayGiveWhomWhichRole() {
        for role in [Role.participant, .visitor, .none] {
            for affiliation in Self.everyAffiliation {
                #expect(
                    Self.role(Self.occupant(role, affiliation), of: .none, from: .visitor, to: .participant)
                        == .forbidden)
            }
        }
        let system = Actor.system(name: nil, protectPrivileged: true)
        for target in Self.everyAffiliation {
            #expect(Self.role(system, of: target, from: .moderator, to: .visitor) == nil)
        }
        let owner = Self.occupant(.moderator, .owner)
        let admin = Self.occupant(.moderator, .admin)
        let member = Self.occupant(.moderator, .member)
        let unaffiliated = Self.occupant(.moderator, .none)
        let table: [(Actor, Affiliation, Role, Role, PermissionRefusal?)] = [
            // §8.3, §8.4: voice, by any moderator, to someone not above it
            (unaffiliated, .none, .visitor, .participant, nil), (unaffiliated, .none, .participant, .visitor, nil),
            (unaffiliated, .member, .participant, .visitor, .notAllowed),
            (member, .member, .participant, .visitor, nil),
            (admin, .member, .visitor, .participant, nil), (owner, .none, .participant, .visitor, nil),
            // §8.4: nobody takes an owner's or admin's voice
            (owner, .admin, .participant, .visitor, .notAllowed), (owner, .owner, .moderator, .visitor, .notAllowed),
            (admin, .admin, .moderator, .visitor, .notAllowed),
            // §9.6, §9.7: moderator, by owners and admins only
            (admin, .member, .participant, .moderator, nil), (owner, .none, .visitor, .moderator, nil),
            (member, .none, .participant, .moderator, .notAllowed),
            (unaffiliated, .none, .moderator, .participant, .notAllowed),
            (admin, .none, .moderator, .participant, nil), (owner, .admin, .moderator, .participant, nil),
            (owner, .owner, .moderator, .participant, nil),
            // §9.7: an admin takes no owner's or admin's moderator status
            (admin, .admin, .moderator, .participant, .notAllowed),
            (admin, .owner, .moderator, .participant, .notAllowed),
        ]
        for (actor, target, current, new, refusal) in table {
            #expect(
                Self.role(actor, of: target, from: current, to: new) == refusal,
                "\(actor): \(target) \(current) -> \(new)")
        }
    }

    @Test func anActorIsNamedByItsNicknameOrTheSystemsName() {
        #expect(Actor.system(name: "ops", protectPrivileged: false).name == "ops")
        #expect(Actor.system(name: nil, protectPrivileged: false).name == nil)
        #expect(Self.occupant(.moderator, .owner).name == "actor")
        #expect(Actor.occupant(nick: nil, role: .none, affiliation: .owner).name == nil)
    }
}
