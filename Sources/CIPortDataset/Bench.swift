import Foundation

/// `dataset bench`: synthetic, varied platform pairs generated from a few templates, written to a
/// temporary JSONL file and validated, to measure `validate`'s throughput.
public enum DatasetBench {
    static let stacks: [(stack: String, image: String, tools: [String])] = [
        ("node", "node:20", ["npm ci", "npm run", "npx", "node scripts/"]),
        ("python", "python:3.12", ["pip install", "pytest -k", "python -m", "ruff check"]),
        ("go", "golang:1.22", ["go build ./", "go test -run", "go vet ./", "golangci-lint run"]),
        ("rust", "rust:1.78", ["cargo build -p", "cargo test --test", "cargo clippy -p", "cargo fmt --check -p"]),
        ("ruby", "ruby:3.3", ["bundle exec rake", "bundle exec rspec spec/", "rubocop", "bundle install --jobs"]),
        ("php", "php:8.3", ["composer install", "vendor/bin/phpunit --filter", "vendor/bin/phpstan analyse", "php artisan"]),
    ]

    /// A pronounceable random word, so shingles differ between records.
    static func word(_ rng: inout SeededRandom) -> String {
        let c = Array("bcdfghjklmnprstvz"), v = Array("aeiou")
        return String((0..<(2 + Int(rng.next() % 3))).flatMap { _ in [c[Int(rng.next() % UInt64(c.count))], v[Int(rng.next() % UInt64(v.count))]] })
    }

    /// One GitHub workflow and the GitLab file that does the same, in either direction.
    static func pair(_ i: Int, _ rng: inout SeededRandom) -> DatasetRecord {
        let s = stacks[Int(rng.next() % UInt64(stacks.count))]
        let jobs = (0..<(2 + Int(rng.next() % 3))).map { _ in word(&rng) + "-" + word(&rng) }
        let branch = word(&rng)
        let variable = word(&rng).uppercased(), value = word(&rng)
        var gh = "name: \(word(&rng))\non:\n  push:\n    branches: [\(branch)]\njobs:\n"
        var gl = "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"\(branch)\"\n\nvariables:\n  \(variable): \(value)\n\n"
        gh = gh.replacingOccurrences(of: "jobs:\n", with: "env:\n  \(variable): \(value)\njobs:\n")
        for (k, job) in jobs.enumerated() {
            let commands = (0..<(2 + Int(rng.next() % 4))).map { _ in
                s.tools[Int(rng.next() % UInt64(s.tools.count))] + " " + word(&rng) + (rng.next() % 2 == 0 ? " --" + word(&rng) : "")
            }
            gh += "  \(job):\n"
            if k > 0 { gh += "    needs: [\(jobs[k - 1])]\n" }
            gh += "    runs-on: ubuntu-latest\n    container: \(s.image)\n    steps:\n      - uses: actions/checkout@v4\n"
            gh += commands.map { "      - run: \($0)\n" }.joined()
            gl += "\(job):\n  image: \(s.image)\n"
            if k > 0 { gl += "  needs: [\(jobs[k - 1])]\n" }
            gl += "  script:\n" + commands.map { "    - \($0)\n" }.joined() + "\n"
        }
        let forward = rng.next() % 2 == 0
        return .make(id: "bench-\(i)", task: "platform",
                     source: .init(platform: forward ? .github : .gitlab, stack: s.stack),
                     target: .init(platform: forward ? .gitlab : .github, stack: s.stack),
                     sourceFile: forward ? gh : gl, targetFile: forward ? gl : gh, provenance: "synthesized", license: "CC0-1.0")
    }

    /// Writes `count` records to `path` (seeded, so every run validates the same data).
    public static func generate(count: Int, to path: String, seed: UInt64 = 42) throws {
        var rng = SeededRandom(seed: seed)
        let out = try AtomicOutput(path: path)
        for i in 0..<count { try out.writeLine(pair(i, &rng).jsonLine()) }
        try out.commit()
    }
}
