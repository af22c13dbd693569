import StrictJSON

extension Optional where Wrapped == String {
    var json: JSONValue? { map(JSONValue.string) }
}
