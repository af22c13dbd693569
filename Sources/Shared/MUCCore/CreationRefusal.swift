/// Why the service policy refuses a user the creation of a room (`RoomRegistry.checkCreation`).
public enum CreationRefusal: Error, Sendable, Equatable {
    /// Creation is restricted to local users or to service admins, and the user is neither.
    case restricted
    /// The user already has `limit` rooms it created that still exist.
    case tooManyRooms(limit: Int)
}
