import MUCCore
import XMLStream

/// What one inbound stanza leads to, in the order it must happen.
public struct StanzaOutcome: Sendable {
    /// Sent before the events' presences (e.g. the occupant list a joiner receives first).
    public var before: [XMLElement] = []
    /// Room transitions: the caller records them and asks `render` for their presences.
    public var events: [RoomEvent] = []
    /// Sent after the events' presences (the subject after a join, an iq result...).
    public var after: [XMLElement] = []

    public init(before: [XMLElement] = [], events: [RoomEvent] = [], after: [XMLElement] = []) {
        self.before = before
        self.events = events
        self.after = after
    }
}
