import CIPortCore
@testable import CIPortEval
import CIPortTrain
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixture = repo + "/Tests/CIPortEvalTests/Fixtures/bench.jsonl"
    static let bundledSplit = repo + "/data/splits/test.jsonl"
    static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "ciport-eval-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

/// A strict reader of the OpenMetrics text format, enough to refuse what GitLab's widget or Prometheus
/// would: metadata before samples, one block per family, sample names of the declared family, valid
/// names, quoted and escaped label values, numeric values, and a final `# EOF` with nothing after it.
enum OpenMetricsCheck {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> [String: Double] {
        guard text.hasSuffix("# EOF\n") || text.hasSuffix("# EOF") else { throw Failure(description: "no final # EOF") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.last == "# EOF" else { throw Failure(description: "text after # EOF") }
        lines.removeLast()
        let name = #/^[a-zA-Z_:][a-zA-Z0-9_:]*$/#
        let sample = #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? ([^ ]+)$/#
        var families = Set<String>()
        var current: String?
        var sawSample = false
        var out: [String: Double] = [:]
        for (i, line) in lines.enumerated() {
            let where_ = "line \(i + 1)"
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["TYPE", "HELP", "UNIT"].contains(parts[1]) else {
                    throw Failure(description: "\(where_): bad metadata line '\(line)'")
                }
                guard parts[2].wholeMatch(of: name) != nil else { throw Failure(description: "\(where_): bad family name") }
                if parts[2] != current {
                    guard !families.contains(parts[2]) else { throw Failure(description: "\(where_): family \(parts[2]) split in two") }
                    families.insert(parts[2])
                    current = parts[2]
                    sawSample = false
                } else if sawSample {
                    throw Failure(description: "\(where_): metadata after samples")
                }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["gauge", "counter", "unknown", "info", "stateset", "histogram", "gaugehistogram", "summary"].contains(parts[3]) else {
                        throw Failure(description: "\(where_): bad type")
                    }
                }
                continue
            }
            guard let m = line.wholeMatch(of: sample) else { throw Failure(description: "\(where_): bad sample '\(line)'") }
            guard String(m.1) == current else { throw Failure(description: "\(where_): sample \(m.1) outside its family") }
            let v = String(m.4)
            guard Double(v) != nil || ["NaN", "+Inf", "-Inf"].contains(v) else { throw Failure(description: "\(where_): bad value '\(v)'") }
            sawSample = true
            out[String(m.1) + (m.2.map(String.init) ?? "")] = Double(v) ?? .nan
        }
        return out
    }
}

/// The chat-completions test server (tests/fixtures/chat_server.py) in a child process.
final class ChatServer {
    let process = Process()
    let port: Int

