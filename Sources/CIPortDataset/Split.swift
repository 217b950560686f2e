import Foundation

/// SplitMix64: a tiny seeded generator whose sequence never changes between Swift versions
/// (the standard library's generator and shuffle are not promised to be stable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        return MinHash.mix(state)
    }

    /// Fisher–Yates with this generator's own bounded draws, for the same reason.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }
}

/// `dataset split`: deterministic, seeded, stratified by task; exact and near-duplicate clusters
/// (union-find over the pairs `Dedup` finds) go to one split whole.
public enum DatasetSplitter {
    public static let names = ["train", "valid", "test"]

    public struct Result: Sendable {
        /// Record indices (input order) per split.
        public var splits: [[Int]]
        public var clusters: Int
        public var recordsInClusters: Int
    }

    /// Assigns records to splits. `tasks[i]` is record i's task; `pairs` are near-duplicate pairs.
    public static func assign(tasks: [String], pairs: [(Int, Int)], ratios: [Double], seed: UInt64) -> Result {
        var parent = Array(0..<tasks.count)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        for (a, b) in pairs {
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        // Clusters in order of their first record; each belongs to the stratum of that record's task.
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for i in tasks.indices {
            let r = find(i)
            if members[r] == nil { order.append(r) }
            members[r, default: []].append(i)
        }
        var strata: [String: [Int]] = [:]
        for r in order { strata[tasks[r], default: []].append(r) }
        let total = ratios.reduce(0, +)
        let bounds = [ratios[0] / total, (ratios[0] + ratios[1]) / total]
        var splits: [[Int]] = [[], [], []]
        var rng = SeededRandom(seed: seed)
        for task in strata.keys.sorted() {
            var clusters = strata[task]!
            rng.shuffle(&clusters)
            let n = Double(clusters.reduce(0) { $0 + members[$1]!.count })
            var placed = 0
            for c in clusters {
                // A cluster goes where the stratum's running share stands before it: splits get
                // their ratio of each task, rounded by whole clusters.
                let at = Double(placed) / n
                let s = at < bounds[0] ? 0 : at < bounds[1] ? 1 : 2
                splits[s] += members[c]!
                placed += members[c]!.count
            }
        }
        let multi = members.values.filter { $0.count > 1 }
        return Result(splits: splits.map { $0.sorted() }, clusters: multi.count, recordsInClusters: multi.reduce(0) { $0 + $1.count })
    }

    /// Reads `input`, splits it and writes `dir`/train.jsonl, valid.jsonl, test.jsonl atomically.
    public static func split(_ input: String, into dir: String, ratios: [Double], seed: UInt64, nearDup: Double = 0.9)
        throws -> (result: Result, errors: [RecordError]) {
        var lines: [Data] = []
        var tasks: [String] = []
        var pairs: [(Int, Int)] = []
        var errors: [RecordError] = []
        var dedup = Dedup(threshold: nearDup)
        for line in try JSONLReader(path: input) where !line.bytes.isEmpty || line.oversized != nil {
            do {
                let r = try RecordCheck.decode(line.bytes)
                var o = RecordOutcome(line: line.number)
                try RecordCheck(minF1: 0, checkContent: false).content(r, into: &o)
                _ = dedup.add(hash: o.hash!, signature: o.signature!, at: .init(file: 0, line: Int32(line.number), split: nil)) { a, b in
                    pairs.append((a, b))
                }
                lines.append(line.bytes)
                tasks.append(r.meta.task)
            } catch let e as RecordCheck.Problem {
                errors.append(RecordError(file: input, line: line.number, e.message))
            }
        }
        let result = assign(tasks: tasks, pairs: pairs, ratios: ratios, seed: seed)
        guard errors.isEmpty else { return (result, errors) }
        let outs = try names.map { try AtomicOutput(path: (dir as NSString).appendingPathComponent("\($0).jsonl")) }
        for (s, indices) in result.splits.enumerated() {
            for i in indices { try outs[s].writeLine(String(decoding: lines[i], as: UTF8.self)) }
        }
        for o in outs { try o.commit() }
        return (result, errors)
    }
}
