import Glibc
import Testing
import XMLStream

/// The fuzzer's seed corpus, replayed with its properties on every `swift test`: the fuzzer itself needs a
/// separate build (Tests/Fuzz/run.sh).
@Suite struct FuzzCorpusReplayTests {
    /// Tests/Fuzz/corpus/xmlstream, from Tests/XMLStreamTests/<this file>.
    static let corpus: String =
        "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        + "/Fuzz/corpus/xmlstream"

    static var seeds: [String] {
        guard let directory = opendir(corpus) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    static func read(_ name: String) -> [UInt8] {
        guard let file = fopen(corpus + "/" + name, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[..<count]
        }
        return bytes
    }

    @Test func theCorpusIsThere() {
        #expect(Self.seeds.count >= 10)
    }

    @Test(arguments: seeds)
    func seedParsesAlikeInAnyReadsAndEveryStanzaReadsBackAsItself(seed: String) throws {
        let bytes = Self.read(seed)
        #expect(!bytes.isEmpty)
        let whole = try XMLStreamParser().feed(bytes)
        #expect(whole.contains { if case .element = $0 { true } else { false } } || seed == "stream-header")
        let parser = XMLStreamParser()
        var byteByByte: [XMLStreamEvent] = []
        for byte in bytes { byteByByte += try parser.feed([byte]) }
        #expect(byteByByte == whole)
        let header = Array(
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>".utf8)
        for case .element(let element) in whole {
            for key in element.attributes.keys {
                #expect(key == "xml:lang" || (!key.contains(":") && key != "xmlns"))
            }
            let written = element.serialized(parentNamespace: "jabber:component:accept")
            let events = try XMLStreamParser().feed(header + Array(written.utf8))
            #expect(events.last == .element(element), "\(written)")
        }
    }
}
