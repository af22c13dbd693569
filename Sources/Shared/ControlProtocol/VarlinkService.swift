import StrictJSON

/// `org.varlink.service`, which every varlink service implements: introspection.
public enum VarlinkService {
    public static let interface = "org.varlink.service"

    public static let description = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """

    public static func qualified(_ member: String) -> String { interface + "." + member }

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

    /// The parameters of `GetInterfaceDescription`.
    public struct InterfaceParameters: VarlinkParameters, Equatable {
        public var interface: String
        public init(interface: String) { self.interface = interface }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            interface = try parameters.string("interface")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("interface", interface) }
    }

    /// The reply of `GetInterfaceDescription`.
    public struct InterfaceDescription: VarlinkParameters, Equatable {
        public var description: String
        public init(description: String) { self.description = description }
        public init(reading parameters: ParameterReader) throws(RoomsError) {
            description = try parameters.string("description")
        }
        public func writeMembers(to writer: inout JSONWriter) { writer.field("description", description) }
    }
}
