import StrictJSON

extension Rooms {
    /// A bearer token, presented once on a TLS connection before the calls it is for. A call of its own
    /// rather than a field of every call: the token crosses the wire once per connection, roomd hashes it
    /// once, and the other methods' parameters (and the responder's hot path) stay as they are.
    public struct AuthenticateParameters: RoomsCall, Equatable {
        public typealias Reply = AuthenticateReply
        public static var method: Method { .authenticate }
        public var token: String
        public init(token: String) { self.token = token }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            token = try parameters.string("token")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("token", token) }
    }
}
