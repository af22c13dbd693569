/// Namespaces bound by XML itself (Namespaces in XML 1.0 §3).
enum XMLNamespace {
    /// Bound to the `xml` prefix, which needs no declaration.
    static let xml = "http://www.w3.org/XML/1998/namespace"
    /// Bound to the `xmlns` prefix: declarations, never attributes.
    static let xmlns = "http://www.w3.org/2000/xmlns/"
}
