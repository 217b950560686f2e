import Foundation
import Testing
@testable import CIPortCore

/// Round trips over the real corpus keep the pipeline's facts (jobs, commands in order, needs,
/// triggers, variables, matrix values, images, services, caches, artifacts).
@Suite(.enabled(if: TestPaths.hasCorpus, "corpus not found: set CIPORT_CORPUS"))
struct RoundTripTests {
    struct Outcome {
        var name: String
        var f1: Double
        var missing: [Fact]
    }

    static func roundTrip(_ files: [(name: String, text: String)]) throws -> [Outcome] {
        var out: [Outcome] = []
        for f in files {
            let there = try Translator.convert(f.text, file: f.name)
            let back = try Translator.convert(there.output, file: "there.yml", from: there.target, to: there.source)
            var l = Ledger()
            let again = try Translator.read(back.output, file: "back.yml", from: there.source, ledger: &l)
            let score = Facts.score(Facts.extract(again), against: Facts.extract(there.pipeline))
            out.append(Outcome(name: f.name, f1: score.f1, missing: score.missing))
        }
        return out
    }

    @Test(arguments: [("github-starter-workflows", 0.85), ("gitlab-templates", 0.80)])
    func roundTripKeepsFacts(_ sub: String, _ minimumMean: Double) throws {
        let files = TestPaths.corpusFiles(sub)
        try #require(files.count > 40)
        let outcomes = try Self.roundTrip(files)
        let mean = outcomes.map(\.f1).reduce(0, +) / Double(outcomes.count)
        let worst = outcomes.sorted { $0.f1 < $1.f1 }.prefix(5)
        let detail = worst.map { String(format: "%.3f %@ missing %@", $0.f1, $0.name, $0.missing.prefix(4).map(\.description).joined(separator: "; ")) }
            .joined(separator: "\n")
        #expect(mean >= minimumMean, "mean round-trip fact F1 \(mean) for \(sub); worst:\n\(detail)")
    }
}

struct FactsTests {
    @Test func samePipelineScoresOne() throws {
        let text = """
        on: {push: {branches: [main]}}
        jobs:
          test:
            runs-on: ubuntu-latest
            container: node:20
            steps:
              - uses: actions/checkout@v4
              - run: npm ci
              - run: npm test
          deploy:
            needs: test
            runs-on: ubuntu-latest
            steps: [{run: ./deploy.sh}]
        """
        var l = Ledger()
        let p = try Translator.read(text, file: "a.yml", from: .github, ledger: &l)
        let facts = Facts.extract(p)
        #expect(facts.contains(Fact(.runs, job: "test", ["npm ci"])))
        #expect(facts.contains(Fact(.runs, job: "test", ["npm test"])))
        #expect(facts.contains(Fact(.then, job: "test", ["npm ci", "npm test"])))
        #expect(!facts.contains { $0.kind == .runs && $0.args[0].contains("checkout") })
        #expect(facts.contains(Fact(.needs, job: "deploy", ["test"])))
        #expect(facts.contains(Fact(.image, job: "test", ["node:20"])))
        #expect(facts.contains(Fact(.trigger, ["push", "branch=main"])))
        #expect(Facts.score(facts, against: facts).f1 == 1)
    }

    @Test func jobsAreMatchedByContentNotSpelling() {
        let a: Set<Fact> = [Fact(.job, job: "unit-tests"), Fact(.runs, job: "unit-tests", ["make test"]),
                            Fact(.job, job: "ship"), Fact(.runs, job: "ship", ["make deploy"]), Fact(.needs, job: "ship", ["unit-tests"])]
        let b: Set<Fact> = [Fact(.job, job: "test"), Fact(.runs, job: "test", ["make test"]),
                            Fact(.job, job: "deploy"), Fact(.runs, job: "deploy", ["make deploy"]), Fact(.needs, job: "deploy", ["test"])]
        let s = Facts.score(a, against: b)
        #expect(s.jobMap == ["unit-tests": "test", "ship": "deploy"])
        #expect(s.f1 == 1)
    }

    @Test func missingCommandLowersRecall() {
        let ref: Set<Fact> = [Fact(.job, job: "t"), Fact(.runs, job: "t", ["a"]), Fact(.runs, job: "t", ["b"])]
        let cand: Set<Fact> = [Fact(.job, job: "t"), Fact(.runs, job: "t", ["a"])]
        let s = Facts.score(cand, against: ref)
        #expect(s.precision == 1)
        #expect(abs(s.recall - 2.0 / 3.0) < 1e-9)
        #expect(s.missing == [Fact(.runs, job: "t", ["b"])])
    }

    @Test func matrixFactsAreCombinationsHoweverWritten() {
        let pos = SourcePos(file: "m", line: 1, column: 1)
        var axes = Matrix(pos: pos)
        axes.axes = [Matrix.Axis(name: "node-version", values: ["18", "20"], pos: pos), Matrix.Axis(name: "os", values: ["linux"], pos: pos)]
        axes.exclude = [[KeyValue("node-version", "18", pos: pos)]]
        axes.include = [[KeyValue("node-version", "22", pos: pos), KeyValue("os", "linux", pos: pos)]]
        var rows = Matrix(pos: pos)
        rows.include = [[KeyValue("NODE_VERSION", "20", pos: pos), KeyValue("OS", "linux", pos: pos)],
                        [KeyValue("NODE_VERSION", "22", pos: pos), KeyValue("OS", "linux", pos: pos)]]
        var a = Pipeline(dialect: .github, pos: pos), b = Pipeline(dialect: .gitlab, pos: pos)
        var ja = Job(id: "t", pos: pos), jb = Job(id: "t", pos: pos)
        ja.matrix = axes
        jb.matrix = rows
        a.jobs = [ja]
        b.jobs = [jb]
        let fa = Facts.extract(a).filter { $0.kind == .matrix }, fb = Facts.extract(b).filter { $0.kind == .matrix }
        #expect(fa == [Fact(.matrix, job: "t", ["node_version=20,os=linux"]), Fact(.matrix, job: "t", ["node_version=22,os=linux"])])
        #expect(fa == fb)
    }

    @Test func commandLinesJoinContinuationsAndDropComments() {
        #expect(Facts.commandLines("# setup\nnpm ci \\\n  --prefer-offline\n\n  npm test  ") == ["npm ci --prefer-offline", "npm test"])
    }
}
