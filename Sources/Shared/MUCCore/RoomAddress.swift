/// The bare JID of a room, `node@service`: a JID with a node and without a resource.
public struct RoomAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let jid: JID

    public init(parsing text: String) throws(AddressError) {
        let jid = try JID(parsing: text)
        if !jid.hasNode { throw .missingNode }
        if !jid.isBare { throw .unexpectedResource }
        self.jid = jid
    }

    public var description: String { jid.description }
    public var node: String { jid.node ?? "" }
    public var service: String { jid.domain }

    public static func < (lhs: RoomAddress, rhs: RoomAddress) -> Bool { lhs.jid < rhs.jid }
}
