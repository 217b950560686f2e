import Foundation

/// `dataset stats`: counts per task, platform pair, stack pair and provenance, and a histogram of
/// record lengths in `CodeTokenizer` tokens (all messages of a record together).
public struct DatasetStats: Sendable {
    public var records = 0
    /// Lines that are not readable records (run `validate` to see why).
    public var unreadable = 0
    public var tasks: [String: Int] = [:]
    public var platforms: [String: Int] = [:]
    public var stacks: [String: Int] = [:]
    public var clouds: [String: Int] = [:]
    public var provenances: [String: Int] = [:]
    /// Distinct stacks named on either side.
    public var distinctStacks: Set<String> = []
    public var tokenCounts: [Int] = []

    public init() {}

    public mutating func add(_ r: DatasetRecord) {
        records += 1
        tasks[r.meta.task, default: 0] += 1
        platforms["\(r.meta.source.platform.rawValue) → \(r.meta.target.platform.rawValue)", default: 0] += 1
        let s = r.meta.source.stack ?? "-", t = r.meta.target.stack ?? r.meta.source.stack ?? "-"
        stacks["\(s) → \(t)", default: 0] += 1
        for x in [r.meta.source.stack, r.meta.target.stack] { if let x { distinctStacks.insert(x) } }
        if r.meta.source.cloud != nil || r.meta.target.cloud != nil {
            clouds["\(r.meta.source.cloud ?? "-") → \(r.meta.target.cloud ?? "-")", default: 0] += 1
        }
        provenances[r.meta.provenance, default: 0] += 1
        tokenCounts.append(r.messages.reduce(0) { $0 + CodeTokenizer.count($1.content) })
    }

    /// Reads every `*.jsonl` under `paths`, streaming.
    public static func collect(_ paths: [String]) throws -> DatasetStats {
        var stats = DatasetStats()
        for file in try JSONLReader.files(paths) {
            for line in try JSONLReader(path: file) where !line.bytes.isEmpty || line.oversized != nil {
                if let r = try? RecordCheck.decode(line.bytes) { stats.add(r) } else { stats.unreadable += 1 }
            }
        }
        return stats
    }

    /// The report, for a terminal.
    public func render(width: Int = 40) -> String {
        var out: [String] = []
        out.append("\(records) records" + (unreadable > 0 ? " (\(unreadable) unreadable lines skipped; `dataset validate` names them)" : ""))
        func section(_ title: String, _ counts: [String: Int]) {
            guard !counts.isEmpty else { return }
            out.append("")
            out.append(title)
            let keyWidth = counts.keys.map(\.count).max() ?? 0
            for (k, v) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                out.append("  " + k.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + "  " + String(v))
            }
        }
        section("by task", tasks)
        section("by platform (source → target)", platforms)
        section("by stack (source → target); \(distinctStacks.count) distinct stacks", stacks)
        section("by cloud (source → target)", clouds)
        section("by provenance", provenances)
        if !tokenCounts.isEmpty {
            out.append("")
            let sorted = tokenCounts.sorted()
            let median = sorted[sorted.count / 2]
            out.append("tokens per record (code tokenizer): min \(sorted.first!), median \(median), max \(sorted.last!)")
            out += Self.histogram(tokenCounts, width: width)
        }
        return out.joined(separator: "\n")
    }

    /// Power-of-two bins drawn with Unicode eighth blocks, so a long tail stays readable.
    static func histogram(_ values: [Int], width: Int) -> [String] {
        var bins: [Int: Int] = [:]
        for v in values {
            var b = 0
            while (64 << b) <= v { b += 1 }
            bins[b, default: 0] += 1
        }
        let lo = bins.keys.min()!, hi = bins.keys.max()!
        let peak = bins.values.max()!
        let labels = (lo...hi).map { b -> String in
            let from = b == 0 ? 0 : 64 << (b - 1), to = (64 << b) - 1
            return "\(from)–\(to)"
        }
        let labelWidth = labels.map(\.count).max()!
        let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return (lo...hi).enumerated().map { i, b in
            let n = bins[b] ?? 0
            let eighths = peak == 0 ? 0 : (n * width * 8 + peak - 1) / peak
            let bar = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
            return "  " + labels[i].padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " │" + bar + " " + String(n)
        }
    }
}
