import Foundation

/// A metric's mean over cases with its bootstrap 95% confidence interval.
public struct Estimate: Sendable, Codable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var n: Int
}

/// The metrics aggregated over a run, its task kinds and its platform pairs.
public struct EvalSummary: Sendable, Codable, Equatable {
    public struct Group: Sendable, Codable, Equatable {
        public var cases: Int
        public var scored: Int
        public var engineErrors: Int
        public var benchmarkErrors: Int
        /// Metric name → estimate; see `EvalSummary.metricNames`.
        public var metrics: [String: Estimate]
    }

    public var engine: String
    public var bench: String
    public var threshold: Double
    public var seed: UInt64
    public var resamples: Int
    public var overall: Group
    /// Engine failures by kind (`timeout`, `http`, `bad-response`, …).
    public var errorKinds: [String: Int]
    public var byTask: [String: Group]
    public var byPair: [String: Group]

    /// The metrics, in report order, with what they mean.
    public static let metricNames: [(key: String, help: String)] = [
        ("fact_f1", "Fact F1 against the reference (pipeline-model facts: jobs, commands, needs, triggers, variables, images, services, caches, artifacts, matrices, conditions)"),
        ("parse_rate", "Share of answers ciport reads as a pipeline of the target platform"),
        ("validate_rate", "Share of answers with no `ciport validate` errors"),
        ("pass_rate", "Share of cases that parse, validate and reach the fact F1 threshold"),
        ("exact_match", "Share of answers whose canonical YAML tree equals the reference's"),
        ("chrf", "chrF (character 6-gram F-score, beta 2), 0-1"),
        ("crystal_bleu", "CrystalBLEU-style BLEU-4 ignoring the benchmark's most frequent n-grams, 0-1"),
        ("judge", "LLM judge grade (both answer orders), 0-1"),
    ]

    /// The value of `metric` for one result; nil when the case does not count for it.
    public static func value(_ metric: String, _ r: CaseResult, threshold: Double) -> Double? {
        switch r.outcome {
        case .benchmarkError: return nil
        case .engineError: return metric == "judge" ? nil : 0
        case .scored: break
        }
        guard let s = r.scores else { return nil }
        switch metric {
        case "fact_f1": return s.factF1
        case "parse_rate": return s.parses ? 1 : 0
        case "validate_rate": return s.validates ? 1 : 0
        case "pass_rate": return r.passed(threshold: threshold) ? 1 : 0
        case "exact_match": return s.exact ? 1 : 0
        case "chrf": return s.chrF
        case "crystal_bleu": return s.bleu
        case "judge": return s.judge
        default: return nil
        }
    }

    public init(results: [CaseResult], engine: String, bench: String, threshold: Double, seed: UInt64 = 42, resamples: Int = 1000) {
        self.engine = engine
        self.bench = bench
        self.threshold = threshold
        self.seed = seed
        self.resamples = resamples
        overall = Self.group(results, threshold: threshold, seed: seed, resamples: resamples)
        var kinds: [String: Int] = [:]
        for r in results where r.outcome == .engineError { kinds[r.errorKind ?? "other", default: 0] += 1 }
        errorKinds = kinds
        byTask = Dictionary(grouping: results, by: \.task).mapValues { Self.group($0, threshold: threshold, seed: seed, resamples: resamples) }
        byPair = Dictionary(grouping: results, by: \.pair).mapValues { Self.group($0, threshold: threshold, seed: seed, resamples: resamples) }
    }

    static func group(_ results: [CaseResult], threshold: Double, seed: UInt64, resamples: Int) -> Group {
        var metrics: [String: Estimate] = [:]
        for (m, _) in metricNames {
            let values = results.compactMap { value(m, $0, threshold: threshold) }
            if values.isEmpty { continue }
            metrics[m] = Bootstrap.estimate(values, seed: seed, resamples: resamples)
        }
        return Group(cases: results.count, scored: results.count { $0.outcome == .scored },
                     engineErrors: results.count { $0.outcome == .engineError },
                     benchmarkErrors: results.count { $0.outcome == .benchmarkError }, metrics: metrics)
    }
}

/// Percentile bootstrap of the mean, seeded so a report is reproducible.
public enum Bootstrap {
    public static func estimate(_ values: [Double], seed: UInt64, resamples: Int = 1000) -> Estimate {
        let n = values.count
        let mean = values.reduce(0, +) / Double(max(n, 1))
        guard n > 1, resamples > 0 else { return Estimate(mean: mean, low: mean, high: mean, n: n) }
        var rng = SplitMix64(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        for b in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(rng.next() % UInt64(n))] }
            means[b] = sum / Double(n)
        }
        means.sort()
        let lo = means[Int((Double(resamples) * 0.025).rounded(.down))]
        let hi = means[min(resamples - 1, Int((Double(resamples) * 0.975).rounded(.down)))]
        return Estimate(mean: mean, low: lo, high: hi, n: n)
    }
}

/// SplitMix64 (Steele et al.): tiny, fast and the same on every platform, unlike the system generator.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}
