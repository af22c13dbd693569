import StrictJSON

extension Rooms {
    public struct GetAuditReply: VarlinkParameters, Equatable {
        public var records: [AuditRecord]
        public init(records: [AuditRecord]) { self.records = records }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            records = try parameters.objects("records") { reader throws(RoomsError) in
                try AuditRecord(reading: reader)
            }
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("records", records) }
    }
}
