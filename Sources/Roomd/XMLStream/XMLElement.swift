/// An XML element as XMPP uses it: a qualified name, attributes, children and text.
///
/// Names are local names plus a namespace URI. `attributes` holds the attributes in no namespace, keyed by
/// name, plus `xml:lang`: those are the only ones XMPP gives a meaning to (`from`, `to`, `type`...), and
/// the only ones `subscript(_:)` reaches. Any other attribute in a namespace is in `namespacedAttributes`,
/// so that `p:from` can never be taken for `from`.
public struct XMLElement: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var namespace: String
    public var attributes: [String: String]
    public var namespacedAttributes: [XMLAttribute]
    public var children: [XMLNode]

    public init(
        _ name: String, namespace: String = "", attributes: [String: String] = [:],
        namespacedAttributes: [XMLAttribute] = [], children: [XMLNode] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.namespacedAttributes = namespacedAttributes
        self.children = children
    }

    /// An attribute in no namespace, or `xml:lang`.
    public subscript(attribute: String) -> String? {
        get { attributes[attribute] }
        set { attributes[attribute] = newValue }
    }

    public var elements: [XMLElement] {
        children.compactMap { if case .element(let element) = $0 { return element } else { return nil } }
    }

    public func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        elements.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    public func children(_ name: String, namespace: String? = nil) -> [XMLElement] {
        elements.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// The concatenated text directly inside this element.
    public var text: String {
        children.reduce(into: "") { result, node in
            if case .text(let text) = node { result += text }
        }
    }

    public mutating func append(_ element: XMLElement) {
        children.append(.element(element))
    }

    public mutating func append(text: String) {
        children.append(.text(text))
    }

    /// Builder-style helpers for writing stanzas.
    public func adding(_ element: XMLElement) -> XMLElement {
        var copy = self
        copy.append(element)
        return copy
    }

    public func adding(text: String) -> XMLElement {
        var copy = self
        copy.append(text: text)
        return copy
    }

    public var description: String { serialized(parentNamespace: "") }

    /// The element as XML text. `parentNamespace` is the default namespace in scope: an `xmlns` attribute is
    /// written only where the element's namespace differs from it.
    public func serialized(parentNamespace: String) -> String {
        var out = ""
        write(to: &out, parentNamespace: parentNamespace)
        return out
    }

    func write(to out: inout String, parentNamespace: String) {
        out += "<" + name
        if namespace != parentNamespace {
            out += " xmlns='" + XMLEscaping.attribute(namespace) + "'"
        }
        for key in attributes.keys.sorted() where Self.isWritablePlainKey(key) {
            out += " " + key + "='" + XMLEscaping.attribute(attributes[key]!) + "'"
        }
        writeNamespacedAttributes(to: &out)
        if children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in children {
            switch child {
            case .element(let element): element.write(to: &out, parentNamespace: namespace)
            case .text(let text): out += XMLEscaping.text(text)
            }
        }
        out += "</" + name + ">"
    }

    /// A plain key is written as it is, so it must be one name in no namespace: a key such as `xmlns`,
    /// `xmlns:p` or `p:from` would declare a namespace or claim one, and move the element (or the stanza
    /// around it) somewhere else in the receiver's eyes. `xml:lang` needs no declaration.
    static func isWritablePlainKey(_ key: String) -> Bool {
        key == "xml:lang" || (key != "xmlns" && XMLName.isNCName(key))
    }

    /// Each namespace gets a prefix declared on this very element, whatever the sender's prefixes were, so
    /// that no prefix in scope outside can change what is written. Attributes that could not be read back as
    /// written are left out: no namespace (those belong in `attributes`), the `xmlns` namespace
    /// (declarations, not attributes), a local name that is not an NCName, a second one with the same name.
    private func writeNamespacedAttributes(to out: inout String) {
        guard !namespacedAttributes.isEmpty else { return }
        var prefixes: [String: String] = [:]
        var written: Set<XMLAttribute> = []
        for attribute in namespacedAttributes {
            guard !attribute.namespace.isEmpty, attribute.namespace != XMLNamespace.xmlns,
                XMLName.isNCName(attribute.localName)
            else { continue }
            let key = XMLAttribute(namespace: attribute.namespace, localName: attribute.localName, value: "")
            guard written.insert(key).inserted else { continue }
            let prefix: String
            if attribute.namespace == XMLNamespace.xml {
                if attribute.localName == "lang", attributes["xml:lang"] != nil { continue }
                prefix = "xml"
            } else if let known = prefixes[attribute.namespace] {
                prefix = known
            } else {
                prefix = "ns\(prefixes.count + 1)"
                prefixes[attribute.namespace] = prefix
                out += " xmlns:" + prefix + "='" + XMLEscaping.attribute(attribute.namespace) + "'"
            }
            out += " " + prefix + ":" + attribute.localName + "='" + XMLEscaping.attribute(attribute.value) + "'"
        }
    }
}
