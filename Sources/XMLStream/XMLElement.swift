/// An XML element as XMPP uses it: a qualified name, attributes, children and text.
///
/// Names are local names plus a namespace URI; attributes are keyed by their local name (XMPP stanzas use
/// no prefixed attributes besides `xml:lang`, which is kept as `xml:lang`).
public struct XMLElement: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var namespace: String
    public var attributes: [String: String]
    public var children: [XMLNode]

    public init(
        _ name: String, namespace: String = "", attributes: [String: String] = [:], children: [XMLNode] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

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
        for key in attributes.keys.sorted() {
            out += " " + key + "='" + XMLEscaping.attribute(attributes[key]!) + "'"
        }
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
}

public enum XMLNode: Sendable, Equatable {
    case element(XMLElement)
    case text(String)
}

public enum XMLEscaping {
    public static func text(_ value: String) -> String { escape(value, quotes: false) }

    public static func attribute(_ value: String) -> String { escape(value, quotes: true) }

    /// `&`, `<`, `>` always; both quotes too inside attribute values.
    private static func escape(_ value: String, quotes: Bool) -> String {
        func needsEscape(_ byte: UInt8) -> Bool {
            byte == 0x26 || byte == 0x3C || byte == 0x3E || (quotes && (byte == 0x27 || byte == 0x22))
        }
        guard value.utf8.contains(where: needsEscape) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'" where quotes: out += "&apos;"
            case "\"" where quotes: out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
