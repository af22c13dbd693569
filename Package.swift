// swift-tools-version:6.0
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
        .library(name: "ControlFraming", targets: ["ControlFraming"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Pure core: JIDs, rooms, occupants and the transitions between room states. No I/O.
        .target(name: "MUCCore"),
        // A strict RFC 8259 parser and a compact writer, for the hot paths (see JSONParser.swift).
        .target(name: "StrictJSON"),
        // varlink framing and messages, the org.muckick.Rooms contract, a blocking client.
        .target(name: "ControlProtocol", dependencies: ["MUCCore", "StrictJSON"], exclude: ["org.muckick.Rooms.varlink"]),
        // Splitting a control connection's bytes into varlink messages (NIO buffers, no I/O).
        .target(
            name: "ControlFraming",
            dependencies: ["ControlProtocol", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .systemLibrary(name: "CExpat", pkgConfig: "expat", providers: [.apt(["libexpat1-dev"])]),
        // XMPP's XML streams over expat: incremental parsing into stanzas, serialisation, limits.
        .target(name: "XMLStream", dependencies: ["CExpat"]),
        // XEP-0045 over XEP-0114: stanzas in, room transitions and stanzas out. No I/O.
        .target(name: "MUCComponent", dependencies: ["MUCCore", "XMLStream", "COpenSSLCrypto"]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The daemon: varlink server over a Unix socket (SwiftNIO), peer credentials, SQLite store.
        .target(
            name: "RoomDaemon",
            dependencies: [
                "MUCCore", "ControlProtocol", "ControlFraming", "StrictJSON", "CSQLite", "MUCComponent", "XMLStream",
                "COpenSSLCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "roomd",
            dependencies: [
                "RoomDaemon", "CBuildInfo", "CSQLite", "CExpat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "roomctl",
            dependencies: [
                "ControlProtocol", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP contract of POST /muc_kick: request in, response out; settings. No I/O.
        .target(
            name: "KickAPI",
            dependencies: ["MUCCore", "StrictJSON", "COpenSSLCrypto"]
        ),
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
                "KickAPI", "ControlProtocol", "MUCCore", "StrictJSON", "CFastCGI",
            ]
        ),
        .executableTarget(
            name: "muc-kick-fcgi",
            dependencies: [
                "KickResponder", "KickAPI", "CBuildInfo", "COpenSSLCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MUCCoreTests", dependencies: ["MUCCore"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "XMLStreamTests", dependencies: ["XMLStream"]),
        .testTarget(name: "MUCComponentTests", dependencies: ["MUCComponent", "XMLStream", "MUCCore"]),
        .testTarget(name: "KickAPITests", dependencies: ["KickAPI"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol"]),
        .testTarget(name: "KickResponderTests", dependencies: ["KickResponder"]),
        .testTarget(
            name: "RoomDaemonTests",
            dependencies: [
                "RoomDaemon", "ControlFraming", "MUCCore", "XMLStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
