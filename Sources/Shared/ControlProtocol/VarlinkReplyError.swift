/// Why a frame did not give a reply.
public enum VarlinkReplyError: Error, Equatable, Sendable {
    /// The peer answered with an error.
    case remote(RoomsError)
    /// Not a varlink reply (the text's start, for a log).
    case malformed(String)
    /// A reply whose parameters are not the method's (the first field that does not read).
    case mismatch(RoomsError)
}
