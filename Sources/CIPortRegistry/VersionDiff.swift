import Foundation

/// What differs between two model versions (or two runs): parameters, final metrics, eval scores.
public struct VersionDiff: Sendable, Equatable {
    public enum Section: String, Sendable { case param, metric, eval }

    public struct Row: Sendable, Equatable {
        public var section: Section
        public var key: String
        public var a: String?
        public var b: String?
        /// b − a for numbers present on both sides.
        public var delta: Double?
    }

    public var a: String
    public var b: String
    /// Only keys whose values differ, by section then key.
    public var rows: [Row]
    /// How many keys are equal on both sides.
    public var unchanged: Int
}

extension Registry {
    /// Differences between two model versions: their runs' params and final metrics, and their eval scores.
    public func diff(_ a: ModelVersion, _ b: ModelVersion) throws -> VersionDiff {
        let ra = try run(a.runId), rb = try run(b.runId)
        var d = Self.diffRuns(ra, rb, a: a.ref, b: b.ref)
        let (rows, same) = Self.diffNumbers(a.evalScores, b.evalScores, section: .eval)
        d.rows += rows
        d.unchanged += same
        return d
    }

    /// Differences between two runs' params and final metrics.
    public func diff(runs a: String, _ b: String) throws -> VersionDiff {
        let ra = try run(a), rb = try run(b)
        return Self.diffRuns(ra, rb, a: ra.id, b: rb.id)
    }

    static func diffRuns(_ ra: RunRecord, _ rb: RunRecord, a: String, b: String) -> VersionDiff {
        var rows: [VersionDiff.Row] = []
        var same = 0
        for k in Set(ra.params.keys).union(rb.params.keys).sorted() {
            let x = ra.params[k], y = rb.params[k]
            if x == y { same += 1; continue }
            rows.append(.init(section: .param, key: k, a: x, b: y, delta: nil))
        }
        let (m, s) = diffNumbers(ra.latestMetrics, rb.latestMetrics, section: .metric)
        return VersionDiff(a: a, b: b, rows: rows + m, unchanged: same + s)
    }

    static func diffNumbers(_ x: [String: Double], _ y: [String: Double], section: VersionDiff.Section) -> ([VersionDiff.Row], Int) {
        var rows: [VersionDiff.Row] = []
        var same = 0
        for k in Set(x.keys).union(y.keys).sorted() {
            let p = x[k], q = y[k]
            if p == q { same += 1; continue }
            rows.append(.init(section: section, key: k, a: p.map(format), b: q.map(format),
                              delta: p.flatMap { p in q.map { $0 - p } }))
        }
        return (rows, same)
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.6g", v)
    }
}
