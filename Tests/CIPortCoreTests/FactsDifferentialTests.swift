import Foundation
import Testing
@testable import CIPortCore

/// `Facts.extract` and `Facts.score` against `LegacyFacts` (the straightforward implementation they
/// replaced): the same fact sets and the same scores, field by field, on the corpus (each file, its
/// conversion and its round trip, and scores between unrelated files) and on random pipelines.
struct FactsDifferentialTests {
    /// Facts from both implementations, checked equal; the new ones returned.
    static func checkedFacts(_ p: Pipeline, _ label: String) -> Set<Fact> {
        let new = Facts.extract(p), old = LegacyFacts.extract(p)
        #expect(new == old, "\(label): facts differ\nnew only: \(new.subtracting(old).sorted())\nold only: \(old.subtracting(new).sorted())")
        for f in new where f.description != legacyDescription(f) {
            Issue.record("\(label): \(f.description) was \(legacyDescription(f))")
        }
        return new
    }

    static func checkScore(_ a: Set<Fact>, _ b: Set<Fact>, _ label: String) {
        let new = Facts.score(a, against: b), old = LegacyFacts.score(a, against: b)
        #expect(new == old, "\(label): scores differ\nnew: \(new)\nold: \(old)")
        // Field by field as well, so that a difference names itself.
        #expect(new.jobMap == old.jobMap, "\(label)")
        #expect(new.missing == old.missing && new.extra == old.extra, "\(label)")
        #expect(new.f1 == old.f1 && new.precision == old.precision && new.recall == old.recall && new.matched == old.matched, "\(label)")
    }

    @Test(.enabled(if: TestPaths.hasCorpus, "corpus not found: set CIPORT_CORPUS"))
    func corpusFactsAndScoresMatchTheReference() throws {
        let files = TestPaths.corpusFiles("github-starter-workflows") + TestPaths.corpusFiles("gitlab-templates")
        try #require(files.count > 80)
        var sets: [Set<Fact>] = []
        for f in files {
            guard let there = try? Translator.convert(f.text, file: f.name) else { continue }
            let src = Self.checkedFacts(there.pipeline, f.name)
            var l = Ledger()
            guard let target = try? Translator.read(there.output, file: "there.yml", from: there.target, ledger: &l) else { continue }
            let dst = Self.checkedFacts(target, f.name + " converted")
            Self.checkScore(dst, src, f.name + " converted")
            Self.checkScore(src, dst, f.name + " converted, reversed")
            if let back = try? Translator.convert(there.output, file: "there.yml", from: there.target, to: there.source) {
                var l2 = Ledger()
                if let again = try? Translator.read(back.output, file: "back.yml", from: there.source, ledger: &l2) {
                    Self.checkScore(Self.checkedFacts(again, f.name + " round trip"), src, f.name + " round trip")
                }
            }
            sets.append(src)
            sets.append(dst)
        }
        // Unrelated pipelines: job maps that rename, many missing and extra facts.
        for k in sets.indices where k % 3 == 0 {
            Self.checkScore(sets[k], sets[(k * 7 + 5) % sets.count], "sets \(k) vs \((k * 7 + 5) % sets.count)")
        }
    }

    @Test func generatedPipelinesMatchTheReference() throws {
        var rng = SplitMix64(seed: 0xFAC75)
        var sets: [Set<Fact>] = []
        for n in 0..<400 {
            let github = rng.next() % 2 == 0
            let text = github ? Self.randomGitHub(&rng) : Self.randomGitLab(&rng)
            var l = Ledger()
            guard let p = try? Translator.read(text, file: "random.yml", from: github ? .github : .gitlab, ledger: &l) else { continue }
            let facts = Self.checkedFacts(p, "random \(n):\n\(text)")
            if let there = try? Translator.convert(text, file: "random.yml", from: github ? .github : .gitlab) {
                var l2 = Ledger()
                if let q = try? Translator.read(there.output, file: "there.yml", from: there.target, ledger: &l2) {
                    let other = Self.checkedFacts(q, "random \(n) converted")
                    Self.checkScore(other, facts, "random \(n) converted")
                }
            }
            if let last = sets.last { Self.checkScore(facts, last, "random \(n) vs previous") }
            Self.checkScore(facts, facts, "random \(n) vs itself")
            sets.append(facts)
        }
        #expect(sets.count > 200)  // 260 of the 400 read with seed 0xFAC75
    }

