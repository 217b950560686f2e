import ArgumentParser
import CIPortDataset

struct DatasetStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count records per task, platform pair, stack pair and provenance; draw a token-length histogram.",
        discussion: """
        Token counts use ciport's code tokenizer: runs of letters, digits and '_' are one token, each
        other punctuation character is one token, whitespace separates. Bins are powers of two.
        """
    )

    @Argument(help: "JSONL files, or folders searched recursively for *.jsonl.")
    var paths: [String]

    @Option(name: .long, help: "Width of the longest histogram bar, in characters.")
    var width = 40

    func run() async throws {
        do {
            print(try DatasetStats.collect(paths).render(width: max(4, width)))
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
