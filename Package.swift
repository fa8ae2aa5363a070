// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "faultline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "faultline-agent", targets: ["faultline-agent"]),
        .executable(name: "faultline-collector", targets: ["faultline-collector"]),
        .library(name: "FaultlineCore", targets: ["FaultlineCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C modules: the system libraries the agent talks to directly.
        .systemLibrary(name: "CSystemd", path: "Core/CSystemd", pkgConfig: "libsystemd"),
        .systemLibrary(name: "CSQLite", path: "Core/CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "CZlib", path: "Core/CZlib", pkgConfig: "zlib"),
        .target(
            name: "CCurl",
            path: "Core/CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),

        // What both programs share: signatures, detection, grouping.
        .target(
            name: "FaultlineCore",
            dependencies: [
                "CSystemd", "CSQLite", "CCurl", "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Core",
            exclude: ["CSystemd", "CSQLite", "CCurl", "CZlib"]
        ),

        // The agent: a library with the logic, and the thin command.
        .target(
            name: "FaultlineAgent",
            dependencies: ["FaultlineCore", .product(name: "Logging", package: "swift-log")],
            path: "Agent",
            exclude: ["Command"]
        ),
        .executableTarget(
            name: "faultline-agent",
            // No swift-argument-parser: it links FoundationEssentials, megabytes of binary and resident memory.
            dependencies: ["FaultlineAgent", .product(name: "Logging", package: "swift-log")],
            path: "Agent/Command"
        ),

        // The collector.
        .target(
            name: "FaultlineCollector",
            dependencies: [
                "FaultlineCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Collector",
            exclude: ["Command"]
        ),
        .executableTarget(
            name: "faultline-collector",
            dependencies: [
                "FaultlineCollector",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Collector/Command"
        ),

        // Signature speed benchmark, run by `make bench-signatures`.
        .executableTarget(
            name: "faultline-signature-bench",
            dependencies: ["FaultlineCore"],
            path: "Tests/Benchmarks/SignatureBenchmark"
        ),

        // Collector ingest benchmark (load generator and INSERT baseline), run by `make bench-collector`.
        .executableTarget(
            name: "faultline-collector-bench",
            dependencies: ["FaultlineCollector", "FaultlineCore"],
            path: "Tests/Benchmarks/CollectorBenchmark"
        ),

        // What several test targets share: stand-ins for systemd's sockets, the built programs' paths.
        .target(
            name: "FaultlineTestSupport",
            path: "Tests/Support"
        ),
        .testTarget(
            name: "FaultlineCoreTests",
            dependencies: ["FaultlineCore", "FaultlineTestSupport"],
            path: "Tests/FaultlineCoreTests"
        ),
        .testTarget(
            name: "FaultlineAgentTests",
            dependencies: ["FaultlineAgent"],
            path: "Tests/FaultlineAgentTests"
        ),
        .testTarget(
            name: "FaultlineCollectorTests",
            dependencies: [
                "FaultlineCollector", "FaultlineTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/FaultlineCollectorTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
