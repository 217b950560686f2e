import ArgumentParser
import CIPortCore
import CIPortDataset

struct DatasetBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Turn a folder of pair files (one YAML file per pair) into JSONL records.",
        discussion: """
        A pair file holds id, task (platform|stack|deploy), source and target ({platform, stack, cloud}),
        license, notes, source_file and target_file. Records come out sorted by file name with provenance
        'authored'; the instruction phrasing is picked by the id's hash. Any bad pair file fails the
        build and nothing is written.
        """
    )

    @Argument(help: "Folder of pair files (*.yml).")
    var pairs: String

    @Option(name: [.short, .customLong("output")], help: "The JSONL file to write.")
    var output: String

    func run() async throws {
        do {
            let (records, errors) = try DatasetBuilder.build(pairsDir: pairs)
            for e in errors { FileIO.printErr(e.description) }
            if !errors.isEmpty {
                FileIO.printErr("\(errors.count) bad pair file\(errors.count == 1 ? "" : "s"); nothing written")
                throw ExitCode(FileIO.exitDataErr)
            }
            try DatasetCLI.write(records, to: output)
            FileIO.printErr("\(records.count) records → \(output)")
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
