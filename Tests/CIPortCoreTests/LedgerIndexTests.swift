import Foundation
import Testing
@testable import CIPortCore

/// The ledger's construct index answers as a `[String: Int]` would: by Swift string equality
/// (canonical equivalence), whatever the keys' bytes.
struct LedgerIndexTests {
    /// Paths from a small alphabet (so that keys repeat), with lengths around the 8-byte words
    /// the hash reads; `unicode` adds characters that are equal to others under canonical
    /// equivalence: the Kelvin sign (= "K"), "é" precomposed and decomposed, the Ångström sign.
    static func key(_ r: inout SplitMix64, unicode: Bool) -> String {
        let ascii = ["jobs", ".", "build", "K", "[0]", "script", "e", "steps", "[1]", "x"]
        let other = ["\u{212A}", "\u{E9}", "e\u{301}", "\u{212B}", "\u{C5}", "A\u{30A}"]
        var s = ""
        for _ in 0..<(1 + r.below(7)) {
            s += unicode && r.below(4) == 0 ? other[r.below(other.count)] : ascii[r.below(ascii.count)]
        }
        return s
    }

    static func check(seed: UInt64, unicode: Bool, operations: Int = 4000) {
        var r = SplitMix64(seed: seed)
        var ledger = Ledger()
        var reference: [String: Int] = [:]
        var order: [String] = []
        for step in 0..<operations {
            let k = key(&r, unicode: unicode)
            if r.below(3) == 0 {
                // Look up only (the non-mutating path).
                #expect(ledger.contains(k) == (reference[k] != nil), "seed \(seed) step \(step): contains(\(k.debugDescription))")
                if let i = reference[k] { #expect(ledger.entry(k)?.construct == order[i]) }
            } else {
                ledger.record(k, at: SourcePos(file: "f", line: step, column: 1), .translated, note: "n\(step)")
                if reference[k] == nil {
                    reference[k] = order.count
                    order.append(k)
                }
            }
        }
        #expect(ledger.entries.map(\.construct) == order, "seed \(seed): entries in first-recorded order")
        for (k, i) in reference { #expect(ledger.entry(k)?.construct == order[i]) }
    }

    @Test func asciiKeysAnswerAsADictionary() {
        for seed in UInt64(1)...20 { Self.check(seed: seed, unicode: false) }
    }

    @Test func canonicallyEqualKeysAreOneConstruct() {
        for seed in UInt64(100)...120 { Self.check(seed: seed, unicode: true) }
        var l = Ledger()
        l.record("jobs.K.script", at: SourcePos(file: "f", line: 1, column: 1))
        // Looked up before any non-ASCII path was recorded: the Kelvin sign is "K".
        #expect(l.contains("jobs.\u{212A}.script"))
        l.record("jobs.\u{212A}.script", at: SourcePos(file: "f", line: 2, column: 1), .lost, note: "gone")
        #expect(l.entries.count == 1)
        #expect(l.entries[0].status == .lost)
        #expect(l.contains("jobs.K.script"))
    }

    @Test func manyEntriesGrowTheTable() {
        var l = Ledger()
        for i in 0..<5000 { l.record("jobs.job\(i).script[\(i % 7)]", at: SourcePos(file: "f", line: i, column: 1)) }
        for i in stride(from: 0, to: 5000, by: 37) { l.record("jobs.job\(i).script[\(i % 7)]", at: .synthesized(), .needsReview) }
        #expect(l.entries.count == 5000)
        #expect(l.entries.filter { $0.status == .needsReview }.count == (0..<5000).filter { $0 % 37 == 0 }.count)
        #expect(!l.contains("jobs.job5000.script[0]"))
    }

    @Test func codingKeepsEntriesAndIndex() throws {
        var l = Ledger()
        l.record("a.b", at: SourcePos(file: "f", line: 1, column: 2), .approximated, note: "close")
        l.record("c\u{E9}", at: SourcePos(file: "f", line: 3, column: 4), target: "t")
        let data = try JSONEncoder().encode(l)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["index"] as? [String: Int]) == ["a.b": 0, "c\u{E9}": 1])
        let back = try JSONDecoder().decode(Ledger.self, from: data)
        #expect(back == l)
        #expect(back.contains("ce\u{301}"))
    }
}
