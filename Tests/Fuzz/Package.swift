// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, apart from the root package so that its `swift build` needs no fuzzer runtime.
// Build and run them with run.sh.
let package = Package(
    name: "muc-kick-fuzz",
    dependencies: [.package(name: "muc-kick", path: "../..")],
    targets: [
        .target(name: "CFuzzEntry"),
        .executableTarget(
            name: "FuzzXMLStream",
            dependencies: ["CFuzzEntry", .product(name: "XMLStream", package: "muc-kick")]
        ),
        .executableTarget(
            name: "FuzzJSON",
            dependencies: ["CFuzzEntry", .product(name: "StrictJSON", package: "muc-kick")]
        ),
        .executableTarget(
            name: "FuzzVarlinkFraming",
            dependencies: ["CFuzzEntry", .product(name: "ControlFraming", package: "muc-kick")]
        ),
        .executableTarget(
            name: "FuzzTOML",
            dependencies: ["CFuzzEntry", .product(name: "ResponderConfiguration", package: "muc-kick")]
        ),
    ]
)
