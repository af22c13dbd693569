/// The room daemon as the HTTP core sees it; the responder implements it over the control socket.
public protocol RoomKicker {
    func kick(_ command: KickCommand) throws(KickFailure) -> [KickedOccupant]
}
