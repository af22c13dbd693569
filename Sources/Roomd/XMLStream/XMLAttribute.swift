/// An attribute in a namespace: `p:from='v'` with `xmlns:p='urn:x'` is (`urn:x`, `from`, `v`).
///
/// Kept apart from an element's plain attributes so that a namespaced attribute can never stand in for the
/// un-namespaced one of the same local name (the server-stamped `from` of a stanza, say).
public struct XMLAttribute: Sendable, Equatable, Hashable {
    public var namespace: String
    public var localName: String
    public var value: String

    public init(namespace: String, localName: String, value: String) {
        self.namespace = namespace
        self.localName = localName
        self.value = value
    }
}