    init(bench: String, modes: [String: String]) throws {
        let modesFile = Paths.tempDir("modes") + "/modes.json"
        try JSONEncoder().encode(modes).write(to: URL(fileURLWithPath: modesFile))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Paths.repo + "/tests/fixtures/chat_server.py", bench, modesFile]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        guard let text = String(data: line, encoding: .utf8), text.hasPrefix("PORT "),
              let p = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw EvalError("the test server did not start")
        }
        port = p
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    deinit {
        // SIGKILL: the test runner's threads block SIGTERM, and a child inherits the blocked mask.
        // No waitUntilExit: Foundation's Process reaps the child itself (and waiting spins on Linux).
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Counts the cases it is asked to translate, to prove `--resume` skips finished ones.
final class CountingEngine: Engine, @unchecked Sendable {
    // Guarded by `lock`; the runner calls translate concurrently.
    private let lock = NSLock()
    private var seen: [String] = []
    let inner = RulesEngine()
    let name = "rules"
    var concurrency: Int { 2 }

    var ids: [String] { lock.withLock { seen } }

    func translate(_ c: BenchCase) async -> EngineOutput {
        lock.withLock { seen.append(c.id) }
        return await inner.translate(c)
    }
}

struct EvalReportTests {
    @Test func rulesOverTheBenchmarkWritesAllFourReports() async throws {
        // The bundled test split when this branch has it, else the fixture built from data/pairs.
        let bench = FileManager.default.fileExists(atPath: Paths.bundledSplit) ? Paths.bundledSplit : Paths.fixture
        let cases = try Benchmark.load(bench)
        #expect(cases.count >= 10)
        let out = Paths.tempDir("rules")
        let plan = EvalPlan(cases: cases, bench: bench, outDir: out)
        let outcome = try await EvalRunner.run(plan, engine: .perCase(RulesEngine()), scorer: Scorer(cases: cases))
        #expect(outcome.results.count == cases.count)
        #expect(outcome.summary.overall.scored > cases.count / 2)
        #expect((outcome.summary.overall.metrics["fact_f1"]?.mean ?? 0) > 0.3)

        for f in ["results.jsonl", "summary.json", "metrics.txt", "junit.xml", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f) missing")
        }
        // metrics.txt is strict OpenMetrics with the headline gauge.
        let metrics = try String(contentsOfFile: out + "/metrics.txt", encoding: .utf8)
        #expect(metrics.contains("# TYPE ciport_fact_f1 gauge"))
        let samples = try OpenMetricsCheck.parse(metrics)
        #expect(samples["ciport_fact_f1"] != nil)
        #expect(samples["ciport_cases{outcome=\"scored\"}"] == Double(outcome.summary.overall.scored))

        // junit.xml is XML with one testcase per case.
        let doc = try XMLDocument(contentsOf: URL(fileURLWithPath: out + "/junit.xml"), options: [])
        let testcases = try doc.nodes(forXPath: "//testcase")
        #expect(testcases.count == cases.count)
        let failures = try doc.nodes(forXPath: "//testcase/failure").count
        #expect(failures == outcome.results.count { $0.outcome == .scored && !$0.passed(threshold: plan.threshold) })

        // summary.json decodes; results.jsonl has one line per case.
        let summary = try JSONDecoder().decode(EvalSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(summary == outcome.summary)
        #expect(try ResultsLog.load(dir: out).count == cases.count)

        // report.html stands alone: inline SVG charts, no script, nothing fetched.
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("<link"))
    }

    @Test func aBrokenReferenceIsABenchmarkErrorNotAnEngineError() async throws {
        let cases = try Benchmark.load(Paths.fixture)
        let broken = try #require(cases.first { $0.id == "broken-reference" })
        let r = Scorer(cases: cases).result(broken, .answer("stages: [test]\n", Trace()))
        #expect(r.outcome == .benchmarkError)
        let s = EvalSummary(results: [r], engine: "rules", bench: "x", threshold: 0.8)
        #expect(s.overall.benchmarkErrors == 1 && s.overall.engineErrors == 0 && s.overall.metrics.isEmpty)
    }

    @Test func aBrokenBenchmarkLineIsAnInputErrorNamingTheLine() throws {
        let dir = Paths.tempDir("badbench")
        let good = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n")[0]
        try (good + "\n{\"messages\": [\n").write(toFile: dir + "/b.jsonl", atomically: true, encoding: .utf8)
        #expect {
            try Benchmark.load(dir)
        } throws: { e in
            (e as? InputError).map { $0.pos.line == 2 && $0.pos.file.hasSuffix("b.jsonl") } ?? false
        }
    }

    @Test func resumeSkipsFinishedCasesAndCutsAPartialLine() async throws {
        let cases = try Benchmark.load(Paths.fixture)
        let out = Paths.tempDir("resume")
        let plan = EvalPlan(cases: cases, bench: Paths.fixture, outDir: out)
        _ = try await EvalRunner.run(plan, engine: .perCase(RulesEngine()), scorer: Scorer(cases: cases))
        // Simulate a crash: five complete lines, then half of the sixth.
        let path = out + "/results.jsonl"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let kept = lines.prefix(5).map(String.init)
        try (kept.joined(separator: "\n") + "\n" + lines[5].prefix(40)).write(toFile: path, atomically: true, encoding: .utf8)

        var again = plan
        again.resume = true
        let engine = CountingEngine()
        let outcome = try await EvalRunner.run(again, engine: .perCase(engine), scorer: Scorer(cases: cases))
        let keptIds = Set(try ResultsLog.read(path).results.prefix(5).map(\.id))
        #expect(outcome.skipped == 5)
        // Cases with a broken reference never reach the engine.
        #expect(engine.ids.count == cases.count - 5 - (keptIds.contains("broken-reference") ? 0 : 1))
        #expect(Set(engine.ids).isDisjoint(with: keptIds))
        let all = try ResultsLog.read(path).results
        #expect(all.count == cases.count)
        #expect(Set(all.map(\.id)).count == cases.count)

        // Resuming with another engine is refused rather than mixing two runs.
        await #expect(throws: EvalError.self) {
            try await EvalRunner.run(again, engine: .perCase(OpenAIEngine(client: ChatClient(.init(baseURL: URL(string: "http://127.0.0.1:9/v1")!, model: "m")))), scorer: Scorer(cases: cases))
        }
    }

    @Test func compareListsImprovementsAndRegressions() {
        func r(_ id: String, _ f1: Double, valid: Bool = true, outcome: CaseResult.Outcome = .scored) -> CaseResult {
            let s = CaseScores(parses: valid, validates: valid, factF1: f1, factPrecision: f1, factRecall: f1, exact: false,
                               chrF: 0, bleu: 0, judge: nil, validationErrors: [], missingFacts: [], extraFacts: [])
            return CaseResult(id: id, task: "platform", pair: "github->gitlab", outcome: outcome,
                              scores: outcome == .scored ? s : nil, error: nil, errorKind: outcome == .engineError ? "timeout" : nil,
                              trace: Trace(), output: nil)
        }
        let a = [r("up", 0.5), r("down", 0.9), r("same", 0.7), r("fixed", 0.0, valid: false), r("broke", 0.8), r("gone", 1)]
        let b = [r("up", 0.8), r("down", 0.4), r("same", 0.705), r("fixed", 0.0), r("broke", 0, outcome: .engineError), r("new", 1)]
        let c = Comparison(a: a, b: b)
        #expect(c.improved.map(\.id) == ["up", "fixed"])
        #expect(c.regressed.map(\.id) == ["broke", "down"])
        #expect(c.unchanged == 1)
        #expect(c.onlyInA == ["gone"] && c.onlyInB == ["new"])
        let text = c.text(nameA: "A", nameB: "B")
        #expect(text.contains("2 improved, 2 regressed"))
        #expect(text.contains("engine error (timeout)"))
    }

    @Test func theHTMLReportComparesTwoRuns() async throws {
        let cases = try Benchmark.load(Paths.fixture)
        let scorer = Scorer(cases: cases)
        let base = Paths.tempDir("base")
        _ = try await EvalRunner.run(EvalPlan(cases: cases, bench: Paths.fixture, outDir: base), engine: .perCase(RulesEngine()), scorer: scorer)
        var plan = EvalPlan(cases: cases, bench: Paths.fixture, outDir: Paths.tempDir("cmp"))
        plan.baseline = base
        let outcome = try await EvalRunner.run(plan, engine: .perCase(RulesEngine()), scorer: scorer)
        let html = try String(contentsOfFile: outcome.reports.first { $0.hasSuffix("report.html") }!, encoding: .utf8)
        #expect(html.contains("Compared with the baseline"))
        #expect(html.contains("baseline</p>"))
    }
}

