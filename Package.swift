// swift-tools-version:6.0
// SMSLedger: a durable ledger for the asynchronous side of Alibaba Cloud SMS.
// One module per concern; see README.md "Design" for the map.
import PackageDescription

let package = Package(
    name: "SMSLedger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "smsledger", targets: ["smsledger"]),
        // For Benchmarks/ (a separate package that reaches these modules through a path dependency).
        .library(name: "SMSLedgerModules", targets: ["Parsers", "SMSLedgerCore", "AlibabaCloud", "LedgerStore", "SMSLedgerDaemon", "AlicomEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The readers of untrusted bytes (JSON, the config's TOML subset, UTF-8): general-purpose, no
        // dependencies, not even Foundation, so Fuzz/run.sh compiles them with swiftc in seconds.
        .target(name: "Parsers"),
        // The domain: events, statuses, normalisers and pure state machines. No I/O.
        .target(name: "SMSLedgerCore", dependencies: ["Parsers"]),
        // The operator's config file: a strict TOML subset with line-accurate errors.
        .target(name: "SMSLedgerConfig", dependencies: ["SMSLedgerCore", "Parsers"]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The durable ledger: store protocol, SQLite implementation, migrations.
        .target(name: "LedgerStore", dependencies: [
            "SMSLedgerCore", "CSQLite", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The ledger on PostgreSQL, for several daemons on several hosts sharing one ledger.
        .target(name: "LedgerPostgres", dependencies: [
            "SMSLedgerCore", "LedgerStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Signing, the MNS / Dybaseapi / Dysmsapi clients and the token provider.
        .target(name: "AlibabaCloud", dependencies: [
            "SMSLedgerCore", "Parsers",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A small HTTP/1.1 server on SwiftNIO that hands raw request targets and bodies to a handler.
        .target(name: "HTTPServing", dependencies: [
            "Parsers",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Local stand-in for MNS, Dybaseapi and Dysmsapi that checks signatures like the service.
        .target(name: "AlicomEmulator", dependencies: [
            "AlibabaCloud", "HTTPServing", "SMSLedgerCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // sd_notify, watchdog and a native journald log handler.
        .target(name: "Systemd", dependencies: [
            "CSystemd", "SMSLedgerCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The services: queue pollers, compensator, HTTP listener, reload and shutdown.
        .target(name: "SMSLedgerDaemon", dependencies: [
            "SMSLedgerCore", "SMSLedgerConfig", "LedgerStore", "LedgerPostgres", "AlibabaCloud", "HTTPServing", "Systemd", "Parsers",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "smsledger", dependencies: [
            "SMSLedgerDaemon", "AlicomEmulator", "Parsers",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // A raw-socket HTTP/1.1 client for tests that must control every byte of a request.
        .target(name: "RawHTTPClient", path: "Tests/Support/RawHTTPClient"),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers"]),
        .testTarget(name: "SMSLedgerCoreTests", dependencies: ["SMSLedgerCore", "Parsers"]),
        .testTarget(name: "SMSLedgerConfigTests", dependencies: ["SMSLedgerConfig"]),
        .testTarget(name: "LedgerStoreTests", dependencies: [
            "LedgerStore", "LedgerPostgres", "SMSLedgerConfig", .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "AlibabaCloudTests", dependencies: ["AlibabaCloud", "AlicomEmulator", "Parsers"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AlicomEmulatorTests", dependencies: ["AlicomEmulator", "AlibabaCloud", "HTTPServing", "RawHTTPClient"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd"]),
        .testTarget(name: "SMSLedgerDaemonTests", dependencies: ["SMSLedgerDaemon", "AlicomEmulator", "LedgerStore", "Systemd", "RawHTTPClient"]),
    ]
)
