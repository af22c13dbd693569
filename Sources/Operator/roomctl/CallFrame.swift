import ControlProtocol
import StrictJSON

/// How roomctl writes a call.
enum CallFrame {
    /// The call, written by the contract's own type once the contract's reader accepts the values. Values
    /// it refuses go to roomd as given, so that roomd's answer (a refused permission before a bad value)
    /// stays the one an operator sees.
    static func frame<Call: RoomsCall>(_ type: Call.Type, _ arguments: JSONObject, more: Bool = false) -> [UInt8] {
        if let call = try? Call(reading: ParameterReader(object: arguments)) {
            return VarlinkCall.framed(call, more: more)
        }
        return VarlinkCall.framed(method: Call.method.qualifiedName, more: more, RawParameters(arguments))
    }
}
