/// Reads a request body within a limit, with or without a declared length.
enum BodyReader {
    enum Outcome: Equatable {
        case read([UInt8])
        /// Over the limit, by the declared length (not read at all) or while reading.
        case tooLarge
        /// The declared length is not a decimal number (`-1`, `12abc`, ` 5`): nothing is read.
        case invalidLength
    }

    /// `readChunk(buffer, capacity)` returns the bytes read, 0 at the end.
    static func read(
        contentLength: String?, maxBodySize: Int, readChunk: (UnsafeMutablePointer<CChar>, Int) -> Int
    ) -> Outcome {
        var expected: Int?
        if let text = contentLength, !text.isEmpty {
            guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return .invalidLength
            }
            // All digits: a number too large for Int is over any limit.
            guard let length = Int(text), length <= maxBodySize else { return .tooLarge }
            expected = length
        }
        // Without a length (chunked upload), read to the end, but never more than one byte past the limit.
        let wanted = expected ?? (maxBodySize + 1)
        var body = [UInt8](repeating: 0, count: wanted)
        var total = 0
        while total < wanted {
            let count = body.withUnsafeMutableBytes { raw in
                readChunk(raw.baseAddress!.advanced(by: total).assumingMemoryBound(to: CChar.self), wanted - total)
            }
            if count <= 0 { break }
            total += count
        }
        body.removeSubrange(total...)
        return total > maxBodySize ? .tooLarge : .read(body)
    }
}
