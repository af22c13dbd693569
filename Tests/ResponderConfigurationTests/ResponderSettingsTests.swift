import Testing

import ControlProtocol
import KickAPI
@testable import ResponderConfiguration

@Suite struct ResponderSettingsTests {
    @Test func prosodysLinePastedUnchangedIsEnough() throws {
        let file = #"http_muc_kick_authorization_header = "Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5""#
        let settings = try ResponderSettings.load(file: file, environment: [:])
        #expect(settings.policy.authorization.accepts("Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"))
        #expect(!settings.policy.authorization.accepts("Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ"))
        #expect(settings.roomdAddress == .unixSocket(path: "/run/muc-kick/roomd.sock"))
        #expect(settings.roomdTLS == nil)
        #expect(settings.policy.maxBodySize == 65536)
        #expect(settings.policy.roomdTimeout == .seconds(2))
        #expect(!settings.policy.protectPrivileged)
        #expect(!settings.policy.requireJSONContentType)
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
        #expect(settings.policy.authorization.accepts("Basic old"))
        #expect(settings.policy.authorization.accepts("Bearer new-token"))
        #expect(!settings.policy.authorization.accepts(hashed))
        #expect(settings.roomdAddress == .unixSocket(path: "/tmp/roomd.sock"))
        #expect(settings.policy.maxBodySize == 1024)
        #expect(settings.policy.roomdTimeout == .milliseconds(500))
        #expect(settings.policy.protectPrivileged && settings.policy.requireJSONContentType)
        #expect(settings.policy.corsAllowOrigin == "https://app.example.org")
        #expect(!settings.batchScheduling)

        let overridden = try ResponderSettings.load(
            file: file,
            environment: [
                "MUC_KICK_AUTHORIZATION": "Bearer a, Bearer b", "MUC_KICK_ROOMD_SOCKET": "/run/x.sock",
                "MUC_KICK_PROTECT_PRIVILEGED": "no", "MUC_KICK_MAX_BODY_SIZE": "2048",
                "MUC_KICK_BATCH_SCHEDULING": "on",
            ])
        #expect(overridden.policy.authorization.accepts("Bearer b"))
        #expect(!overridden.policy.authorization.accepts("Basic old"))
        #expect(overridden.roomdAddress == .unixSocket(path: "/run/x.sock"))
        #expect(!overridden.policy.protectPrivileged)
        #expect(overridden.policy.maxBodySize == 2048)
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
        #expect(settings.policy.authorization.count == 2)
        #expect(settings.policy.authorization.accepts("Bearer a,b"))
        #expect(settings.policy.authorization.accepts("Bearer c"))
        #expect(!settings.policy.authorization.accepts("Bearer a"))
    }
}

/// Values the responder writes into responses or logs, refused when it starts.
@Suite struct ResponderSettingsOutputSafetyTests {
    let secret = "Basic cm9vbWQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"

    @Test func aKickActorWithAControlCharacterRefusesToStart() {
        #expect(throws: SettingsError.self) {
            try ResponderSettings.load(
                file: nil, environment: ["MUC_KICK_AUTHORIZATION": secret, "MUC_KICK_ACTOR": "ops\u{1B}]0;x\u{7}"])
        }
    }

    @Test func aCORSOriginWithALineBreakRefusesToStart() {
        #expect(throws: SettingsError.self) {
            try ResponderSettings.load(
                file: nil,
                environment: ["MUC_KICK_AUTHORIZATION": secret, "MUC_KICK_CORS_ALLOW_ORIGIN": "https://a\r\nSet-Cookie: x"])
        }
    }
}
