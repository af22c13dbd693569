import StrictJSON

extension VarlinkService {
    /// The reply of `GetInterfaceDescription`.
    public struct InterfaceDescription: VarlinkParameters, Equatable {
        public var description: String
        public init(description: String) { self.description = description }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            description = try parameters.string("description")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("description", description) }
    }
}
