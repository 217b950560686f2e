import ArgumentParser
import CIPortCore

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "Translate a workflow to the other platform.")
    @Argument var source: String
    func run() async throws {}
}
