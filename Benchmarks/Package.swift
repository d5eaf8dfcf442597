// swift-tools-version: 6.1
// Micro-benchmarks for SMSLedger's hot paths (ordo-one/benchmark). The end-to-end harness is run.sh.
//
//   cd Benchmarks && swift package benchmark                    # run them
//   cd Benchmarks && swift build -c release                     # what CI does: build, never run
//
// Kept out of the root package so `swift test` and the daemon's build never pull in the benchmark
// tooling.
import PackageDescription

/// `LedgerHotPaths` imports SMSLedgerCore, AlibabaCloud and LedgerStore, which the root package must
/// export as a library product for a path dependency to reach them:
///
///     .library(name: "SMSLedgerModules", targets: ["SMSLedgerCore", "AlibabaCloud", "LedgerStore"]),
///
/// Until it does, only the self-contained `FoundationCosts` is built. Set this to `true` together
/// with adding that product.
let rootExportsModules = false

let benchmarkSupport: [Target.Dependency] = [.product(name: "Benchmark", package: "benchmark")]
let benchmarkPlugins: [Target.PluginUsage] = [.plugin(name: "BenchmarkPlugin", package: "benchmark")]

var targets: [Target] = [
    // What the Foundation calls on the hot path cost next to their cheap alternatives.
    .executableTarget(name: "FoundationCosts", dependencies: benchmarkSupport,
                      path: "MicroBenchmarks/FoundationCosts", plugins: benchmarkPlugins),
]
var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
]
if rootExportsModules {
    dependencies.append(.package(name: "SMSLedger", path: ".."))
    targets.append(.executableTarget(
        name: "LedgerHotPaths",
        dependencies: benchmarkSupport + [.product(name: "SMSLedgerModules", package: "SMSLedger")],
        path: "MicroBenchmarks/LedgerHotPaths", plugins: benchmarkPlugins))
}

let package = Package(
    name: "SMSLedgerBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: dependencies,
    targets: targets
)
