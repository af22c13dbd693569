import ControlProtocol
import MUCCore
import NicknameProfile

/// The control socket's nicknames (Join, Leave, Kick; the HTTP kick arrives as a Kick) go through RFC 8266's
/// nickname profile as the XMPP ones do, so that a nickname finds its occupant whatever form that compares
/// equal it is given in (`bob` finds `Bob`, `ﬁ` finds `fi`). The wire's parsing is only syntactic: the
/// responder and roomctl do not link the Unicode data the profile reads.
extension RoomService {
    /// A nickname to join with or to name an occupant by: one the profile refuses is an invalid address.
    static func prepared(_ nick: Nickname, field: String = "nick") throws(RoomsError) -> Nickname {
        do { return try NicknameProfile.nickname(nick.description) } catch {
            throw .invalidAddress(field: field, value: nick.description, error: error)
        }
    }

    /// A kick's target: a nickname the profile refuses can be no occupant's, so it is not found (once the
    /// service and the room are, as for any other nickname).
    func prepared(_ target: KickTarget, in room: RoomAddress) throws(RoomsError) -> KickTarget {
        guard case .nick(let nick) = target else { return target }
        do { return .nick(try NicknameProfile.nickname(nick.description)) } catch {
            do { _ = try registry.room(room) } catch { throw .room(error) }
            throw .room(.occupantNotFound(room, nick: nick, jid: nil))
        }
    }
}
