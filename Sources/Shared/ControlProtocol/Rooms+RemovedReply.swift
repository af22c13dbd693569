import StrictJSON

extension Rooms {
    /// The reply of `DestroyRoom` and `SetAffiliation`: the occupants taken out.
    public struct RemovedReply: VarlinkParameters, Equatable {
        public var removed: [Removed]
        public init(removed: [Removed]) { self.removed = removed }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            removed = try parameters.objects("removed") { reader throws(RoomsError) in try Removed(reading: reader) }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("removed", removed) }
    }
}
