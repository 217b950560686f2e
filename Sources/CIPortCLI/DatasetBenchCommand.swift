import ArgumentParser
import CIPortDataset
import Foundation

/// Hidden: measures `validate` on generated records (the README quotes its figure).
struct DatasetBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Generate N synthetic records, validate them and print records/s.",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Number of records.")
    var records = 100_000

    @Option(name: .long, help: "Parallel workers (default: the number of cores).")
    var jobs: Int?

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-bench-\(UUID().uuidString)")
        let file = dir.appendingPathComponent("bench.jsonl").path
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try DatasetBench.generate(count: records, to: file)
            var options = DatasetValidator.Options()
            if let jobs { options.parallelism = max(1, jobs) }
            var errors = 0
            var first: [String] = []
            let cpu0 = EvalBenchCommand.cpuSeconds()
            let summary = try await DatasetValidator.validate(paths: [file], options: options) { line in
                errors += 1
                if first.count < 3 { first.append(line) }
            }
            let cpu = EvalBenchCommand.cpuSeconds() - cpu0
            for l in first { FileIO.printErr(l) }
            print(summary)
            // CPU time says what the machine's load hid: the rate the same work gives on idle cores.
            let perRecord = cpu / Double(max(summary.records, 1))
            print(String(format: "validate: %.0f records/s (%d records, %d workers, %d with errors); %.3f ms CPU per record (%.0f records/s per idle core, %.0f on %d)",
                         summary.recordsPerSecond, summary.records, options.parallelism, errors, perRecord * 1000,
                         1 / perRecord, Double(options.parallelism) / perRecord, options.parallelism))
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
