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
    /// XEP-0122: the datatype and range of a form field.
    public static let dataValidate = "http://jabber.org/protocol/xdata-validate"
    /// XEP-0203: when a stanza was first sent, on a history message.
    public static let delay = "urn:xmpp:delay"
    /// XEP-0091, the old delay that XEP-0203 replaced.
    public static let legacyDelay = "jabber:x:delay"
    /// XEP-0334: hints about storing a message.
    public static let hints = "urn:xmpp:hints"
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    public static let ping = "urn:xmpp:ping"
    public static let mucSelfPingOptimization = "http://jabber.org/protocol/muc#self-ping-optimization"
}
