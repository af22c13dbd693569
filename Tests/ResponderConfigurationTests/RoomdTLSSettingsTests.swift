import Testing

import ControlProtocol
@testable import ResponderConfiguration

@Suite struct RoomdTLSSettingsTests {
    static let authorization = #"authorization = "Bearer x"\#n"#

    func load(_ lines: String, environment: [String: String] = [:]) throws(SettingsError) -> ResponderSettings {
        try ResponderSettings.load(file: Self.authorization + lines, environment: environment)
    }

    @Test func aTLSAddressWithAClientCertificate() throws {
        let settings = try load(
            """
            roomd_address = "tls://chat.example.org:5433"
            roomd_ca = "/etc/muc-kick/ca.pem"
            roomd_certificate = "/etc/muc-kick/web1.pem"
            roomd_key = "/etc/muc-kick/web1.key"
            """)
        #expect(settings.roomdAddress == .tls(host: "chat.example.org", port: 5433))
        #expect(
            settings.roomdTLS
                == RoomdTLSSettings(
                    caFile: "/etc/muc-kick/ca.pem", certificateFile: "/etc/muc-kick/web1.pem",
                    keyFile: "/etc/muc-kick/web1.key"))
    }

    @Test func aTokenAServerNameAndTheEnvironmentOverTheFile() throws {
        let settings = try load(
            """
            roomd_address = "tls://10.0.0.7:5433"
            roomd_token_file = "/home/shop/web1.token"
            roomd_server_name = "chat.example.org"
            """,
            environment: ["MUC_KICK_ROOMD_ADDRESS": "tls://[fd00::7]:6000"])
        #expect(settings.roomdAddress == .tls(host: "fd00::7", port: 6000))
        #expect(settings.roomdAddress.description == "tls://[fd00::7]:6000")
        #expect(settings.roomdTLS?.tokenFile == "/home/shop/web1.token")
        #expect(settings.roomdTLS?.serverName == "chat.example.org")
        #expect(settings.roomdTLS?.caFile == nil)
    }

    @Test func aUnixAddressTakesAPathOrUnixColon() throws {
        #expect(try load(#"roomd_address = "/run/r.sock""#).roomdAddress == .unixSocket(path: "/run/r.sock"))
        #expect(try load(#"roomd_address = "unix:/run/r.sock""#).roomdAddress == .unixSocket(path: "/run/r.sock"))
    }

    @Test(arguments: [
        ("roomd_address = \"tls://chat.example.org\"", "roomd_address"),
        ("roomd_address = \"tls://chat.example.org:0\"", "roomd_address"),
        ("roomd_address = \"tls://chat.example.org:65536\"", "roomd_address"),
        ("roomd_address = \"tls://:5433\"", "roomd_address"),
        ("roomd_address = \"tls://fd00::7:5433\"", "roomd_address"),
        ("roomd_address = \"tls://chat example.org:5433\"", "roomd_address"),
        ("roomd_address = \"tls://[chat.example.org]:5433\"", "roomd_address"),
        ("roomd_address = \"tls://[fe80::1%eth0]:5433\"", "roomd_address"),
        ("roomd_address = \"tls://chat.example.org:+5433\"", "roomd_address"),
        ("roomd_address = \"tls://chat.example.org:05433x\"", "roomd_address"),
        ("roomd_address = \"https://chat.example.org:5433\"", "roomd_address"),
        ("roomd_address = \"run/roomd.sock\"", "roomd_address"),
        ("roomd_socket = \"roomd.sock\"", "roomd_socket"),
        ("roomd_socket = \"/a.sock\"\nroomd_address = \"/b.sock\"", "roomd_address"),
        // TLS settings with a Unix address: a mistake, not something to ignore.
        ("roomd_ca = \"/ca.pem\"", "roomd_ca"),
        ("roomd_socket = \"/a.sock\"\nroomd_token_file = \"/t\"", "roomd_token_file"),
        // No credential, half of one, or two.
        ("roomd_address = \"tls://h:1\"", "roomd_address"),
        ("roomd_address = \"tls://h:1\"\nroomd_ca = \"/ca.pem\"", "roomd_address"),
        ("roomd_address = \"tls://h:1\"\nroomd_certificate = \"/c.pem\"", "roomd_certificate"),
        ("roomd_address = \"tls://h:1\"\nroomd_key = \"/c.key\"", "roomd_key"),
        (
            "roomd_address = \"tls://h:1\"\nroomd_certificate = \"/c.pem\"\nroomd_key = \"/c.key\"\nroomd_token_file = \"/t\"",
            "roomd_token_file"
        ),
        ("roomd_address = \"tls://h:1\"\nroomd_token_file = \"\"", "roomd_token_file"),
        ("roomd_address = \"tls://h:1\"\nroomd_token_file = \"/t\"\nroomd_server_name = \"a b\"", "roomd_server_name"),
    ])
    func refusedNamingTheSetting(lines: String, key: String) {
        #expect {
            try load(lines)
        } throws: { error in
            guard case .invalid(let named, _) = error as? SettingsError else { return false }
            return named == key
        }
    }
}
