import StrictJSON

extension Rooms {
    public struct ListServicesParameters: RoomsCall, Equatable {
        public typealias Reply = ListServicesReply
        public static var method: Method { .listServices }
        public init() {}
        public init(reading parameters: ParameterReader) throws(RoomsError) {}
        public func writeMembers(to writer: inout JSONWriter) {}
    }
}
