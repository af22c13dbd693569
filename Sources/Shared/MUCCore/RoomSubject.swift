/// A room's subject (XEP-0045 §8.1) and the nickname that set it; durable, as in Prosody.
public struct RoomSubject: Sendable, Equatable {
    public var text: String
    /// The nickname of the occupant who set it.
    public var by: String

    public init(text: String, by: String) {
        self.text = text
        self.by = by
    }
}
