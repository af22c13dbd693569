import XMLStream

/// Where a component stream passes up what it reads and how it ends. The stream holds its delegate weakly:
/// the delegate (the room service) owns the streams, through the `ComponentHub`.
protocol ComponentConnectionDelegate: AnyObject {
    /// A stanza from the XMPP server, once the stream is authenticated.
    func component(_ link: ComponentConnection, received stanza: XMLElement)
    /// Stanzas the stream itself answers with (a refusal of a stanza nested too deep), sent in turn order.
    func component(_ link: ComponentConnection, send stanzas: [XMLElement])
    /// The stream ended, whatever the cause, while roomd was not stopping it.
    func componentStreamLost(_ link: ComponentConnection)
    /// roomd stops the stream: what its XMPP occupants must be told before it ends.
    func componentStopping(_ link: ComponentConnection) -> [XMLElement]
}
