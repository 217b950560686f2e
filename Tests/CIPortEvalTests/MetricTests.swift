import CIPortCore
@testable import CIPortEval
import Foundation
import Testing

struct ChrFTests {
    @Test func identicalIsOneAndDisjointIsZero() {
        #expect(ChrF.score("npm ci && npm test", "npm ci && npm test") == 1)
        #expect(ChrF.score("abc", "xyz") == 0)
        // Whitespace does not count.
        #expect(ChrF.score("a b  c", "abc") == 1)
    }

    @Test func recallWeighsMoreThanPrecision() {
        // β = 2: missing half the reference costs more than adding half again as much.
        let ref = "abcdefghijkl"
        let short = ChrF.score("abcdef", ref)
        let long = ChrF.score(ref + "mnopqr", ref)
        #expect(short < long)
    }

    @Test func matchesAHandComputedValue() {
        // "ab" vs "ac": orders 1 and 2 exist on both sides. n=1: matches {a} → P = R = 1/2;
        // n=2: "ab" vs "ac" → 0. Averages P = R = 1/4, so F = 1/4.
        #expect(abs(ChrF.score("ab", "ac") - 0.25) < 1e-9)
    }
}

struct CrystalBLEUTests {
    @Test func identicalIsOne() {
        #expect(abs(CrystalBLEU().score("npm ci\nnpm run build\nnpm test", "npm ci\nnpm run build\nnpm test") - 1) < 1e-9)
    }

    @Test func boilerplateSharedByEveryReferenceStopsCounting() {
        let boiler = "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        let refs = (0..<20).map { boiler + "      - run: make target\($0)\n" }
        let a = boiler + "      - run: cargo build --release --locked\n"
        let b = boiler + "      - run: python -m pytest -q tests\n"
        let plain = CrystalBLEU().score(a, b)
        let crystal = CrystalBLEU(references: refs, k: 200).score(a, b)  // k above the boilerplate's n-gram count
        #expect(plain > 0.3)
        #expect(crystal < plain / 2)
    }
}

struct CanonicalTests {
    @Test func quotingKeyOrderAndCommentsDoNotMatter() throws {
        let a = try #require(try YAMLLoader.load("# c\nb: 'x'\na: [1, \"two\"]\nflag: True\n", file: "a"))
        let b = try #require(try YAMLLoader.load("a:\n  - 1\n  - two\nflag: true\nb: x\n", file: "b"))
        #expect(Canonical.form(a) == Canonical.form(b))
        let c = try #require(try YAMLLoader.load("a: [two, 1]\nflag: true\nb: x\n", file: "c"))
        #expect(Canonical.form(a) != Canonical.form(c))  // sequence order is kept
    }
}

struct BootstrapTests {
    @Test func seededAndBracketingTheMean() {
        let v = (0..<200).map { Double($0 % 10) / 10 }
        let a = Bootstrap.estimate(v, seed: 1), b = Bootstrap.estimate(v, seed: 1)
        #expect(a == b)
        #expect(a.low <= a.mean && a.mean <= a.high && a.low < a.high)
        #expect(Bootstrap.estimate([0.5], seed: 1) == Estimate(mean: 0.5, low: 0.5, high: 0.5, n: 1))
    }
}

struct FenceTests {
    @Test func answersAreCutFromTheirFence() {
        #expect(Fence.answerFile("Sure:\n```yaml\na: 1\n```\nDone.") == "a: 1\n")
        #expect(Fence.answerFile("a: 1\n") == "a: 1\n")
        #expect(Fence.answerFile("```yaml\na: 1\nb: 2") == "a: 1\nb: 2")  // cut at max tokens
    }
}

struct EvalBenchTests {
    @Test func syntheticCasesScoreWithEveryMetric() async {
        let items = EvalBench.items(40)
        let (results, _) = await EvalBench.score(items, scorer: Scorer(cases: items.map(\.bench)), chunks: 2)
        #expect(results.count == 40)
        #expect(results.allSatisfy { $0.outcome == .scored && $0.scores?.parses == true })
        let s = EvalSummary(results: results, engine: "rules", bench: "synthetic", threshold: 0.8)
        #expect((s.overall.metrics["fact_f1"]?.mean ?? 0) > 0.5)
    }
}

struct CanonicalDigestTests {
    @Test func digestAgreesWithTheForm() throws {
        let texts = ["b: 'x'\na: [1, \"two\"]\nflag: True\n", "a:\n  - 1\n  - two\nflag: true\nb: x\n", "a: [two, 1]\nflag: true\nb: x\n",
                     "a: {b: 1}\n", "a: {b: '1'}\n", "x: &d {k: v}\ny:\n  <<: *d\n", "x: &d {k: v}\ny:\n  k: v\n"]
        let nodes = try texts.map { try #require(try YAMLLoader.load($0, file: "t")) }
        for a in nodes {
            for b in nodes { #expect((Canonical.form(a) == Canonical.form(b)) == (Canonical.digest(a) == Canonical.digest(b))) }
        }
    }

    @Test func specHeaderSniffing() {
        #expect(Scorer.mayHaveSpecHeader("# c\n\n---\nspec:\n  inputs: {}\n---\njob: {script: [x]}\n"))
        #expect(!Scorer.mayHaveSpecHeader("stages: [a]\nspec: 1\n"))
        #expect(!Scorer.mayHaveSpecHeader("  # only comments\n"))
    }
}
