import CIPortCore
import CIPortTrain
import Foundation

/// An error about the run itself (not one case), with a message for the user.
public struct EvalError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// `results.jsonl`: one JSON line per finished case, appended as each completes, so a crash loses at
/// most the case being written; `--resume` reads it back and skips what is there.
public final class ResultsLog {
    public let path: String
    private let handle: FileHandle
    /// Results already in the file when it was opened with `resume`.
    public private(set) var previous: [CaseResult] = []
    private let encoder: JSONEncoder

    public init(path: String, resume: Bool) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let fm = FileManager.default
        if resume, fm.fileExists(atPath: path) {
            let (results, goodBytes) = try Self.read(path)
            previous = results
            // A crash mid-line leaves a fragment: cut it so the next append starts a clean line.
            if let h = FileHandle(forWritingAtPath: path) {
                try h.truncate(atOffset: UInt64(goodBytes))
                try h.close()
            }
        } else {
            guard fm.createFile(atPath: path, contents: Data()) else { throw EvalError("\(path): error: cannot create") }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw EvalError("\(path): error: cannot write") }
        handle = h
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append(_ r: CaseResult) throws {
        var d = try encoder.encode(r)
        d.append(0x0A)
        try handle.write(contentsOf: d)
    }

    /// The complete lines of a results file and their byte length; a trailing partial line is ignored.
    public static func read(_ path: String) throws -> (results: [CaseResult], bytes: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvalError("\(path): error: cannot read") }
        var out: [CaseResult] = []
        var good = 0
        var start = data.startIndex
        let dec = JSONDecoder()
        var lineNo = 0
        while let nl = data[start...].firstIndex(of: 0x0A) {
            lineNo += 1
            let line = data[start..<nl]
            if !line.isEmpty {
                guard let r = try? dec.decode(CaseResult.self, from: line) else {
                    throw EvalError("\(path):\(lineNo): error: not a ciport eval result line")
                }
                out.append(r)
            }
            start = data.index(after: nl)
            good = start - data.startIndex
        }
        return (out, good)
    }

    /// Every result of a finished (or crashed) run's directory.
    public static func load(dir: String) throws -> [CaseResult] {
        let p = (dir as NSString).appendingPathComponent("results.jsonl")
        guard FileManager.default.fileExists(atPath: p) else { throw EvalError("\(dir): error: no results.jsonl (not a ciport eval output directory)") }
        return try read(p).results
    }
}

/// How the engine is driven.
public enum EngineChoice: Sendable {
    case perCase(any Engine)
    case batch(any BatchEngine)

    public var name: String {
        switch self {
        case .perCase(let e): e.name
        case .batch(let e): e.name
        }
    }
}

/// One evaluation run.
public struct EvalPlan: Sendable {
    public var cases: [BenchCase]
    public var bench: String
    public var outDir: String
    public var resume: Bool = false
    public var threshold: Double = 0.8
    public var judge: Judge?
    public var seed: UInt64 = 42
    /// Another run's output directory, compared in the HTML report.
    public var baseline: String?

    public init(cases: [BenchCase], bench: String, outDir: String) {
        self.cases = cases
        self.bench = bench
        self.outDir = outDir
    }
}

/// What a run leaves: its results and summary, and where its reports are.
public struct EvalOutcome: Sendable {
    public var results: [CaseResult]
    public var summary: EvalSummary
    public var skipped: Int
    public var reports: [String]
}

public enum EvalRunner {
    struct RunInfo: Codable {
        var engine: String
        var bench: String
        var threshold: Double
    }

