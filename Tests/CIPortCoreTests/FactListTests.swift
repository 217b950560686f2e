import Testing
@testable import CIPortCore

/// `Facts.factList` and `Facts.f1AndMissing`, the hash-free path `dataset validate` takes, against
/// `extract` and `score` over sets: the same F1 and missing facts for converted pipelines, unrelated
/// ones, a pipeline against itself, and lists reordered, repeated or short of a fact. `sameSet`
/// must never say yes for different sets.
struct FactListTests {
    static func check(_ a: [Fact], _ b: [Fact], _ label: String) {
        let fast = Facts.f1AndMissing(a, against: b)
        let full = Facts.score(Set(a), against: Set(b))
        #expect(fast.f1 == full.f1 && Facts.sortedByDescription(fast.missing) == full.missing, "\(label): \(fast) vs \(full.f1) \(full.missing)")
        if Facts.sameSet(a, b) { #expect(Set(a) == Set(b), "\(label): sameSet said yes") }
    }

    @Test func listsScoreAsTheirSets() {
        var rng = SplitMix64(seed: 0xFAC7)
        var lists: [[Fact]] = []
        var sameFound = 0
        for n in 0..<300 {
            let github = rng.next() % 2 == 0
            let text = github ? FactsDifferentialTests.randomGitHub(&rng) : FactsDifferentialTests.randomGitLab(&rng)
            var l = Ledger()
            guard let p = try? Translator.read(text, file: "random.yml", from: github ? .github : .gitlab, ledger: &l) else { continue }
            let facts = Facts.factList(p)
            #expect(Set(facts) == Facts.extract(p), "random \(n)")
            if let there = try? Translator.convert(text, file: "random.yml", from: github ? .github : .gitlab) {
                var l2 = Ledger()
                if let q = try? Translator.read(there.output, file: "there.yml", from: there.target, ledger: &l2) {
                    let other = Facts.factList(q)
                    Self.check(other, facts, "random \(n) converted")
                    Self.check(facts, other, "random \(n) converted, reversed")
                    if Facts.sameSet(other, facts) { sameFound += 1 }
                }
            }
            if let last = lists.last { Self.check(facts, last, "random \(n) vs previous") }
            Self.check(facts, facts, "random \(n) vs itself")
            // A few facts swapped, one repeated, one dropped, the list reversed.
            var swapped = facts
            if swapped.count > 3 {
                for _ in 0..<3 {
                    swapped.swapAt(Int(rng.next() % UInt64(swapped.count)), Int(rng.next() % UInt64(swapped.count)))
                }
            }
            Self.check(swapped, facts, "random \(n) swapped")
            if let f = facts.first { Self.check(facts + [f], facts, "random \(n) repeated") }
            if !facts.isEmpty {
                var dropped = facts
                dropped.remove(at: Int(rng.next() % UInt64(facts.count)))
                Self.check(dropped, facts, "random \(n) dropped")
                Self.check(facts, dropped, "random \(n) dropped, reversed")
            }
            Self.check(Array(facts.reversed()), facts, "random \(n) reversed")
            lists.append(facts)
        }
        #expect(lists.count > 150)
        #expect(sameFound > 0)
        Self.check([], [], "empty")
        if let f = lists.first(where: { !$0.isEmpty }) { Self.check([], f, "empty vs some"); Self.check(f, [], "some vs empty") }
    }
}
