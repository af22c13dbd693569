import ControlProtocol
import StrictJSON

/// Parameters sent as the command line gave them, when the contract's reader refuses them.
struct RawParameters: VarlinkParameters {
    let object: JSONObject
    init(_ object: JSONObject) { self.object = object }
    init(reading parameters: ParameterReader) throws(RoomsError) { object = parameters.object }
    func writeMembers(to writer: inout JSONWriter) {
        for member in object.members {
            writer.key(member.key)
            writer.value(member.value)
        }
    }
}
