/// The parameters of one method of `org.muckick.Rooms`, tied to the method and to its reply.
///
/// roomd reads a call's parameters with `init(reading:)` and writes the reply with `writeMembers(to:)`;
/// clients do the opposite with the same code. Each reader checks its fields in the order roomd always has,
/// so the first bad field is the one named in the error.
public protocol RoomsCall: VarlinkParameters {
    associatedtype Reply: VarlinkParameters
    static var method: Rooms.Method { get }
}
