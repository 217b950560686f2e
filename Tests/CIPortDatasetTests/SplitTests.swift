import Foundation
import Testing
@testable import CIPortDataset

struct SplitTests {
    /// 60 distinct generated records plus near-duplicate variants of some of them.
    static func corpus() throws -> (file: URL, dir: URL, families: [[String]]) {
        var rng = SeededRandom(seed: 7)
        var records = (0..<60).map { DatasetBench.pair($0, &rng) }
        for i in records.indices where i % 3 == 0 { records[i].meta.task = ["stack", "deploy"][i % 2] }
        var families: [[String]] = []
        for base in [0, 5, 11, 30] {
            var fam = [records[base].meta.id]
            for k in 0..<3 {
                var v = records[base].editingTarget("ubuntu-latest", "ubuntu-latest ")
                // An exact duplicate in content, and near ones with one extra line in the target.
                if k > 0 { v = records[base].editingTarget("\n```", "\n# variant \(k)\n```") }
                v.meta.id += "-v\(k)"
                fam.append(v.meta.id)
                records.append(v)
            }
            families.append(fam)
        }
        let dir = try Fixture.tempDir()
        let file = dir.appendingPathComponent("all.jsonl")
        try Fixture.write(records.map { $0.jsonLine() }, to: file)
        return (file, dir, families)
    }

    static func ids(_ path: URL) throws -> [String] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map { line in
            try RecordCheck.decode(Data(line.utf8)).meta.id
        }
    }

    @Test func deterministicStratifiedAndClustersStayWhole() throws {
        let (file, dir, families) = try Self.corpus()
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b"), c = dir.appendingPathComponent("c")
        let ra = try DatasetSplitter.split(file.path, into: a.path, ratios: [0.8, 0.1, 0.1], seed: 1)
        _ = try DatasetSplitter.split(file.path, into: b.path, ratios: [0.8, 0.1, 0.1], seed: 1)
        _ = try DatasetSplitter.split(file.path, into: c.path, ratios: [0.8, 0.1, 0.1], seed: 2)
        #expect(ra.errors.isEmpty)
        #expect(ra.result.clusters == 4 && ra.result.recordsInClusters == 16)
        var sameAsSeed2 = true
        for name in DatasetSplitter.names {
            let fa = a.appendingPathComponent("\(name).jsonl"), fb = b.appendingPathComponent("\(name).jsonl")
            #expect(try Data(contentsOf: fa) == Data(contentsOf: fb), "\(name) differs between runs with one seed")
            sameAsSeed2 = try sameAsSeed2 && Data(contentsOf: fa) == Data(contentsOf: c.appendingPathComponent("\(name).jsonl"))
        }
        #expect(!sameAsSeed2, "another seed should give another split")
        let splits = try DatasetSplitter.names.map { try Self.ids(a.appendingPathComponent("\($0).jsonl")) }
        #expect(splits.map(\.count).reduce(0, +) == 72)
        #expect(splits[0].count >= 50 && splits[1].count >= 4 && splits[2].count >= 4, "\(splits.map(\.count))")
        for fam in families {
            let homes = Set(fam.map { id in splits.firstIndex { $0.contains(id) }! })
            #expect(homes.count == 1, "family \(fam[0]) straddles splits \(homes)")
        }
        // Stratified: every task is in train and in at least one held-out split.
        let tasks = try DatasetSplitter.names.map { name in
            try String(contentsOf: a.appendingPathComponent("\(name).jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try RecordCheck.decode(Data($0.utf8)).meta.task }
        }
        for t in ["platform", "stack", "deploy"] {
            #expect(tasks[0].contains(t) && (tasks[1].contains(t) || tasks[2].contains(t)), "\(t)")
        }
    }

    @Test func assignmentFollowsRatiosPerTask() {
        let tasks = Array(repeating: "platform", count: 100) + Array(repeating: "stack", count: 20)
        let r = DatasetSplitter.assign(tasks: tasks, pairs: [], ratios: [0.8, 0.1, 0.1], seed: 3)
        #expect(r.splits.map(\.count) == [96, 12, 12])
        #expect(r.splits[1].filter { $0 >= 100 }.count == 2)
    }

    @Test func splitOutputValidatesWithoutLeaks() async throws {
        let (file, dir, _) = try Self.corpus()
        let out = dir.appendingPathComponent("splits")
        _ = try DatasetSplitter.split(file.path, into: out.path, ratios: [0.8, 0.1, 0.1], seed: 9)
        var options = DatasetValidator.Options()
        options.minF1 = 0
        let (lines, summary) = try await Fixture.validate([out.path], options: options)
        #expect(summary.leaks == 0, "\(lines.filter { $0.contains("leak") })")
    }
}