struct OpenAIEngineTests {
    // The limit only guards against a hang: the suites share 2 cores with the whole test run.
    @Test(.timeLimit(.minutes(5)))
    func perCaseOutcomesAgainstARealServerAndTheRunGoesOn() async throws {
        let cases = try Benchmark.load(Paths.fixture)
        let ids = cases.map(\.id)
        let modes = [ids[1]: "hang", ids[2]: "500", ids[3]: "garbage", ids[4]: "flaky", "*": "ok"]
        let server = try ChatServer(bench: Paths.fixture, modes: modes)
        var config = ChatClient.Config(baseURL: server.baseURL, model: "test")
        config.timeout = 1.5
        config.retries = 1
        config.backoff = 0.05
        let client = ChatClient(config, maxConnections: 4)
        var plan = EvalPlan(cases: cases, bench: Paths.fixture, outDir: Paths.tempDir("openai"))
        plan.judge = Judge(client: client, rubric: Judge.bundledRubric())

        let outcome = try await EvalRunner.run(plan, engine: .perCase(OpenAIEngine(client: client, concurrency: 4)), scorer: Scorer(cases: cases))
        let byId = Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.id, $0) })
        #expect(outcome.results.count == cases.count)

        let ok = try #require(byId[ids[0]])
        #expect(ok.outcome == .scored && ok.scores?.factF1 == 1 && ok.scores?.exact == true && ok.trace.attempts == 1)
        #expect(ok.scores?.judge == 0.75)  // 4 of 5 in both orders
        let hang = try #require(byId[ids[1]])
        #expect(hang.outcome == .engineError && hang.errorKind == "timeout" && hang.trace.attempts == 2)
        let e500 = try #require(byId[ids[2]])
        #expect(e500.outcome == .engineError && e500.errorKind == "http" && e500.error?.contains("HTTP 500") == true)
        #expect(e500.trace.attempts == 2)  // a 5xx is retried
        let garbage = try #require(byId[ids[3]])
        #expect(garbage.outcome == .engineError && garbage.errorKind == "bad-response" && garbage.trace.attempts == 1)
        let flaky = try #require(byId[ids[4]])
        #expect(flaky.outcome == .scored && flaky.trace.attempts == 2 && flaky.scores?.factF1 == 1)
        // Every other case went on and scored; the broken reference is a benchmark error.
        let rest = outcome.results.filter { !ids[1...3].contains($0.id) }
        #expect(rest.filter { $0.outcome == .scored }.count == rest.count - 1)
        #expect(byId["broken-reference"]?.outcome == .benchmarkError)
        #expect(outcome.summary.errorKinds == ["timeout": 1, "http": 1, "bad-response": 1])
        // The hung endpoint cost its timeout, not the run: its case ended as a timeout (above) and the
        // rest scored. No wall-clock bound here: on a loaded 2-core CI machine it is not a property of the code.
        let junit = try String(contentsOfFile: plan.outDir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("errors=\"3\""))
    }

    // The limit only guards against a hang: the suites share 2 cores with the whole test run.
    @Test(.timeLimit(.minutes(5)))
    func hybridSendsOnlyFlaggedTranslationsToTheModel() async throws {
        let cases = try Benchmark.load(Paths.fixture).filter { $0.id != "broken-reference" }
        let server = try ChatServer(bench: Paths.fixture, modes: ["*": "ok"])
        var config = ChatClient.Config(baseURL: server.baseURL, model: "test")
        config.timeout = 5
        let engine = HybridEngine(client: ChatClient(config), repairRounds: 1)
        let outcome = try await EvalRunner.run(EvalPlan(cases: cases, bench: Paths.fixture, outDir: Paths.tempDir("hybrid")),
                                               engine: .perCase(engine), scorer: Scorer(cases: cases))
        let flagged = outcome.results.filter { ($0.trace.flagged ?? 0) != 0 }
        let clean = outcome.results.filter { $0.trace.flagged == 0 }
        #expect(!flagged.isEmpty)
        for r in clean { #expect(r.trace.attempts == 0) }       // rules alone: no request
        for r in flagged where r.trace.fellBack != true {        // the server answers the reference
            #expect(r.trace.attempts >= 1 && r.scores?.factF1 == 1)
        }
    }

    @Test func theAPIKeyIsSentButNeverInAReport() async throws {
        let cases = try Benchmark.load(Paths.fixture).prefix(1)
        let server = try ChatServer(bench: Paths.fixture, modes: ["*": "ok"])
        let client = ChatClient(.init(baseURL: server.baseURL, model: "test", apiKey: "sk-test-SECRET-123"))
        let plan = EvalPlan(cases: Array(cases), bench: Paths.fixture, outDir: Paths.tempDir("key"))
        _ = try await EvalRunner.run(plan, engine: .perCase(OpenAIEngine(client: client)), scorer: Scorer(cases: Array(cases)))
        for f in try FileManager.default.contentsOfDirectory(atPath: plan.outDir) {
            let text = try String(contentsOfFile: plan.outDir + "/" + f, encoding: .utf8)
            #expect(!text.contains("SECRET"), "\(f) holds the key")
        }
    }
}

