/// Why an actor may not make a change, in XEP-0045's two conditions.
public enum PermissionRefusal: Error, Equatable, Sendable {
    /// The actor may not make changes of this kind at all (not a moderator, not an owner or admin).
    case forbidden
    /// The actor may make such changes, but not to this target (it outranks the actor, or is protected).
    case notAllowed
    /// The target is a service admin (`ServicePolicy.admins`), an owner of every room whatever the room's
    /// list says: as Prosody refuses to change a server admin's affiliation away from owner.
    case serviceAdmin
}
