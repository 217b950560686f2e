import ArgumentParser
import CIPortCore

/// The `ciport` command: subcommands only.
public struct CIPortCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ciport",
        abstract: "Move CI/CD pipelines between GitHub Actions and GitLab CI, with a fidelity ledger.",
        version: "0.1.0",
        subcommands: [ConvertCommand.self, ValidateCommand.self]
    )

    public init() {}
}