    /// Runs `engine` over the plan's cases (those not already in results.jsonl when resuming), scores
    /// each as it completes, appends it, and writes the reports. `progress(done, total)` is called after
    /// every case.
    public static func run(_ plan: EvalPlan, engine: EngineChoice, scorer: Scorer,
                           progress: (Int, Int, CaseResult) -> Void = { _, _, _ in }) async throws -> EvalOutcome {
        let fm = FileManager.default
        try fm.createDirectory(atPath: plan.outDir, withIntermediateDirectories: true)
        let infoPath = (plan.outDir as NSString).appendingPathComponent("run.json")
        let info = RunInfo(engine: engine.name, bench: plan.bench, threshold: plan.threshold)
        if plan.resume, let d = fm.contents(atPath: infoPath), let old = try? JSONDecoder().decode(RunInfo.self, from: d),
           old.engine != info.engine || old.bench != info.bench {
            throw EvalError("\(plan.outDir): error: cannot resume: that run is \(old.engine) on \(old.bench), not \(info.engine) on \(info.bench)")
        }
        try AtomicWrite.write(try JSONEncoder().encode(info), to: infoPath)

        let log = try ResultsLog(path: (plan.outDir as NSString).appendingPathComponent("results.jsonl"), resume: plan.resume)
        let known = Set(plan.cases.map(\.id))
        var results = log.previous.filter { known.contains($0.id) }
        let finished = Set(results.map(\.id))
        let pending = plan.cases.filter { !finished.contains($0.id) }
        let total = plan.cases.count
        var done = results.count

        // References are read before any engine call: a broken reference is reported, never sent.
        let judge = plan.judge
        @Sendable func finish(_ c: BenchCase, _ out: EngineOutput, _ prepared: Result<PreparedReference, EngineFailure>) async -> CaseResult {
            var r = scorer.result(c, out, prepared: prepared)
            if let judge, r.outcome == .scored, case .answer(let text, _) = out, case .success(let ref) = prepared {
                r.scores?.judge = await judge.grade(source: c.sourceText ?? "", candidate: Fence.answerFile(text), reference: ref.text)
            }
            return r
        }

        switch engine {
        case .perCase(let e):
            try await withThrowingTaskGroup(of: CaseResult.self) { group in
                var next = 0
                let limit = max(1, e.concurrency)
                func start() {
                    guard next < pending.count else { return }
                    let c = pending[next]
                    next += 1
                    group.addTask {
                        // A case whose reference is broken is not sent to the engine at all.
                        let prepared = scorer.prepare(c)
                        if case .failure = prepared {
                            return scorer.result(c, .failure(EngineFailure(.input, "not run"), Trace()), prepared: prepared)
                        }
                        return await finish(c, await e.translate(c), prepared)
                    }
                }
                for _ in 0..<limit { start() }
                while let r = try await group.next() {
                    try log.append(r)
                    results.append(r)
                    done += 1
                    progress(done, total, r)
                    start()
                }
            }
        case .batch(let e):
            let byId = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, $0) })
            var prepared: [String: Result<PreparedReference, EngineFailure>] = [:]
            for c in pending { prepared[c.id] = scorer.prepare(c) }
            let runnable = pending.filter { if case .success = prepared[$0.id]! { true } else { false } }
            for c in pending where !runnable.contains(where: { $0.id == c.id }) {
                let r = scorer.result(c, .failure(EngineFailure(.input, "not run"), Trace()), prepared: prepared[c.id]!)
                try log.append(r)
                results.append(r)
                done += 1
                progress(done, total, r)
            }
            for await (id, out) in e.translate(runnable) {
                guard let c = byId[id], let p = prepared[id] else { continue }
                let r = await finish(c, out, p)
                try log.append(r)
                results.append(r)
                done += 1
                progress(done, total, r)
            }
        }

        // Reports in benchmark order, whatever order the cases finished in.
        let order = Dictionary(uniqueKeysWithValues: plan.cases.enumerated().map { ($1.id, $0) })
        results.sort { order[$0.id, default: 0] < order[$1.id, default: 0] }
        let summary = EvalSummary(results: results, engine: engine.name, bench: plan.bench, threshold: plan.threshold, seed: plan.seed)
        let baseline = try plan.baseline.map { dir in (dir, try ResultsLog.load(dir: dir), Reports.loadSummary(dir: dir)) }
        let reports = try Reports.writeAll(results: results, summary: summary, outDir: plan.outDir, baseline: baseline)
        return EvalOutcome(results: results, summary: summary, skipped: finished.count, reports: reports)
    }
}
