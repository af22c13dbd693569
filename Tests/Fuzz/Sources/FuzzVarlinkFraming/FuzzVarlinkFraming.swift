import ControlFraming
import NIOCore

/// libFuzzer's entry point: the input is what a local process writes to roomd's control socket.
///
/// The splitter must give the same messages however the bytes arrive: the input is split whole, then in
/// pieces whose sizes come from its own bytes (as reads of a socket would cut it), and both runs must
/// produce the same frames; a frame never holds a terminator, never exceeds the limit, and nothing is
/// framed after an overflow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVarlinkFraming(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    // A small limit, so the overflow path is reached by inputs of fuzzing size.
    let limit = 64
    let whole = frames(of: [bytes[...]], limit: limit)
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    var seed = bytes.reduce(UInt(7)) { $0 &* 31 &+ UInt($1) }
    while start < bytes.count {
        let size = 1 + Int(seed % 17)
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let end = min(bytes.count, start + size)
        pieces.append(bytes[start..<end])
        start = end
    }
    let split = frames(of: pieces, limit: limit)
    guard whole == split else { fatalError("framing depends on how the bytes arrive") }
    for (index, frame) in whole.enumerated() {
        guard let message = frame else {
            guard index == whole.count - 1 else { fatalError("a frame after an overflow") }
            continue
        }
        guard message.count <= limit, !message.contains(0) else { fatalError("a frame over the limit or with a NUL") }
    }
    return 0
}

/// The frames of the input fed in `pieces`: a message's bytes, or nil for the overflow.
private func frames(of pieces: [ArraySlice<UInt8>], limit: Int) -> [[UInt8]?] {
    var splitter = VarlinkFrameSplitter(maxMessageSize: limit)
    var buffer = ByteBuffer()
    var result: [[UInt8]?] = []
    for piece in pieces {
        buffer.writeBytes(piece)
        while let frame = splitter.next(&buffer) {
            switch frame {
            case .message(let message): result.append(Array(message.readableBytesView))
            case .tooLarge: result.append(nil)
            }
        }
        buffer.discardReadBytes()
    }
    return result
}
