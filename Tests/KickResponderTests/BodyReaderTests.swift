import Testing

@testable import KickResponder

@Suite struct BodyReaderTests {
    /// Reads `data` through `BodyReader` in chunks of at most 3 bytes, as a slow client would send it.
    static func read(_ data: String, contentLength: String?, limit: Int = 16) -> BodyReader.Outcome {
        var remaining = Array(data.utf8)[...]
        return BodyReader.read(contentLength: contentLength, maxBodySize: limit) { buffer, capacity in
            let count = min(capacity, 3, remaining.count)
            for index in 0..<count { buffer[index] = CChar(bitPattern: remaining[remaining.startIndex + index]) }
            remaining = remaining.dropFirst(count)
            return count
        }
    }

    @Test(arguments: ["-1", "12abc", " 5", "5 ", "+5", "0x10", "1e3", "５"])
    func aLengthThatIsNotDecimalDigitsIsInvalid(length: String) {
        #expect(Self.read("hello", contentLength: length) == .invalidLength)
    }

    @Test func lengthsAndLimits() {
        #expect(Self.read("hello", contentLength: "5") == .read(Array("hello".utf8)))
        #expect(Self.read("hello", contentLength: "3") == .read(Array("hel".utf8)))
        #expect(Self.read("", contentLength: "0") == .read([]))
        #expect(Self.read("x", contentLength: "17") == .tooLarge)
        #expect(Self.read("x", contentLength: "99999999999999999999999") == .tooLarge)
        // Chunked (no length): read to the end, refused one byte past the limit.
        #expect(Self.read(String(repeating: "a", count: 16), contentLength: nil) == .read(Array(repeating: 97, count: 16)))
        #expect(Self.read(String(repeating: "a", count: 17), contentLength: nil) == .tooLarge)
        #expect(Self.read("hi", contentLength: "") == .read(Array("hi".utf8)))
    }
}
