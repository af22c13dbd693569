// swift-tools-version:6.0
import PackageDescription

// Parse-time benchmark for XMLStream, apart from the root package so that its build is unaffected.
// Run it with run.sh (see README.md).
let package = Package(
    name: "muc-kick-xml-bench",
    dependencies: [.package(name: "muc-kick", path: "../..")],
    targets: [
        .executableTarget(
            name: "XMLBench",
            dependencies: [.product(name: "XMLStream", package: "muc-kick")]
        )
    ]
)
