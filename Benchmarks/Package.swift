// swift-tools-version: 6.1
// Micro-benchmarks for SMSLedger's hot paths (ordo-one/benchmark). The end-to-end harness is run.sh.
//
//   cd Benchmarks && swift package benchmark                    # run them
//   cd Benchmarks && swift build                                # what CI does: build (debug), never run
//   cd Benchmarks && swift run -c release CompensationFigures    # issue 5 figures
//
// Kept out of the root package so `swift test` and the daemon's build never pull in the benchmark
// tooling.
import PackageDescription

let benchmarkSupport: [Target.Dependency] = [.product(name: "Benchmark", package: "benchmark")]
let benchmarkPlugins: [Target.PluginUsage] = [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
/// The project's modules, exported by the root package as the `SMSLedgerModules` library product.
let modules: Target.Dependency = .product(name: "SMSLedgerModules", package: "SMSLedger")

// The benchmark plugin only generates the entry point for executables in a folder named
// `Benchmarks`, hence Benchmarks/Benchmarks/<name>.
let targets: [Target] = [
    // What the Foundation calls on the hot path cost next to their cheap alternatives.
    .executableTarget(name: "FoundationCosts", dependencies: benchmarkSupport,
                      path: "Benchmarks/FoundationCosts", plugins: benchmarkPlugins),
    // Normalising a message, signing a request, committing a batch of 16; allocations per message.
    .executableTarget(name: "LedgerHotPaths", dependencies: benchmarkSupport + [modules],
                      path: "Benchmarks/LedgerHotPaths", plugins: benchmarkPlugins),
    // Issue 5's figures: due-send selection among 1,000,000 tracked sends, QPS under the limiter.
    .executableTarget(name: "CompensationFigures", dependencies: [modules], path: "Compensation"),
]
let dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    .package(name: "SMSLedger", path: ".."),
]

let package = Package(
    name: "SMSLedgerBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: dependencies,
    targets: targets
)
