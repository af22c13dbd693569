import StrictJSON

extension Rooms {
    public struct KickReply: VarlinkParameters, Equatable {
        public var kicked: [Removed]
        public init(kicked: [Removed]) { self.kicked = kicked }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            kicked = try parameters.objects("kicked") { reader throws(RoomsError) in try Removed(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("kicked", kicked) }
    }
}
