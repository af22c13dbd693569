/// The `org.muckick.Rooms` interface: its name, methods, access levels and (in extensions) message types.
public enum Rooms {
    public static let interface = "org.muckick.Rooms"

    public static func qualified(_ member: String) -> String { interface + "." + member }
}
