/// An occupant roomd removed.
public struct KickedOccupant: Sendable, Equatable {
    public var nickname: String
    public var jids: [String]

    public init(nickname: String, jids: [String]) {
        self.nickname = nickname
        self.jids = jids
    }
}
