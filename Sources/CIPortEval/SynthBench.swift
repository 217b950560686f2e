import CIPortCore
import Foundation

/// The scoring benchmark (`ciport eval bench`): synthetic GitHub → GitLab cases, each with a hand-shaped
/// GitLab reference and the rule engine's answer, scored with every metric. Only scoring is timed.
public enum EvalBench {
    public struct Item: Sendable {
        public var bench: BenchCase
        public var answer: String
    }

    static let stacks: [(name: String, image: String, setup: String, version: String, install: String, test: String, cache: String)] = [
        ("node", "node", "actions/setup-node@v4", "node-version", "npm ci", "npm test", "node_modules"),
        ("python", "python", "actions/setup-python@v5", "python-version", "pip install -r requirements.txt", "pytest -q", ".venv"),
        ("go", "golang", "actions/setup-go@v5", "go-version", "go mod download", "go test ./...", ".cache/go"),
        ("ruby", "ruby", "ruby/setup-ruby@v1", "ruby-version", "bundle install", "bundle exec rake test", "vendor/bundle"),
    ]

    /// `n` distinct cases (seeded): 1–4 jobs with commands, needs, variables, caches and artifacts.
    public static func items(_ n: Int, seed: UInt64 = 7) -> [Item] {
        var rng = SplitMix64(seed: seed)
        var out: [Item] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let s = stacks[Int(rng.next() % UInt64(stacks.count))]
            let version = ["18", "20", "22", "3.11", "3.12", "1.22"][Int(rng.next() % 6)]
            let jobs = 1 + Int(rng.next() % 4)
            let branch = ["main", "master", "develop", "release"][Int(rng.next() % 4)]
            var gh = "name: ci-\(i)\non:\n  push:\n    branches: [\(branch)]\n  pull_request:\nenv:\n  APP: app\(i)\njobs:\n"
            var gl = "stages: [build, test]\nvariables:\n  APP: app\(i)\nworkflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_BRANCH == \"\(branch)\"\n"
            for j in 0..<jobs {
                let name = j == 0 ? "build" : "test\(j)"
                let extra = (0..<(1 + Int(rng.next() % 3))).map { k in "echo step \(k) of \(name) in case \(i)" }
                gh += "  \(name):\n    runs-on: ubuntu-latest\n"
                if j > 0 { gh += "    needs: build\n" }
                gh += "    steps:\n      - uses: actions/checkout@v4\n      - uses: \(s.setup)\n        with:\n          \(s.version): '\(version)'\n"
                gh += "      - uses: actions/cache@v4\n        with:\n          path: \(s.cache)\n          key: \(s.name)-${{ hashFiles('**/lock') }}\n"
                gh += "      - run: \(s.install)\n"
                for e in extra { gh += "      - run: \(e)\n" }
                gh += "      - run: \(s.test)\n"
                if j == 0 { gh += "      - uses: actions/upload-artifact@v4\n        with:\n          name: dist\n          path: dist/\n" }
                gl += "\(name):\n  stage: \(j == 0 ? "build" : "test")\n  image: \(s.image):\(version)\n"
                if j > 0 { gl += "  needs: [build]\n" }
                gl += "  cache:\n    key: \(s.name)\n    paths: [\(s.cache)]\n  script:\n    - \(s.install)\n"
                for e in extra { gl += "    - \(e)\n" }
                gl += "    - \(s.test)\n"
                if j == 0 { gl += "  artifacts:\n    paths: [dist/]\n" }
            }
            let c = BenchCase(id: "synth-\(i)", task: "platform", sourcePlatform: "github", targetPlatform: "gitlab",
                              prompt: [ChatMessage(role: "user", content: Fence.wrap(gh))], sourceText: gh, reference: gl,
                              location: "synthetic:\(i)")
            let answer = (try? Translator.convert(gh, file: "synth-\(i).yml", from: .github, to: .gitlab).output) ?? ""
            out.append(Item(bench: c, answer: answer))
        }
        return out
    }

    /// Scores every item (reference read and every metric) in `chunks` concurrent chunks; returns the
    /// results in item order and the wall-clock seconds.
    public static func score(_ items: [Item], scorer: Scorer, chunks: Int) async -> (results: [CaseResult], seconds: Double) {
        let start = Date()
        let k = max(1, min(chunks, items.count))
        let size = (items.count + k - 1) / max(k, 1)
        var parts = [[CaseResult]](repeating: [], count: k)
        await withTaskGroup(of: (Int, [CaseResult]).self) { group in
            for p in 0..<k {
                let slice = items[min(items.count, p * size)..<min(items.count, (p + 1) * size)]
                group.addTask {
                    (p, slice.map { scorer.result($0.bench, .answer($0.answer, Trace())) })
                }
            }
            for await (p, r) in group { parts[p] = r }
        }
        return (parts.flatMap { $0 }, Date().timeIntervalSince(start))
    }
}
