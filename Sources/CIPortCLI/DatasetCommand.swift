import ArgumentParser
import CIPortCore
import CIPortDataset

struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build, check and reshape the translation dataset (JSONL, chat messages form).",
        subcommands: []
    )
}
