import StrictJSON

extension Rooms {
    public struct ConfigureRoomReply: VarlinkParameters, Equatable {
        public var configuration: Configuration
        public init(configuration: Configuration) { self.configuration = configuration }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            configuration = try Configuration(reading: try parameters.object("configuration"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("configuration", configuration) }
    }
}
