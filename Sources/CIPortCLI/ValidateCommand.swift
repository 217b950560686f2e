import ArgumentParser
import CIPortCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a workflow's structure.")
    @Argument var file: String
    func run() async throws {}
}
