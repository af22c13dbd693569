import Testing

@testable import MUCComponent

@Suite("DateTime") struct XMPPDateTimeTests {
    @Test func stampsAreUTCToTheSecondAsProsodyWritesThem() {
        #expect(XMPPDateTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(XMPPDateTime.format(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(XMPPDateTime.format(1_796_654_405) == "2026-12-07T14:40:05Z")
        #expect(XMPPDateTime.format(-1) == "1969-12-31T23:59:59Z")
    }

    @Test func xep0082DateTimesParseWithTheirOffsetAndFraction() {
        #expect(XMPPDateTime.parse("2026-12-07T14:40:05Z") == 1_796_654_405)
        #expect(XMPPDateTime.parse("2026-12-07T16:40:05+02:00") == 1_796_654_405)
        #expect(XMPPDateTime.parse("2026-12-07T13:10:05-01:30") == 1_796_654_405)
        #expect(XMPPDateTime.parse("2026-12-07T14:40:05.250Z") == 1_796_654_405.25)
        for seconds: Int64 in [0, 951_782_400, 1_796_654_405, 4_102_444_799] {
            #expect(XMPPDateTime.parse(XMPPDateTime.format(seconds)) == Double(seconds))
        }
    }

    @Test func whatIsNotADateTimeIsNil() {
        for text in [
            "", "2026-12-07", "2026-12-07T14:40:05", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-12-07T24:00:00Z", "2026-12-07T14:40:05.Z", "2026-12-07T14:40:05ZZ", "2026-12-07T14:40:05+2:00",
            "0000-01-01T00:00:00Z", "2026-12-07 14:40:05Z", "２026-12-07T14:40:05Z", "2026-12-07T14:40:05+02:00x",
        ] {
            #expect(XMPPDateTime.parse(text) == nil, "\(text)")
        }
    }
}
