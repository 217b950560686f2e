import ArgumentParser
import CIPortDataset

struct DatasetSynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Turn a folder of CI files into pairs with the rule engine, keeping only full, valid translations.",
        discussion: """
        Each *.yml/*.yaml file below --from is converted to the other platform. A file is kept only when
        its fidelity ledger has nothing lost or needing review, the output reads back and validates, and its
        facts match the source's (F1 ≥ --min-f1);
        the rest are counted by reason. Records are labelled provenance 'synthesized'.
        """
    )

    @Option(name: .long, help: "Folder of CI files (for example ../shared/corpus).")
    var from: String

    @Option(name: [.short, .customLong("output")], help: "The JSONL file to write.")
    var output: String

    @Option(name: .long, help: "License recorded in each record's meta.")
    var license = "see source"

    @Option(name: .long, help: "Least fact F1 of an output against its source (what 'validate' demands).")
    var minF1 = 0.3

    @Flag(name: .shortAndLong, help: "List the dropped files under each reason.")
    var verbose = false

    func run() async throws {
        do {
            let report = try DatasetSynthesizer.synthesize(from: from, license: license, minF1: minF1)
            try DatasetCLI.write(report.records, to: output)
            FileIO.printErr("kept \(report.kept), dropped \(report.droppedCount) → \(output)")
            let rows = DatasetSynthesizer.reasons.compactMap { r in report.dropped[r].map { [r, String($0.count)] } }
            if !rows.isEmpty { FileIO.printErr(Table.render(header: ["drop reason", "files"], rows: rows)) }
            if verbose {
                for r in DatasetSynthesizer.reasons { for f in report.dropped[r] ?? [] { FileIO.printErr("  \(r): \(f)") } }
            }
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
