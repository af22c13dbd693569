import Testing

@testable import KickAPI

@Suite struct AuthorizationCheckTests {
    @Test func constantTimeComparisonIsExact() {
        #expect(AuthorizationCheck.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)) == 1)
        #expect(AuthorizationCheck.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)) == 0)
        // Only digests are compared (32 bytes each); values of other lengths are hashed first (see
        // AuthorizationSecretTests).
        var last = [UInt8](repeating: 7, count: 32)
        #expect(AuthorizationCheck.constantTimeEqual(last, last) == 1)
        last[31] = 8
        #expect(AuthorizationCheck.constantTimeEqual([UInt8](repeating: 7, count: 32), last) == 0)
        #expect(AuthorizationCheck.constantTimeEqual([], []) == 1)
    }

    @Test func sha256MatchesTheKnownVector() {
        // FIPS 180-2 test vector for "abc".
        #expect(
            AuthorizationCheck.hashedForm(of: "abc")
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aPresentedValueIsComparedByDigestWhateverItsLength() throws {
        let check = try AuthorizationCheck(values: ["Bearer s3cret", AuthorizationCheck.hashedForm(of: "Bearer other")])
        #expect(check.accepts("Bearer s3cret") && check.accepts("Bearer other"))
        for guess in ["", "B", "Bearer s3cre", "Bearer s3crett", String(repeating: "x", count: 10_000)] {
            #expect(!check.accepts(guess))
        }
        #expect(check.digests.allSatisfy { $0.count == 32 })
    }
}
