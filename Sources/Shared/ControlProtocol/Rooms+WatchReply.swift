import StrictJSON

extension Rooms {
    public struct WatchReply: VarlinkParameters, Equatable {
        public var event: Event
        public init(event: Event) { self.event = event }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            event = try Event(reading: try parameters.object("event"))
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("event", event) }
    }
}
