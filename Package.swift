// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "muc-kick",
    products: [
        .executable(name: "roomd", targets: ["roomd"]),
        .executable(name: "roomctl", targets: ["roomctl"]),
        .executable(name: "muc-kick-fcgi", targets: ["muc-kick-fcgi"]),
        // For the benchmark and fuzzing packages under Benchmarks/ and Tests/Fuzz/, which depend on this one
        // by path.
        .library(name: "StrictJSON", targets: ["StrictJSON"]),
        .library(name: "XMLStream", targets: ["XMLStream"]),
        .library(name: "KickAPI", targets: ["KickAPI"]),
        .library(name: "ResponderConfiguration", targets: ["ResponderConfiguration"]),
        .library(name: "ControlFraming", targets: ["ControlFraming"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Without its default trait, which adds Foundation's URL (and with it Foundation) to HTTPTypes.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // roomd's TLS listener for the control protocol. It builds BoringSSL from source, so only roomd's
        // targets depend on it: the clients use the system's OpenSSL (ControlTLS).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure core: JIDs, rooms, occupants and the transitions between room states. No I/O.
        .target(
            name: "MUCCore",
            dependencies: [.product(name: "HashTreeCollections", package: "swift-collections")]
        ),
        // A strict RFC 8259 parser and a compact writer, for the hot paths (see JSONParser.swift).
        .target(name: "StrictJSON"),
        // varlink framing and messages, the org.muckick.Rooms contract, a blocking client.
        // The IDL is compiled in as bytes (`PackageResources`), with no resource bundle and no Foundation.
        .target(
            name: "ControlProtocol", dependencies: ["MUCCore", "StrictJSON"],
            resources: [.embedInCode("org.muckick.Rooms.varlink")]
        ),
        // The clients' TLS to roomd (the responder's `roomd_address = "tls://..."`, roomctl's `--connect`):
        // OpenSSL's libssl, blocking on the caller's own socket with poll deadlines, under `ControlClient`. Not
        // swift-nio-ssl: it would bring an event loop and BoringSSL into every responder, which links libcrypto
        // already (see docs/architecture.md).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "ControlTLS", dependencies: ["ControlProtocol", "COpenSSL"]),
        // Splitting a control connection's bytes into varlink messages (NIO buffers, no I/O).
        .target(
            name: "ControlFraming",
            dependencies: ["ControlProtocol", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .systemLibrary(name: "CExpat", pkgConfig: "expat", providers: [.apt(["libexpat1-dev"])]),
        // XMPP's XML streams over expat: incremental parsing into stanzas, serialisation, limits.
        .target(name: "XMLStream", dependencies: ["CExpat"]),
        // ICU's C API (Debian's libicu), for the character data RFC 8264 reads. roomd's only: the responder
        // passes nicknames through, and roomd prepares them.
        .systemLibrary(name: "CICU", pkgConfig: "icu-uc", providers: [.apt(["libicu-dev"])]),
        // The character data RFC 8264 reads, from ICU, behind plain C functions (see CUnicodeData.c).
        .target(name: "CUnicodeData", dependencies: ["CICU"]),
        // RFC 8266's nickname profile (PRECIS FreeformClass): how roomd enforces and compares nicknames.
        .target(name: "NicknameProfile", dependencies: ["MUCCore", "CUnicodeData"]),
        // XEP-0045 over XEP-0114: stanzas in, room transitions and stanzas out. No I/O.
        .target(
            name: "MUCComponent",
            dependencies: [
                "MUCCore", "NicknameProfile", "XMLStream",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The daemon: varlink server over a Unix socket (SwiftNIO), peer credentials, SQLite store.
        .target(
            name: "RoomDaemon",
            dependencies: [
                "MUCCore", "ControlProtocol", "ControlFraming", "StrictJSON", "CSQLite", "MUCComponent", "XMLStream",
                "COpenSSLCrypto", "NicknameProfile",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "roomd",
            dependencies: [
                "RoomDaemon", "MUCCore", "CBuildInfo", "CSQLite", "CExpat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "roomctl",
            dependencies: [
                "ControlProtocol", "ControlTLS", "StrictJSON", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP contract of POST /muc_kick: request in, response out, and the policy it follows. No I/O.
        .target(
            name: "KickAPI",
            dependencies: [
                "MUCCore", "StrictJSON", "COpenSSLCrypto", .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The responder's settings: its configuration file (a TOML subset) and environment. No I/O.
        .target(name: "ResponderConfiguration", dependencies: ["KickAPI", "MUCCore", "StrictJSON", "ControlProtocol"]),
        // SHA-256 for hashed Authorization values. OpenSSL's libcrypto rather than swift-crypto: swift-crypto
        // imports all of Foundation (ICU), which doubles the responder's resident memory.
        .systemLibrary(name: "COpenSSLCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        // What C libraries a portable (static) build carries, for each executable's --version.
        .target(name: "CBuildInfo"),
        // libfcgi transport: listening socket, worker threads, FastCGI/CGI requests, the roomd client.
        .target(
            name: "KickResponder",
            dependencies: [
                "KickAPI", "ResponderConfiguration", "ControlProtocol", "ControlTLS", "MUCCore", "CFastCGI",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "muc-kick-fcgi",
            dependencies: [
                "KickResponder", "KickAPI", "ResponderConfiguration", "CBuildInfo", "COpenSSLCrypto", "ControlTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MUCCoreTests", dependencies: ["MUCCore"]),
        .testTarget(
            name: "NicknameProfileTests", dependencies: ["NicknameProfile", "MUCCore"],
            // The script that cross-checks the profile against precis-i18n, run by hand (see its header).
            exclude: ["crosscheck.py"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "XMLStreamTests", dependencies: ["XMLStream", "CExpat"]),
        .testTarget(name: "MUCComponentTests", dependencies: ["MUCComponent", "XMLStream", "MUCCore"]),
        .testTarget(
            name: "KickAPITests",
            dependencies: ["KickAPI", "MUCCore", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(name: "ResponderConfigurationTests", dependencies: ["ResponderConfiguration", "KickAPI"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "MUCCore", "StrictJSON"]),
        .testTarget(name: "KickResponderTests", dependencies: ["KickResponder"]),
        .testTarget(
            name: "RoomDaemonTests",
            dependencies: [
                "RoomDaemon", "ControlProtocol", "ControlFraming", "MUCCore", "XMLStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// The folders show the architecture: two processes, the operator's tool, and what they share (the room
// core, JSON, the control contract). Each target lives in Sources/<group>/<target>.
let sourceGroups: [String: [String]] = [
    "Shared": ["MUCCore", "StrictJSON", "ControlProtocol", "ControlTLS", "COpenSSL", "COpenSSLCrypto", "CBuildInfo"],
    "Roomd": [
        "XMLStream", "CExpat", "CICU", "CUnicodeData", "NicknameProfile", "MUCComponent", "ControlFraming", "CSQLite",
        "RoomDaemon", "roomd",
    ],
    "Responder": ["KickAPI", "ResponderConfiguration", "KickResponder", "CFastCGI", "muc-kick-fcgi"],
    "Operator": ["roomctl"],
]
for target in package.targets where target.type != .test {
    guard let group = sourceGroups.first(where: { $0.value.contains(target.name) })?.key else {
        fatalError("target \(target.name) belongs to no group in sourceGroups")
    }
    target.path = "Sources/\(group)/\(target.name)"
}
