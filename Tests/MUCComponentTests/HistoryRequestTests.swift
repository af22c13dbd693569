import Testing
import XMLStream

@testable import MUCComponent

@Suite("HistoryRequest") struct HistoryRequestTests {
    func muc(_ attributes: [String: String]?) -> XMLElement {
        var x = XMLElement("x", namespace: Namespace.muc)
        if let attributes { x.append(XMLElement("history", namespace: Namespace.muc, attributes: attributes)) }
        return x
    }

    @Test func noHistoryElementOrAnEmptyOneAsksForTheRoomsDefault() {
        #expect(HistoryRequest(muc: muc(nil), now: 100).isDefault)
        #expect(HistoryRequest(muc: muc([:]), now: 100).isDefault)
        #expect(HistoryRequest(muc: nil, now: 100).isDefault)
    }

    @Test func eachAttributeIsRead() {
        let request = HistoryRequest(
            muc: muc(["maxchars": "65000", "maxstanzas": "20", "since": "1970-01-01T00:01:40Z"]), now: 1000)
        #expect(request == HistoryRequest(maxChars: 65000, maxStanzas: 20, since: 100))
    }

    /// Prosody's `parse_history`: `seconds` counts back from now, and with `since` the later of the two wins.
    @Test func secondsCountBackFromNowAndTheLaterOfSecondsAndSinceWins() {
        #expect(HistoryRequest(muc: muc(["seconds": "180"]), now: 1000).since == 820)
        let later = HistoryRequest(muc: muc(["seconds": "180", "since": "1970-01-01T00:15:00Z"]), now: 1000)
        #expect(later.since == 900)
        let earlier = HistoryRequest(muc: muc(["seconds": "180", "since": "1970-01-01T00:01:00Z"]), now: 1000)
        #expect(earlier.since == 820)
    }

    /// What Prosody's `tonumber` and `datetime.parse` refuse is ignored; a negative count asks for nothing.
    @Test func whatIsNotANumberIsIgnoredAndANegativeCountIsZero() {
        #expect(HistoryRequest(muc: muc(["maxstanzas": "many", "since": "yesterday"]), now: 1).isDefault)
        #expect(HistoryRequest(muc: muc(["maxstanzas": "-3"]), now: 1).maxStanzas == 0)
        #expect(HistoryRequest(muc: muc(["maxchars": "+7"]), now: 1).maxChars == 7)
        #expect(HistoryRequest(muc: muc(["maxchars": "99999999999999999999999"]), now: 1).maxChars == Int.max)
        #expect(HistoryRequest.count("") == nil)
        #expect(HistoryRequest.count("-") == nil)
        #expect(HistoryRequest.count("1 ") == nil)
    }
}
