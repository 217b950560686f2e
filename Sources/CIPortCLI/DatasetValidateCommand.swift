import ArgumentParser
import CIPortDataset
import Foundation

struct DatasetValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check JSONL records: format, both files, facts, duplicates and leakage across splits.",
        discussion: """
        Files are streamed; each bad record is one line 'file:LINE: error: …'. Checks: JSON and field types,
        roles (system?, user, assistant), known task/platform/provenance, the content hash, both files
        parse and pass 'ciport validate', for platform pairs the target's facts match the source's
        (F1 ≥ --min-f1), exact duplicates (normalized sha256) and near-duplicates (MinHash over token
        5-shingles, Jaccard ≥ --near-dup). Files named train/valid/test.jsonl are splits: a duplicate
        across two of them is a leak.
        """
    )

    @Argument(help: "JSONL files, or folders searched recursively for *.jsonl.")
    var paths: [String]

    @Option(name: .long, help: "Least fact F1 of a platform pair's target against its source.")
    var minF1 = 0.3

    @Option(name: .long, help: "Jaccard similarity at which two records are near-duplicates.")
    var nearDup = 0.9

    @Option(name: .long, help: "Parallel workers (default: the number of cores).")
    var jobs: Int?

    func run() async throws {
        var options = DatasetValidator.Options()
        options.minF1 = minF1
        options.nearDup = nearDup
        if let jobs { options.parallelism = max(1, jobs) }
        let summary: DatasetValidator.Summary
        do {
            summary = try await DatasetValidator.validate(paths: paths, options: options) { print($0) }
        } catch {
            throw DatasetCLI.fail(error)
        }
        if summary.files == 0 {
            FileIO.printErr("\(paths.joined(separator: " ")): error: no *.jsonl files found (build them with 'ciport dataset build')")
            throw ExitCode(FileIO.exitNoInput)
        }
        print(summary)
        if summary.badRecords > 0 { throw ExitCode(FileIO.exitDataErr) }
    }
}
