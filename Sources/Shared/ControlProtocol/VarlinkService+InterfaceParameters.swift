import StrictJSON

extension VarlinkService {
    /// The parameters of `GetInterfaceDescription`.
    public struct InterfaceParameters: VarlinkParameters, Equatable {
        public var interface: String
        public init(interface: String) { self.interface = interface }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            interface = try parameters.string("interface")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("interface", interface) }
    }
}
