public enum XMLNode: Sendable, Equatable {
    case element(XMLElement)
    case text(String)
}