    @Test func jobKeysCompareAsNormalizedNames() {
        var rng = SplitMix64(seed: 7)
        let pieces = ["a", "B", "z", "Z", "0", "9", "-", "_", " ", ".", "\u{212A}", "k", "K", "é", "e\u{301}", "É", "\r\n", "ß", "\u{301}", "/", "ǅ"]
        for _ in 0..<20000 {
            let a = (0..<Int(rng.next() % 6)).map { _ in Self.pick(pieces, &rng) }.joined()
            var b = (0..<Int(rng.next() % 6)).map { _ in Self.pick(pieces, &rng) }.joined()
            if rng.next() % 3 == 0 { b = a.uppercased() + (rng.next() % 2 == 0 ? "-" : "") }
            #expect(Facts.sameJobKey(a, b) == (Facts.normalizeJobName(a) == Facts.normalizeJobName(b)), "\(a.debugDescription) \(b.debugDescription)")
        }
    }

    // MARK: Random pipelines

    static let words = ["build", "test", "lint", "deploy", "unit-tests", "Unit_Tests", "e2e", "docs", "release", "pages", "K\u{212A}", "café"]
    static let commands = [
        "npm ci", "npm test", "npm  run   build", "make \\\n  all", "echo $CI_COMMIT_SHA", "echo ${{ github.sha }}",
        "echo \"${{ matrix.node-version }}\"", "echo $NODE_VERSION", "pytest -k $FILTER", "# a comment", "",
        "cargo build --release", "docker build -t $IMAGE:${CI_COMMIT_REF_SLUG} .", "echo $$HOME", "echo \\$X",
        "echo ${{ secrets.TOKEN }}", "echo $[[ inputs.name ]]", "go test ./...", "echo ${{ env.FOO  }}", "npm ci",
        "echo café", "ls\t-la", "echo ${{ steps.meta.outputs.tags }}", "echo ${{ needs.build.outputs.tag }}",
    ]
    static let actions = [
        "actions/checkout@v4", "actions/checkout@main", "Actions/Checkout@v3", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab",
        "actions/setup-node@v4", "actions/setup-python@v5", "actions/cache@v4", "actions/upload-artifact@v4",
        "actions/download-artifact@v4", "docker/login-action@v3", "someone/unknown-action@v1", "./local-action",
        "actions/configure-pages@v5", "actions/deploy-pages@v4", "docker://alpine:3",
    ]
    static let withs = [
        "ref: main", "fetch-depth: 0", "submodules: recursive", "submodules: true", "clean: false", "path: sub",
        "ref: ''", "node-version: 20", "node-version: ${{ matrix.node }}", "python-version: '3.12'", "cache: npm",
        "path: |\n            dist/\n            ./build/", "key: ${{ runner.os }}-${{ hashFiles('package-lock.json') }}",
        "name: dist", "repository: other/repo", "REF: v1",
    ]

