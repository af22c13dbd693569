import StrictJSON

extension Rooms {
    public struct ListRoomsParameters: RoomsCall, Equatable {
        public typealias Reply = ListRoomsReply
        public static var method: Method { .listRooms }
        /// A domain, compared as roomd's registry does; not parsed as an address.
        public var service: String?
        public init(service: String? = nil) { self.service = service }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            service = try parameters.optionalString("service")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("service", service) }
    }
}
