import ArgumentParser
import CIPortCore

/// The `ciport` command: subcommands only; each lives in its own file.
@available(macOS 10.15, *)
public struct CIPortCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "ciport",
        abstract: "Move CI/CD pipelines between GitHub Actions and GitLab CI, with a fidelity ledger.",
        discussion: """
        Shell completions: ciport --generate-completion-script bash|zsh|fish
        """,
        version: version,
        subcommands: [ConvertCommand.self, ValidateCommand.self, DatasetCommand.self, TrainCommand.self, GenerateCommand.self, ExportCommand.self, RegistryCommand.self, PipelineCommand.self, EvalCommand.self]
    )

    public init() {}
}
