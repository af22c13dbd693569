/// XML namespaces of the protocols the component speaks.
public enum Namespace {
    public static let component = "jabber:component:accept"
    public static let streams = "http://etherx.jabber.org/streams"
    public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    public static let stanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
    public static let muc = "http://jabber.org/protocol/muc"
    public static let mucUser = "http://jabber.org/protocol/muc#user"
    public static let mucAdmin = "http://jabber.org/protocol/muc#admin"
    public static let mucOwner = "http://jabber.org/protocol/muc#owner"
    public static let mucRoomConfig = "http://jabber.org/protocol/muc#roomconfig"
    public static let mucRoomInfo = "http://jabber.org/protocol/muc#roominfo"
    public static let dataForms = "jabber:x:data"
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    public static let ping = "urn:xmpp:ping"
    public static let mucSelfPingOptimization = "http://jabber.org/protocol/muc#self-ping-optimization"
}
