import ArgumentParser
import CIPortDataset

extension DatasetExporter.Format: ExpressibleByArgument {}

struct DatasetExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write records in another layout: messages, alpaca (instruction/input/output) or prompt-completion.",
        discussion: """
        alpaca: {"instruction", "input" (the fenced source file), "output", "system", "id"} as LLaMA-Factory
        reads it; prompt-completion: {"prompt" (system prompt and user turn), "completion", "id"}.
        """
    )

    @Argument(help: "The JSONL file to export.")
    var file: String

    @Option(name: .long, help: "messages, alpaca or prompt-completion.")
    var format: DatasetExporter.Format

    @Option(name: [.short, .customLong("output")], help: "The file to write.")
    var output: String

    func run() async throws {
        do {
            let (n, errors) = try DatasetExporter.export(file, to: output, format: format)
            if !errors.isEmpty {
                DatasetCLI.printErrors(errors)
                FileIO.printErr("\(errors.count) unreadable records; nothing written")
                throw ExitCode(FileIO.exitDataErr)
            }
            FileIO.printErr("\(n) records → \(output) (\(format.rawValue))")
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
