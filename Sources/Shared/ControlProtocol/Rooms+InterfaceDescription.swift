extension Rooms {
    /// The text of `org.muckick.Rooms.varlink`, embedded at build time: what `GetInterfaceDescription` serves.
    public static let interfaceDescription = String(decoding: PackageResources.org_muckick_Rooms_varlink, as: UTF8.self)
}
