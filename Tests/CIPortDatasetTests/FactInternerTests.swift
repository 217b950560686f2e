import Testing
@testable import CIPortCore

/// `FactInterner` numbers facts as a dictionary would, and `matchJobs` keeps Swift's string
/// equality where bytes differ.
struct FactInternerTests {
    @Test func equalFactsGetOneNumber() throws {
        var interner = FactInterner(capacity: 2)
        var dictionary: [Fact: Int32] = [:]
        let facts = (0..<200).map { i in Fact(i % 3 == 0 ? .runs : .then, [String(repeating: "x", count: i % 19), "npm run \(i % 23)"]) }
        for f in facts {
            let number = interner.id(f.kind, f.args)
            let id = try #require(number)
            let expected = dictionary[f] ?? Int32(dictionary.count)
            dictionary[f] = expected
            #expect(id == expected)
        }
    }

    @Test func nonASCIIArgumentsAreLeftToTheDictionary() {
        var interner = FactInterner(capacity: 1)
        let accented = interner.id(.runs, ["échec"]), kelvin = interner.id(.runs, ["make \u{212A}"])
        let plain = interner.id(.runs, ["plain", "ascii"])
        #expect(accented == nil && kelvin == nil)
        #expect(plain == 0)
    }

    /// "\u{212A}" (Kelvin sign) == "K" in Swift: the two jobs share their command.
    @Test func canonicallyEqualArgumentsStillMatch() {
        let a: Set<Fact> = [Fact(.job, job: "t"), Fact(.runs, job: "t", ["make K"]), Fact(.runs, job: "other", ["a"])]
        let b: Set<Fact> = [Fact(.job, job: "u"), Fact(.runs, job: "u", ["make \u{212A}"]), Fact(.runs, job: "misc", ["a"])]
        #expect(Facts.matchJobs(a, b) == ["t": "u", "other": "misc"])
        #expect(Facts.score(a, against: b).f1 == 1)
    }
}
