import StrictJSON

extension Rooms {
    /// Who the token made the connection's caller, and what that caller may do.
    public struct AuthenticateReply: VarlinkParameters, Equatable {
        public var caller: String
        public var level: AccessLevel
        public init(caller: String, level: AccessLevel) {
            self.caller = caller
            self.level = level
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            caller = try parameters.string("caller")
            guard let level = AccessLevel(name: try parameters.string("level")) else {
                throw RoomsError.invalidParameter("level")
            }
            self.level = level
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("caller", caller)
            writer.field("level", level.description)
        }
    }
}
