import StrictJSON

extension VarlinkService {
    /// The reply of `GetInfo`.
    public struct Info: VarlinkParameters, Equatable {
        public var vendor: String
        public var product: String
        public var version: String
        public var url: String
        public var interfaces: [String]
        public init(vendor: String, product: String, version: String, url: String, interfaces: [String]) {
            self.vendor = vendor
            self.product = product
            self.version = version
            self.url = url
            self.interfaces = interfaces
        }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            vendor = try parameters.string("vendor")
            product = try parameters.string("product")
            version = try parameters.string("version")
            url = try parameters.string("url")
            interfaces = try parameters.strings("interfaces")
        }
        public func writeMembers(to writer: inout JSONWriter) {
            writer.field("vendor", vendor)
            writer.field("product", product)
            writer.field("version", version)
            writer.field("url", url)
            writer.field("interfaces", interfaces)
        }
    }
}
