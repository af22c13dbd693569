import MUCCore
import StrictJSON

extension Rooms {
    /// Called with `"more": true`; each reply carries one event.
    public struct WatchParameters: RoomsCall, Equatable {
        public typealias Reply = WatchReply
        public static var method: Method { .watch }
        public var room: RoomAddress?
        public init(room: RoomAddress? = nil) { self.room = room }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            room = try parameters.optionalRoom("room")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("room", room?.description) }
    }
}
