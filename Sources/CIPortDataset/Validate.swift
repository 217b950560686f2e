import CIPortCore
import Foundation

/// `dataset validate`: streams JSONL files, checks records in parallel chunks and keeps all
/// cross-record state (duplicates, near-duplicates, leakage) in one sequential consumer, so
/// results are the same whatever the parallelism.
public enum DatasetValidator {
    public struct Options: Sendable {
        /// Least fact F1 of a platform pair's target against its source.
        public var minF1 = 0.3
        /// Estimated Jaccard similarity at which two records are near-duplicates.
        public var nearDup = 0.9
        /// Records per parallel task.
        public var chunkSize = 256
        public var parallelism = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Parse and validate both files and compare facts (off: format, hashes and duplicates only).
        public var checkFiles = true
        public init() {}
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var files = 0
        public var records = 0
        public var badRecords = 0
        public var duplicates = 0
        public var nearDuplicates = 0
        public var leaks = 0
        public var seconds = 0.0
        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
        public var description: String {
            "\(records) records in \(files) file\(files == 1 ? "" : "s"): \(records - badRecords) ok, \(badRecords) with errors "
                + "(\(duplicates) duplicates, \(nearDuplicates) near-duplicates, \(leaks) across splits); "
                + String(format: "%.1fs, %.0f records/s", seconds, recordsPerSecond)
        }
    }

    /// The split a file holds, from its name: `train.jsonl` → train. Other names are no split.
    public static func split(of path: String) -> String? {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return ["train", "valid", "test"].contains(stem) ? stem : nil
    }

    /// Validates every `*.jsonl` under `paths`, calling `emit` with each error line in file order.
    public static func validate(paths: [String], options: Options = Options(), emit: (String) -> Void) async throws -> Summary {
        let files = try JSONLReader.files(paths)
        let start = Date()
        var dedup = Dedup(threshold: options.nearDup)
        var summary = Summary()
        summary.files = files.count
        let check = RecordCheck(minF1: options.minF1, checkContent: options.checkFiles)
        for (fileIndex, file) in files.enumerated() {
            let reader = try JSONLReader(path: file)
            let split = split(of: file)
            var lines = reader.makeIterator()
            await withTaskGroup(of: (Int, [RecordOutcome]).self) { group in
                var submitted = 0, consumed = 0
                var ready: [Int: [RecordOutcome]] = [:]
                func submit() -> Bool {
                    var chunk: [JSONLReader.Line] = []
                    chunk.reserveCapacity(options.chunkSize)
                    while chunk.count < options.chunkSize, let l = lines.next() {
                        // Blank lines between records are tolerated, as JSONL readers do.
                        if l.oversized == nil && l.bytes.isEmpty { continue }
                        chunk.append(l)
                    }
                    if chunk.isEmpty { return false }
                    let index = submitted
                    submitted += 1
                    let batch = chunk
                    group.addTask { (index, batch.map { check.check($0) }) }
                    return true
                }
                // Two chunks per core in flight bounds memory to a few thousand records.
                for _ in 0..<(options.parallelism * 2) where !submit() { break }
                while let (index, outcomes) = await group.next() {
                    ready[index] = outcomes
                    while let batch = ready.removeValue(forKey: consumed) {
                        consumed += 1
                        for o in batch {
                            summary.records += 1
                            var problems = o.problems
                            if let hash = o.hash, let sig = o.signature {
                                let pos = Dedup.Position(file: Int32(fileIndex), line: Int32(o.line), split: split)
                                switch dedup.add(hash: hash, signature: sig, at: pos) {
                                case .unique: break
                                case .duplicate(let other):
                                    let leak = isLeak(other.split, split)
                                    if leak { summary.leaks += 1 } else { summary.duplicates += 1 }
                                    problems.append((leak ? "leak across splits: same content as " : "duplicate of ") + "\(files[Int(other.file)]):\(other.line) (\(other.split ?? "no split") and \(split ?? "no split"))")
                                case .near(let other, let sim):
                                    let leak = isLeak(other.split, split)
                                    if leak { summary.leaks += 1 } else { summary.nearDuplicates += 1 }
                                    problems.append((leak ? "leak across splits: near-duplicate of " : "near-duplicate of ") + "\(files[Int(other.file)]):\(other.line)" + String(format: " (Jaccard ≈ %.2f)", sim))
                                }
                            }
                            if !problems.isEmpty {
                                summary.badRecords += 1
                                emit(RecordError(file: file, line: o.line, problems.joined(separator: "; ")).description)
                            }
                        }
                    }
                    _ = submit()
                }
            }
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    static func isLeak(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return false }
        return a != b
    }
}

/// Exact and near-duplicate state over every record seen: the first 8 bytes of each content hash,
/// and MinHash signatures in LSH band buckets. About 300 bytes a record.
struct Dedup {
    struct Position: Sendable, Equatable {
        var file: Int32
        var line: Int32
        var split: String?
    }

    enum Result: Equatable {
        case unique
        case duplicate(Position)
        case near(Position, Double)
    }

    let threshold: Double
    /// Compares per record at most; a bucket full of templated records cannot make this quadratic.
    var maxCandidates = 200
    private var exact: [UInt64: Int32] = [:]
    private var signatures: [UInt32] = []
    private(set) var positions: [Position] = []
    private var buckets = [[UInt64: [Int32]]](repeating: [:], count: MinHash.bands)

    init(threshold: Double) { self.threshold = threshold }

    var count: Int { positions.count }

    func signature(_ i: Int) -> ArraySlice<UInt32> { signatures[(i * MinHash.count)..<((i + 1) * MinHash.count)] }

    /// Adds a record; says whether (and which earlier record) it duplicates. `pairs` receives
    /// every near-duplicate pair found, for clustering.
    mutating func add(hash: UInt64, signature sig: MinHash, at pos: Position, pairs: ((Int, Int) -> Void)? = nil) -> Result {
        let me = Int32(positions.count)
        positions.append(pos)
        signatures += sig.values
        if let first = exact[hash] {
            pairs?(Int(first), Int(me))
            return .duplicate(positions[Int(first)])
        }
        exact[hash] = me
        var best: (Int32, Double)?
        var seen = Set<Int32>()
        let keys = sig.bandKeys
        for (b, key) in keys.enumerated() {
            guard let members = buckets[b][key] else { continue }
            for m in members.reversed() where seen.count < maxCandidates && seen.insert(m).inserted {
                var eq = 0
                let base = Int(m) * MinHash.count
                for i in 0..<MinHash.count where signatures[base + i] == sig.values[i] { eq += 1 }
                let s = Double(eq) / Double(MinHash.count)
                if s >= threshold {
                    pairs?(Int(m), Int(me))
                    if best == nil || s > best!.1 || (s == best!.1 && m < best!.0) { best = (m, s) }
                }
            }
        }
        for (b, key) in keys.enumerated() { buckets[b][key, default: []].append(me) }
        if let best { return .near(positions[Int(best.0)], best.1) }
        return .unique
    }
}
