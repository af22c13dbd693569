import Testing

@testable import RoomDaemon

@Suite struct ComponentHandshakeTests {
    @Test func handshakeDigestIsXEP0114s() {
        // SHA-1("3BF96D32" + "secret"), lowercase hex, as XEP-0114 §3 specifies.
        #expect(
            ComponentHandshake.digest(streamID: "3BF96D32", secret: "secret")
                == "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136")
    }
}
