import ArgumentParser
import CIPortDataset

struct DatasetMineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mine",
        abstract: "Propose migration pairs from a git repository's history, for review.",
        discussion: """
        Looks for commits where one CI system's config first appears (.github/workflows/*.yml,
        .gitlab-ci.yml, .circleci/config.yml, .travis.yml, Jenkinsfile, azure-pipelines.yml,
        bitbucket-pipelines.yml) while another's is deleted within --window-commits commits or
        --window-days days ('removed'), or is never modified again ('stale'). Each proposal holds the old
        file's last version and the new file's first, with commit ids, dates and paths in meta.origin;
        provenance 'mined'.
        """
    )

    @Argument(help: "A git repository.")
    var repo: String

    @Option(name: [.short, .customLong("output")], help: "The JSONL file to write.")
    var output: String

    @Option(name: .long, help: "Most commits between the new config's arrival and the old one's removal.")
    var windowCommits = 20

    @Option(name: .long, help: "Most days between them.")
    var windowDays = 30

    @Option(name: .long, help: "License recorded in each record's meta.")
    var license = "see source"

    func run() async throws {
        var options = DatasetMiner.Options()
        options.windowCommits = windowCommits
        options.windowDays = windowDays
        options.license = license
        do {
            let records = try DatasetMiner.mine(repo: repo, options: options)
            try DatasetCLI.write(records, to: output)
            for r in records {
                if let o = r.meta.origin {
                    FileIO.printErr("\(o.source.path)@\(o.source.commit?.prefix(10) ?? "?") → \(o.target?.path ?? "?")@\(o.target?.commit?.prefix(10) ?? "?") (\(o.relation ?? "?"))")
                }
            }
            FileIO.printErr("\(records.count) proposed pair\(records.count == 1 ? "" : "s") → \(output)")
        } catch {
            throw DatasetCLI.fail(error)
        }
    }
}