    static func pick<T>(_ a: [T], _ rng: inout SplitMix64) -> T { a[Int(rng.next() % UInt64(a.count))] }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "\""
    }

    static func randomGitHub(_ rng: inout SplitMix64) -> String {
        var s = "on:\n  push:\n    branches: [\(pick(words, &rng))]\n"
        if rng.next() % 3 == 0 { s += "  pull_request:\n  schedule:\n    - cron: '0  4 * * *'\n" }
        if rng.next() % 2 == 0 { s += "env:\n  FOO: \(quoted(pick(commands, &rng)))\n  bar: baz\n" }
        s += "jobs:\n"
        let n = 1 + Int(rng.next() % 4)
        var names: [String] = []
        for _ in 0..<n {
            var name = pick(words, &rng).replacingOccurrences(of: "\u{212A}", with: "k").replacingOccurrences(of: "é", with: "e")
            while names.contains(name) { name += "x" }
            names.append(name)
            s += "  \(name):\n    runs-on: ubuntu-latest\n"
            if names.count > 1, rng.next() % 2 == 0 { s += "    needs: [\(names[Int(rng.next() % UInt64(names.count - 1))])]\n" }
            if rng.next() % 3 == 0 { s += "    container: node:\(18 + rng.next() % 3)\n" }
            if rng.next() % 4 == 0 { s += "    services:\n      db: postgres:16\n" }
            if rng.next() % 3 == 0 { s += "    if: github.ref == 'refs/heads/main'\n" }
            if rng.next() % 4 == 0 { s += "    environment: production\n" }
            if rng.next() % 3 == 0 {
                s += "    strategy:\n      matrix:\n        node-version: [18, 20]\n        os: [linux, mac]\n"
                if rng.next() % 2 == 0 { s += "        include:\n          - node-version: 22\n            extra: yes\n" }
                if rng.next() % 2 == 0 { s += "        exclude:\n          - os: mac\n            node-version: 18\n" }
            }
            if rng.next() % 3 == 0 { s += "    env:\n      NODE_ENV: \(quoted(pick(commands, &rng)))\n" }
            s += "    steps:\n"
            for _ in 0..<(1 + Int(rng.next() % 7)) {
                if rng.next() % 3 == 0 {
                    s += "      - uses: \(pick(actions, &rng))\n"
                    if rng.next() % 2 == 0 {
                        s += "        with:\n"
                        for _ in 0..<(1 + Int(rng.next() % 2)) { s += "          " + pick(withs, &rng) + "\n" }
                    }
                } else {
                    let lines = (0..<(1 + Int(rng.next() % 3))).map { _ in pick(commands, &rng) }
                    s += "      - run: \(quoted(lines.joined(separator: "\n")))\n"
                }
            }
        }
        return s
    }

    static func randomGitLab(_ rng: inout SplitMix64) -> String {
        var s = ""
        if rng.next() % 2 == 0 { s += "stages: [build, test, deploy]\n" }
        if rng.next() % 2 == 0 { s += "variables:\n  FOO: \(quoted(pick(commands, &rng)))\n" }
        if rng.next() % 3 == 0 { s += "default:\n  image: ruby:3\n  before_script:\n    - bundle install\n  cache:\n    paths: [vendor/]\n" }
        if rng.next() % 3 == 0 { s += "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n" }
        let n = 1 + Int(rng.next() % 5)
        var names: [String] = []
        for _ in 0..<n {
            var name = pick(words, &rng)
            while names.contains(name) { name += "x" }
            names.append(name)
            s += "\(quoted(name)):\n"
            if rng.next() % 3 != 0 { s += "  stage: \(pick(["build", "test", "deploy", ".pre", "other"], &rng))\n" }
            if names.count > 1, rng.next() % 4 == 0 { s += "  needs: [\(quoted(names[0]))]\n" }
            if rng.next() % 3 == 0 { s += "  image: python:3.\(10 + rng.next() % 3)\n" }
            if rng.next() % 4 == 0 { s += "  services: [postgres:16]\n" }
            if rng.next() % 4 == 0 { s += "  when: manual\n" }
            if rng.next() % 4 == 0 { s += "  rules:\n    - if: $CI_COMMIT_TAG\n" }
            if rng.next() % 4 == 0 { s += "  environment: production\n" }
            if rng.next() % 4 == 0 { s += "  parallel:\n    matrix:\n      - NODE_VERSION: ['18', '20']\n        OS: [linux]\n" }
            if rng.next() % 4 == 0 { s += "  parallel: 3\n" }
            if rng.next() % 3 == 0 { s += "  artifacts:\n    paths: [./dist/, build]\n" }
            if rng.next() % 4 == 0 { s += "  cache:\n    paths: [node_modules/]\n" }
            if rng.next() % 3 == 0 { s += "  variables:\n    X: \(quoted(pick(commands, &rng)))\n" }
            s += "  script:\n"
            for _ in 0..<(1 + Int(rng.next() % 6)) { s += "    - \(quoted(pick(commands, &rng)))\n" }
            if rng.next() % 4 == 0 { s += "  after_script:\n    - echo done\n" }
        }
        return s
    }
}

