import CIPortCore
import Foundation
import Testing
@testable import CIPortDataset

/// A real git repository in a temporary folder, built commit by commit.
struct TempRepo {
    let dir: URL

    init() throws {
        dir = try Fixture.tempDir()
        try git("init", "-q", "-b", "main")
    }

    @discardableResult
    func git(_ args: String...) throws -> String {
        try DatasetMiner.git(dir.path, ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"] + args)
    }

    func write(_ path: String, _ text: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Commits everything, dated `day` days after a fixed start; returns the commit id.
    @discardableResult
    func commit(_ message: String, day: Int) throws -> String {
        try git("add", "-A")
        let date = "2021-03-\(String(format: "%02d", day + 1))T12:00:00+00:00"
        _ = try DatasetMiner.git(dir.path, ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
                                           "commit", "-q", "-m", message, "--date", date])
        return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct MineTests {
    static let travis = "language: node_js\nnode_js:\n  - 16\nscript:\n  - npm test\n"
    static let workflow = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n"

    @Test func travisReplacedByGitHubActions() throws {
        let repo = try TempRepo()
        try repo.write("README.md", "hi\n")
        try repo.write(".travis.yml", Self.travis)
        _ = try repo.commit("add travis", day: 0)
        try repo.write("README.md", "hello\n")
        let last = try repo.commit("docs", day: 1)
        _ = last
        try repo.write(".github/workflows/ci.yml", Self.workflow)
        let added = try repo.commit("add GitHub Actions", day: 2)
        try FileManager.default.removeItem(at: repo.dir.appendingPathComponent(".travis.yml"))
        _ = try repo.commit("drop travis", day: 3)

        let records = try DatasetMiner.mine(repo: repo.dir.path)
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.meta.provenance == "mined" && r.meta.task == "platform")
        #expect(r.meta.source.platform == .travis && r.meta.target.platform == .github)
        #expect(Prompts.unfence(r.messages[1].content) == Self.travis.dropLast().description)
        #expect(Prompts.unfence(r.messages[2].content) == Self.workflow.dropLast().description)
        let o = try #require(r.meta.origin)
        #expect(o.relation == "removed")
        #expect(o.target?.commit == added && o.target?.path == ".github/workflows/ci.yml")
        #expect(o.source.path == ".travis.yml" && o.source.commit != nil)
        #expect(o.target?.date?.hasPrefix("2021-03-03") == true)
        // The record is well-formed, and the GitHub side parses.
        let check = RecordCheck(minF1: 0.5)
        let outcome = check.check(.init(number: 1, bytes: Data(r.jsonLine().utf8), oversized: nil))
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
    }

    @Test func staleConfigIsProposedAndUnrelatedHistoryIsNot() throws {
        let repo = try TempRepo()
        try repo.write(".gitlab-ci.yml", "test:\n  script:\n    - make test\n")
        _ = try repo.commit("gitlab", day: 0)
        try repo.write(".github/workflows/ci.yml", Self.workflow)
        _ = try repo.commit("actions", day: 1)
        try repo.write(".github/workflows/ci.yml", Self.workflow + "      - run: npm run lint\n")
        _ = try repo.commit("lint", day: 2)
        let records = try DatasetMiner.mine(repo: repo.dir.path)
        #expect(records.map { $0.meta.origin?.relation } == ["stale"])
        #expect(records.first?.meta.source.platform == .gitlab)

        // The old config still changes after the new one arrives: no proposal.
        try repo.write(".gitlab-ci.yml", "test:\n  script:\n    - make check\n")
        _ = try repo.commit("gitlab still used", day: 3)
        #expect(try DatasetMiner.mine(repo: repo.dir.path).isEmpty)
    }

    @Test func notARepositoryIsAnError() throws {
        let dir = try Fixture.tempDir()
        #expect(throws: DatasetError.self) { try DatasetMiner.mine(repo: dir.path) }
    }

    @Test func ciPaths() {
        #expect(DatasetMiner.platform(of: ".github/workflows/ci.yaml") == .github)
        #expect(DatasetMiner.platform(of: ".github/workflows/sub/ci.yml") == nil)
        #expect(DatasetMiner.platform(of: "Jenkinsfile") == .jenkins)
        #expect(DatasetMiner.platform(of: "bitbucket-pipelines.yml") == .bitbucket)
        #expect(DatasetMiner.platform(of: "src/.travis.yml") == nil)
    }
}

struct SynthTests {
    @Test func keepsFullTranslationsAndCountsDrops() throws {
        let dir = try Fixture.tempDir()
        let simple = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    container: node:20\n    steps:\n      - run: npm ci\n      - run: npm test\n"
        try Data(simple.utf8).write(to: dir.appendingPathComponent("a-simple.yml"))
        try Data(simple.utf8).write(to: dir.appendingPathComponent("b-copy.yml"))
        try Data("apiVersion: v1\nkind: Pod\n".utf8).write(to: dir.appendingPathComponent("c-k8s.yml"))
        try Data("jobs: [\n".utf8).write(to: dir.appendingPathComponent("d-broken.yml"))
        try Data([0x61, 0x3A, 0x20, 0xFF]).write(to: dir.appendingPathComponent("e-binary.yml"))
        let report = try DatasetSynthesizer.synthesize(from: dir.path, license: "CC0-1.0")
        #expect(report.kept == 1, "\(report.dropped)")
        #expect(report.dropped["duplicate"] == ["b-copy.yml"])
        #expect(report.dropped["not a CI file"] == ["c-k8s.yml"])
        #expect(report.dropped["parse error"] == ["d-broken.yml"])
        #expect(report.dropped["not UTF-8"] == ["e-binary.yml"])
        let r = try #require(report.records.first)
        #expect(r.meta.provenance == "synthesized" && r.meta.license == "CC0-1.0" && r.meta.id == "synth-a-simple")
        #expect(r.meta.source.platform == .github && r.meta.target.platform == .gitlab && r.meta.source.stack == "node")
        #expect(r.meta.origin?.source.path == "a-simple.yml")
    }

    @Test(.enabled(if: Fixture.hasCorpus, "needs CIPORT_CORPUS"))
    func corpusEveryFileAccountedFor() async throws {
        let files = try DatasetSynthesizer.files(in: Fixture.corpus)
        let report = try DatasetSynthesizer.synthesize(from: Fixture.corpus, license: "see source")
        #expect(report.kept + report.droppedCount == files.count)
        #expect(Set(report.dropped.keys).isSubset(of: Set(DatasetSynthesizer.reasons)))
        // What is kept validates as a dataset (lenient on facts: the engine's own output).
        let out = try Fixture.tempDir().appendingPathComponent("synth.jsonl")
        try Fixture.write(report.records.map { $0.jsonLine() }, to: out)
        if report.kept > 0 {
            var options = DatasetValidator.Options()
            options.nearDup = 1.01
            let (lines, _) = try await Fixture.validate([out.path], options: options)
            #expect(lines.isEmpty, "\(lines.prefix(3))")
        }
    }
}