/// A Python with the training worker: CIPORT_PYTHON, else the project's .venv (made by `make python`).
enum TrainerPython {
    static let path: String? = {
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["CIPORT_PYTHON"], !p.isEmpty { candidates.append(p) }
        candidates.append(Paths.repo + "/.venv/bin/python")
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: p)
            proc.arguments = ["-c", "import ciport_trainer"]
            proc.standardError = FileHandle.nullDevice
            proc.standardOutput = FileHandle.nullDevice
            guard (try? proc.run()) != nil else { continue }
            proc.waitUntilExit()
            if proc.terminationStatus == 0 { return p }
        }
        return nil
    }()
}

struct CheckpointEngineTests {
    @Test(.enabled(if: TrainerPython.path != nil, "no Python with the ciport_trainer worker (set CIPORT_PYTHON or run `make python`)"),
          .timeLimit(.minutes(10)))
    func aTinyTrainedRunAnswersThreeCases() async throws {
        let python = try #require(TrainerPython.path)
        let dir = Paths.tempDir("ckpt")
        let yml = """
        base_model: tiny:llama
        dataset:
          train: \(Paths.fixture)
        adapter: lora
        max_seq_length: 256
        max_steps: 5
        batch_size: 2
        learning_rate: 0.003
        seed: 1
        logging_steps: 1
        save_steps: 5
        """
        let cfg = try TrainConfig(text: yml, file: "tiny.yml", baseDir: dir)
        let run = try RunDirectory.create(in: dir + "/runs", name: "tiny")
        try AtomicWrite.write(Data(cfg.runConfig(outputDir: run.path, resume: false).encoded(pretty: true).utf8), to: run.runConfigPath)
        var trainEvents: [String] = []
        let code = try Worker(command: [python, "-m", "ciport_trainer", "train", "--config", run.runConfigPath]).run(onEvent: { trainEvents.append($0.name) })
        try #require(code == 0, "training failed: \(trainEvents)")

        let cases = Array(try Benchmark.load(Paths.fixture).prefix(3))
        let out = dir + "/eval"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let engine = CheckpointEngine(run: run, python: python, maxNewTokens: 24, workDir: out)
        let outcome = try await EvalRunner.run(EvalPlan(cases: cases, bench: Paths.fixture, outDir: out), engine: .batch(engine),
                                               scorer: Scorer(cases: cases))
        #expect(outcome.results.count == 3)
        // A five-step tiny model writes nonsense, but it writes it: every case is scored, none is an engine error.
        for r in outcome.results {
            #expect(r.outcome == .scored, "\(r.id): \(r.error ?? "")")
            #expect(r.output != nil)
        }
        #expect(FileManager.default.fileExists(atPath: out + "/junit.xml"))
    }
}
