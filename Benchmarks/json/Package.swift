// swift-tools-version:6.0
// The StrictJSON parser on hostile and ordinary inputs of the same size. A package of its own, so the
// root package's build is unaffected. Run: Benchmarks/json/run.sh
import PackageDescription

let package = Package(
    name: "json-bench",
    dependencies: [.package(name: "muc-kick", path: "../..")],
    targets: [
        .executableTarget(
            name: "json-bench", dependencies: [.product(name: "StrictJSON", package: "muc-kick")])
    ]
)
