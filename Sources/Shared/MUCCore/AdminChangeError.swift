/// Why a change list was refused as a whole (nothing of it applied).
public enum AdminChangeError: Error, Equatable, Sendable {
    /// The rule of who may change whom refused one of the changes.
    case refused(PermissionRefusal)
    /// One of the changes cannot apply (its occupant or its room is gone).
    case failed(MUCError)
}
