import CExpat

@testable import XMLStream

/// libFuzzer's entry point: the input is an XMPP stream as a peer could send it.
///
/// It is fed whole, then split in two at a point derived from its bytes, and checks what must hold however
/// the reads fall: the split run finds what the whole run found (all of it when the input ends between
/// tokens, since a stanza must come out of the read with its last byte), and fails the same way; no
/// element has a plain attribute key that claims a namespace; every element reads back as itself once
/// written.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXMLStream(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: count)
    let whole = Run(bytes, split: nil)
    let split = Run(bytes, split: Int(bytes.reduce(UInt(0)) { $0 &* 31 &+ UInt($1) } % UInt(count + 1)))
    switch (whole.result, split.result) {
    case (.success(let all), .success(let some)):
        check(some.count <= all.count && Array(all.prefix(some.count)) == some, "split run differs")
        if split.endsBetweenTokens, muckick_expat_has_reparse_deferral() != 0 {
            check(some == all, "split run held back a stanza that had ended")
        }
        for event in all { checkRoundTrip(event) }
    case (.failure(let a), .failure(let b)):
        check(a.condition == b.condition, "whole run failed with \(a), split run with \(b)")
    case (.failure, .success):
        break  // the split run may still be holding back the bytes that fail
    case (.success(let all), .failure(let error)):
        // Outside the stream's root element expat judges a name that ends a read as junk at once, while the
        // same name followed by a partial character waits for more bytes: which run fails first there is
        // expat's business (the stream is over, or never began). Inside it, both must agree.
        let outsideRoot =
            all.last == .streamClosed || !all.contains { if case .streamOpened = $0 { true } else { false } }
        check(outsideRoot, "only the split run failed: \(error)")
    }
    return 0
}

private struct Run {
    let result: Result<[XMLStreamEvent], XMLStreamError>
    let endsBetweenTokens: Bool

    init(_ bytes: UnsafeRawBufferPointer, split: Int?) {
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        var scanner = XMLLexicalScanner()
        scanner.scan(bytes)
        endsBetweenTokens = scanner.isBetweenTokens
        do {
            if let split {
                events += try parser.feed(UnsafeRawBufferPointer(rebasing: bytes[..<split]))
                events += try parser.feed(UnsafeRawBufferPointer(rebasing: bytes[split...]))
            } else {
                events += try parser.feed(bytes)
            }
            result = .success(events)
        } catch {
            result = .failure(error)
        }
    }
}

private let streamHeader = Array(
    "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>".utf8)

private func checkRoundTrip(_ event: XMLStreamEvent) {
    switch event {
    case .streamOpened(let attributes):
        checkPlainKeys(attributes)
    case .element(let element), .refusedTooDeep(let element):
        checkPlainKeys(element)
        let written = element.serialized(parentNamespace: "jabber:component:accept")
        let parser = XMLStreamParser()
        do {
            let events = try parser.feed(streamHeader + Array(written.utf8))
            check(events.count == 2 && events[1] == .element(element), "\(written) reads back as \(events)")
        } catch {
            check(false, "\(written) does not read back: \(error)")
        }
    case .streamClosed:
        break
    }
}

private func checkPlainKeys(_ element: XMLElement) {
    checkPlainKeys(element.attributes)
    for child in element.elements { checkPlainKeys(child) }
}

private func checkPlainKeys(_ attributes: [String: String]) {
    for key in attributes.keys {
        check(key == "xml:lang" || (!key.contains(":") && key != "xmlns"), "plain attribute key \(key)")
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        fatalError("FuzzXMLStream: \(message())")
    }
}
