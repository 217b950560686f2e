// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ciport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ciport", targets: ["ciport"]),
        .library(name: "CIPortCore", targets: ["CIPortCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // A CPU fast path (SHA-256 on the SHA instructions) chosen at run time; portable Swift is the fallback.
        .target(name: "CIPortSIMD"),
        // Pure translation core: no files, network, processes or databases.
        .target(
            name: "CIPortCore",
            dependencies: ["CIPortSIMD", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Catalog/actions.json")]
        ),
        // The translation dataset: JSONL records, validation, splits, synthesis, mining.
        .target(name: "CIPortDataset", dependencies: ["CIPortCore"]),
        // The training bridge: configs, run directories, the Python worker process.
        .target(name: "CIPortTrain", dependencies: ["CIPortCore"]),
        // The model registry: runs, metrics, artifacts and model versions in SQLite; MLflow REST push.
        .target(
            name: "CIPortRegistry",
            dependencies: ["CIPortCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The generated GitLab GPU pipeline and CI/CD catalog component (pure text).
        .target(name: "CIPortPipeline", dependencies: ["CIPortCore"]),
        // Scoring engines and models on a benchmark: metrics, aggregates and reports.
        .target(
            name: "CIPortEval",
            dependencies: ["CIPortCore", "CIPortDataset", "CIPortTrain"],
            resources: [.copy("judge-rubric.md")]
        ),
        // Commands, file I/O and reports; the executable only calls into this.
        .target(
            name: "CIPortCLI",
            dependencies: [
                "CIPortCore",
                "CIPortDataset",
                "CIPortTrain",
                "CIPortRegistry",
                "CIPortPipeline",
                "CIPortEval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ciport", dependencies: ["CIPortCLI"]),
        .executableTarget(name: "ciport-bench", dependencies: ["CIPortCore", .product(name: "Yams", package: "Yams")], path: "Benchmarks/ciport-bench"),
        .testTarget(name: "CIPortCoreTests", dependencies: ["CIPortCore"], exclude: ["Snapshots", "Fixtures"]),
        .testTarget(name: "CIPortCLITests", dependencies: ["CIPortCLI", "CIPortCore"]),
        .testTarget(name: "CIPortTrainTests", dependencies: ["CIPortTrain", "CIPortCore"]),
        .testTarget(name: "CIPortDatasetTests", dependencies: ["CIPortDataset", "CIPortCore"], exclude: ["Fixtures"]),
        .testTarget(name: "CIPortRegistryTests", dependencies: ["CIPortRegistry", "CIPortPipeline", "CIPortCLI", "CIPortCore"]),
        .testTarget(name: "CIPortEvalTests", dependencies: ["CIPortEval", "CIPortCore", "CIPortTrain"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
