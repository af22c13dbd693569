import MUCCore
import StrictJSON

extension Rooms {
    public struct GetAuditParameters: RoomsCall, Equatable {
        public typealias Reply = GetAuditReply
        public static var method: Method { .getAudit }
        public static let defaultLimit = 100
        public static let maxLimit = 10_000
        public var room: RoomAddress?
        /// 1 to `maxLimit`; absent: `defaultLimit`.
        public var limit: Int?
        public init(room: RoomAddress? = nil, limit: Int? = nil) {
            self.room = room
            self.limit = limit
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.optionalRoom("room")
            if let limit = try parameters.optionalInt("limit") {
                guard (1...Int64(Self.maxLimit)).contains(limit) else { throw .invalidParameter("limit") }
                self.limit = Int(limit)
            }
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("room", room?.description)
            if let limit { writer.field("limit", Int64(limit)) }
        }
    }
}
