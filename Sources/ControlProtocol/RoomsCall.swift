/// The parameters of one method of `org.muckick.Rooms`, tied to the method and to its reply.
public protocol RoomsCall: VarlinkParameters {
    associatedtype Reply: VarlinkParameters
    static var method: Rooms.Method { get }
}
