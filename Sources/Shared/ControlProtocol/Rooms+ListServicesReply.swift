import StrictJSON

extension Rooms {
    public struct ListServicesReply: VarlinkParameters, Equatable {
        public var services: [String]
        public init(services: [String]) { self.services = services }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            services = try parameters.strings("services")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("services", services) }
    }
}
