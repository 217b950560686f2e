import ArgumentParser
import CIPortDataset
import Foundation

struct DatasetSplitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split records into train/valid/test: seeded, stratified by task, near-duplicates kept together.",
        discussion: """
        Exact and near-duplicate records form clusters (union-find); a cluster goes to one split whole.
        The same file, seed and ratios give byte-identical outputs. Writes DIR/train.jsonl, valid.jsonl
        and test.jsonl, each atomically; records keep their input order within a split.
        """
    )

    @Argument(help: "The JSONL file to split.")
    var file: String

    @Option(name: [.short, .customLong("output")], help: "Folder for train.jsonl, valid.jsonl, test.jsonl.")
    var output: String

    @Option(name: .long, help: "Seed of the shuffle.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Train, valid and test shares, comma-separated.")
    var ratios = "0.8,0.1,0.1"

    @Option(name: .long, help: "Jaccard similarity at which two records are near-duplicates.")
    var nearDup = 0.9

    func validate() throws {
        let r = ratios.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard r.count == 3, r.allSatisfy({ $0 >= 0 }), r.reduce(0, +) > 0 else {
            throw ValidationError("--ratios takes three non-negative numbers such as 0.8,0.1,0.1")
        }
    }

    func run() async throws {
        let r = ratios.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        do {
            let (result, errors) = try DatasetSplitter.split(file, into: output, ratios: r, seed: seed, nearDup: nearDup)
            if !errors.isEmpty {
                DatasetCLI.printErrors(errors)
                FileIO.printErr("\(errors.count) unreadable records; nothing written")
                throw ExitCode(FileIO.exitDataErr)
            }
            let counts = zip(DatasetSplitter.names, result.splits).map { "\($0) \($1.count)" }.joined(separator: ", ")
            FileIO.printErr("\(counts) → \(output)/ (\(result.clusters) duplicate clusters of \(result.recordsInClusters) records kept whole)")
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
