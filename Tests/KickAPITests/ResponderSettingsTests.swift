import Testing

@testable import KickAPI

@Suite struct ResponderSettingsTests {
    @Test func prosodysLinePastedUnchangedIsEnough() throws {
        let file = #"http_muc_kick_authorization_header = "Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5""#
        let settings = try ResponderSettings.load(file: file, environment: [:])
        #expect(settings.authorization.accepts("Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"))
        #expect(!settings.authorization.accepts("Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ"))
        #expect(settings.roomdSocket == "/run/muc-kick/roomd.sock")
        #expect(settings.maxBodySize == 65536)
        #expect(settings.roomdTimeout == .seconds(2))
        #expect(!settings.protectPrivileged)
        #expect(!settings.requireJSONContentType)
        #expect(settings.batchScheduling)
    }

    @Test func noAuthorizationRefusesToStartNamingTheSetting() {
        #expect(throws: SettingsError.missingAuthorization) { try ResponderSettings.load(file: nil, environment: [:]) }
        #expect(throws: SettingsError.missingAuthorization) {
            try ResponderSettings.load(file: "authorization = []", environment: [:])
        }
        #expect(SettingsError.missingAuthorization.description.contains("http_muc_kick_authorization_header"))
    }

    @Test func severalValuesHashedFormAndEnvironmentOverride() throws {
        let hashed = AuthorizationCheck.hashedForm(of: "Bearer new-token")
        #expect(hashed.hasPrefix("sha256:") && hashed.count == 71)
        let file = """
            # rotation: old and new accepted while clients move
            authorization = ["Basic old", "\(hashed)"]
            roomd_socket = "/tmp/roomd.sock"
            max_body_size = 1_024
            roomd_timeout = 0.5
            protect_privileged = true
            require_json_content_type = true
            cors_allow_origin = 'https://app.example.org'
            batch_scheduling = false
            """
        let settings = try ResponderSettings.load(file: file, environment: [:])
        #expect(settings.authorization.accepts("Basic old"))
        #expect(settings.authorization.accepts("Bearer new-token"))
        #expect(!settings.authorization.accepts(hashed))
        #expect(settings.roomdSocket == "/tmp/roomd.sock")
        #expect(settings.maxBodySize == 1024)
        #expect(settings.roomdTimeout == .milliseconds(500))
        #expect(settings.protectPrivileged && settings.requireJSONContentType)
        #expect(settings.corsAllowOrigin == "https://app.example.org")
        #expect(!settings.batchScheduling)

        let overridden = try ResponderSettings.load(
            file: file,
            environment: [
                "MUC_KICK_AUTHORIZATION": "Bearer a, Bearer b", "MUC_KICK_ROOMD_SOCKET": "/run/x.sock",
                "MUC_KICK_PROTECT_PRIVILEGED": "no", "MUC_KICK_MAX_BODY_SIZE": "2048",
                "MUC_KICK_BATCH_SCHEDULING": "on",
            ])
        #expect(overridden.authorization.accepts("Bearer b"))
        #expect(!overridden.authorization.accepts("Basic old"))
        #expect(overridden.roomdSocket == "/run/x.sock")
        #expect(!overridden.protectPrivileged)
        #expect(overridden.maxBodySize == 2048)
        #expect(overridden.batchScheduling)
    }

    @Test(arguments: [
        ("roomd_socket = /tmp/x", SettingsError.syntax(line: 1, reason: "'/tmp/x' is not a value (strings need quotes)")),
        ("authorization = \"x\"\nmax_body_size = \"big\"", .invalid(key: "max_body_size", reason: "expected an integer")),
        ("authorization = \"x\"\nmax_body_size = 1", .invalid(key: "max_body_size", reason: "must be between 2 and 16777216 bytes")),
        ("authorization = \"x\"\nroomd_timeout = 0", .invalid(key: "roomd_timeout", reason: "must be more than 0 and at most 300 seconds")),
        ("authorization = \"x\"\nfoo = 1", .invalid(key: "foo", reason: "unknown setting (line 2)")),
        ("authorization = \"x\"\nauthorization = \"y\"", .syntax(line: 2, reason: "'authorization' is set twice")),
        ("authorization = \"sha256:abc\"", .invalid(key: "authorization", reason: "sha256: must be followed by 64 hex digits")),
        ("authorization = \"unterminated", .syntax(line: 1, reason: "unterminated string")),
        ("authorization = \"x\"\nbatch_scheduling = 1", .invalid(key: "batch_scheduling", reason: "expected true or false")),
    ])
    func badFilesAreRefusedWithTheLineOrKey(file: String, error: SettingsError) {
        #expect(throws: error) { try ResponderSettings.load(file: file, environment: [:]) }
    }

    @Test func tomlSubsetParsesTablesEscapesAndComments() throws {
        let document = try TOMLDocument(parsing: """
            a = "tab\\tquote\\"uni\\u00e9" # comment
            b = [1, 2.5, true, 'lit\\eral']
            [section]
            c = -3
            "quoted key" = false\r\n
            """)
        #expect(document.values["a"] == .string("tab\tquote\"uni\u{e9}"))
        #expect(document.values["b"] == .array([.integer(1), .float(2.5), .bool(true), .string("lit\\eral")]))
        #expect(document.values["section.c"] == .integer(-3))
        #expect(document.values["section.quoted key"] == .bool(false))
    }

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
}

@Suite struct AuthorizationSecretTests {
    let example = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"

    @Test func theDocumentationsExampleIsRefusedInEveryForm() {
        for file in [
            #"http_muc_kick_authorization_header = "\#(example)""#,
            #"authorization = ["Bearer mine", "\#(example)"]"#,
            #"authorization = "\#(AuthorizationCheck.hashedForm(of: example))""#,
        ] {
            #expect(throws: SettingsError.self) { try ResponderSettings.load(file: file, environment: [:]) }
        }
        #expect(throws: SettingsError.self) {
            try ResponderSettings.load(file: nil, environment: ["MUC_KICK_AUTHORIZATION": example])
        }
    }

    @Test func environmentValuesMaySeparateByNewlinesToHoldCommas() throws {
        let settings = try ResponderSettings.load(
            file: nil, environment: ["MUC_KICK_AUTHORIZATION": "Bearer a,b\nBearer c"])
        #expect(settings.authorization.count == 2)
        #expect(settings.authorization.accepts("Bearer a,b"))
        #expect(settings.authorization.accepts("Bearer c"))
        #expect(!settings.authorization.accepts("Bearer a"))
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
