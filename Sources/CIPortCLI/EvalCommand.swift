import ArgumentParser
import CIPortCore
import CIPortEval
import CIPortTrain
import Foundation

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score an engine or a model on a benchmark: metrics, GitLab metrics and JUnit files, an HTML report.",
        subcommands: [EvalRunCommand.self, EvalCompareCommand.self, EvalBenchCommand.self],
        defaultSubcommand: EvalRunCommand.self
    )
}

enum EngineKind: String, ExpressibleByArgument, CaseIterable {
    case rules, checkpoint, openai, hybrid
}

struct EvalRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate an engine on a benchmark (the default subcommand).",
        discussion: """
        Engines: rules (the built-in translator); checkpoint (a trained run directory, through the
        Python worker); openai (any OpenAI-compatible chat endpoint: vLLM, Ollama, llama.cpp server,
        hosted APIs, `python -m ciport_trainer serve`); hybrid (rules first, the model rewrites only what
        the ledger flags needs-review or lost, with validation-repair rounds).

        Per case: parses, validates, fact F1 against the reference, exact canonical match, chrF,
        CrystalBLEU, and optionally an LLM judge. Writes to --out: results.jsonl (appended as cases
        finish; --resume continues), summary.json, metrics.txt (OpenMetrics, for GitLab's MR metrics
        widget), junit.xml (GitLab's test report) and report.html (opens from disk).

        EXAMPLES
          ciport eval --engine rules
          ciport eval --engine checkpoint --model .ciport/runs/20261129T2100-tiny --out out/eval-tiny
          OPENAI_API_KEY=… ciport eval --engine openai --base-url https://api.example.com/v1 \\
              --model some-model --api-key-env OPENAI_API_KEY --concurrency 8 --out out/eval-api
          ciport eval --engine hybrid --base-url http://127.0.0.1:8000/v1 --model local --baseline out/eval
          ciport eval compare out/eval out/eval-api

        GitLab CI
          artifacts: { reports: { metrics: out/eval/metrics.txt, junit: out/eval/junit.xml } }

        EXIT STATUS
          0 the run finished (failing cases are in the reports); 65 a broken benchmark or option;
          66 no benchmark; 69 no working Python for checkpoint.
        """
    )

    @Option(name: .long, help: "rules, checkpoint, openai or hybrid.")
    var engine: EngineKind = .rules

    @Option(name: .long, help: "Benchmark: a JSONL file or a directory of them (default: data/splits/test.jsonl).")
    var bench: String = Benchmark.defaultPath

    @Option(name: .long, help: "Output directory for the reports.")
    var out = "out/eval"

    @Flag(name: .long, help: "Continue a crashed or interrupted run in --out without redoing finished cases.")
    var resume = false

    @Option(name: .long, help: "Another run's output directory, compared in the HTML report.")
    var baseline: String?

    @Option(name: .long, help: "Fact F1 a case needs to pass (JUnit).")
    var threshold = 0.8

    @Option(name: .long, help: "Evaluate only the first N cases.")
    var limit: Int?

    @Option(name: .long, help: "checkpoint: the run directory; openai/hybrid: the model name sent to the endpoint.")
    var model: String?

    @Option(name: .long, help: "openai/hybrid: the API root, e.g. http://127.0.0.1:8000/v1.")
    var baseURL: String?

    @Option(name: .long, help: "openai/hybrid: the environment variable holding the API key (its value is never printed).")
    var apiKeyEnv: String?

    @Option(name: .long, help: "openai/hybrid: seconds one request may take.")
    var timeout = 120.0

    @Option(name: .long, help: "openai/hybrid: retries on 5xx, 429, timeouts and dropped connections.")
    var retries = 2

    @Option(name: .long, help: "openai/hybrid: requests in flight at once.")
    var concurrency = 4

    @Option(name: .long, help: "Most tokens per answer.")
    var maxTokens = 2048

    @Option(name: .long, help: "hybrid: validation-repair rounds.")
    var repairRounds = 2

    @Option(name: .long, help: "LLM judge: the API root of an OpenAI-compatible endpoint (no judge without it).")
    var judgeBaseURL: String?

    @Option(name: .long, help: "LLM judge: model name.")
    var judgeModel: String?

    @Option(name: .long, help: "LLM judge: the environment variable holding its API key.")
    var judgeApiKeyEnv: String?

    @Option(name: .long, help: "LLM judge: rubric file (default: the bundled judge-rubric.md).")
    var judgeRubric: String?

    @Option(name: .long, help: "CrystalBLEU: how many of the benchmark's most frequent n-grams to ignore.")
    var bleuK = 50

    @Option(name: .long, help: "Bootstrap seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "checkpoint: Python interpreter with the worker installed.")
    var python: String?

    @Flag(name: .shortAndLong, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        switch engine {
        case .openai, .hybrid:
            if baseURL == nil { throw ValidationError("--engine \(engine.rawValue) needs --base-url") }
            if model == nil { throw ValidationError("--engine \(engine.rawValue) needs --model (the model name)") }
        case .checkpoint:
            if model == nil { throw ValidationError("--engine checkpoint needs --model RUN (a run directory)") }
        case .rules: break
        }
        if judgeBaseURL != nil && judgeModel == nil { throw ValidationError("--judge-base-url needs --judge-model") }
        if timeout <= 0 || retries < 0 || concurrency < 1 || maxTokens < 1 || repairRounds < 0 || bleuK < 0 {
            throw ValidationError("--timeout, --concurrency and --max-tokens must be positive; --retries, --repair-rounds and --bleu-k not negative")
        }
        if !(0...1).contains(threshold) { throw ValidationError("--threshold is a fact F1 between 0 and 1") }
    }

    /// An endpoint client from the options; the key is read from the environment here and kept in memory only.
    static func client(baseURL: String, model: String, keyEnv: String?, timeout: Double, retries: Int,
                       maxTokens: Int, connections: Int) throws -> ChatClient {
        guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            FileIO.printErr("error: --base-url '\(baseURL)' is not an http(s) URL")
            throw ExitCode(FileIO.exitDataErr)
        }
        var key: String?
        if let keyEnv {
            guard let v = ProcessInfo.processInfo.environment[keyEnv], !v.isEmpty else {
                FileIO.printErr("error: the environment variable \(keyEnv) (named by the api-key-env option) is not set")
                throw ExitCode(FileIO.exitDataErr)
            }
            key = v
        }
        var c = ChatClient.Config(baseURL: url, model: model, apiKey: key)
        c.timeout = timeout
        c.retries = retries
        c.maxTokens = maxTokens
        return ChatClient(c, maxConnections: connections)
    }

    func run() async throws {
        var cases: [BenchCase]
        do { cases = try Benchmark.load(bench) } catch {
            FileIO.printErr(error.description)
            if bench == Benchmark.defaultPath, !FileManager.default.fileExists(atPath: bench) {
                FileIO.printErr("hint: build the bundled splits with `ciport dataset build` and `ciport dataset split`, or pass --bench FILE|DIR")
            }
            throw ExitCode(FileManager.default.fileExists(atPath: bench) ? FileIO.exitDataErr : FileIO.exitNoInput)
        }
        if let limit { cases = Array(cases.prefix(limit)) }
        if cases.isEmpty {
            FileIO.printErr("\(bench): error: the benchmark has no cases")
            throw ExitCode(FileIO.exitDataErr)
        }

        let choice: EngineChoice
        switch engine {
        case .rules:
            choice = .perCase(RulesEngine())
        case .openai, .hybrid:
            let c = try Self.client(baseURL: baseURL!, model: model!, keyEnv: apiKeyEnv, timeout: timeout, retries: retries,
                                    maxTokens: maxTokens, connections: concurrency)
            choice = engine == .openai ? .perCase(OpenAIEngine(client: c, concurrency: concurrency))
                : .perCase(HybridEngine(client: c, concurrency: concurrency, repairRounds: repairRounds))
        case .checkpoint:
            let run = try WorkerRun.resolve(model!)
            let py = try WorkerRun.python(python)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            choice = .batch(CheckpointEngine(run: run, python: py, maxNewTokens: maxTokens, workDir: out))
        }

        var plan = EvalPlan(cases: cases, bench: bench, outDir: out)
        plan.resume = resume
        plan.threshold = threshold
        plan.seed = seed
        plan.baseline = baseline
        if let judgeBaseURL, let judgeModel {
            let c = try Self.client(baseURL: judgeBaseURL, model: judgeModel, keyEnv: judgeApiKeyEnv, timeout: timeout,
                                    retries: retries, maxTokens: 256, connections: concurrency)
            var rubric = Judge.bundledRubric()
            if let judgeRubric {
                guard let t = try? String(contentsOfFile: judgeRubric, encoding: .utf8) else {
                    FileIO.printErr("\(judgeRubric): error: cannot read the rubric")
                    throw ExitCode(FileIO.exitNoInput)
                }
                rubric = t
            }
            plan.judge = Judge(client: c, rubric: rubric)
        }
        if let baseline, !FileManager.default.fileExists(atPath: (baseline as NSString).appendingPathComponent("results.jsonl")) {
            FileIO.printErr("\(baseline): error: no results.jsonl (not a ciport eval output directory)")
            throw ExitCode(FileIO.exitNoInput)
        }

        let progress = ProgressBar(enabled: !quiet)
        progress.total = cases.count
        var firstCall = true
        let outcome: EvalOutcome
        do {
            outcome = try await EvalRunner.run(plan, engine: choice, scorer: Scorer(cases: cases, k: bleuK)) { done, total, r in
                if firstCall, done > 1 { progress.note("resuming: \(done - 1) of \(total) cases already done") }
                firstCall = false
                progress.update(step: done)
                if r.outcome == .engineError { progress.note("\(r.id): \(r.errorKind ?? "error"): \(r.error ?? "")") }
            }
        } catch let e as EvalError {
            progress.finish()
            FileIO.printErr(e.description)
            throw ExitCode(FileIO.exitDataErr)
        }
        progress.finish()
        print(Self.summaryText(outcome.summary))
        if outcome.skipped > 0 { print("resumed: \(outcome.skipped) cases kept from the earlier run") }
        print("report: \((out as NSString).appendingPathComponent("report.html"))")
    }

    static func summaryText(_ s: EvalSummary) -> String {
        func m(_ k: String) -> String {
            guard let e = s.overall.metrics[k] else { return "–" }
            return String(format: "%.3f (%.3f–%.3f)", e.mean, e.low, e.high)
        }
        var lines = ["\(s.engine) on \(s.bench): \(s.overall.cases) cases, \(s.overall.scored) scored, \(s.overall.engineErrors) engine errors, \(s.overall.benchmarkErrors) benchmark errors"]
        lines.append("  fact F1 \(m("fact_f1"))  pass \(m("pass_rate"))  parses \(m("parse_rate"))  validates \(m("validate_rate"))")
        lines.append("  exact \(m("exact_match"))  chrF \(m("chrf"))  CrystalBLEU \(m("crystal_bleu"))" + (s.overall.metrics["judge"] != nil ? "  judge \(m("judge"))" : ""))
        if !s.errorKinds.isEmpty { lines.append("  engine errors: " + s.errorKinds.keys.sorted().map { "\($0) \(s.errorKinds[$0]!)" }.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}

struct EvalCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "List the cases that improved and regressed from run A to run B.",
        discussion: """
        A and B are `ciport eval` output directories. A case improved when its fact F1 rose by at least
        --epsilon, or stayed level while it became valid; regressed, the other way round.

        EXAMPLE
          ciport eval compare out/eval-rules out/eval-hybrid --fail-on-regression
        """
    )

    @Argument(help: "The earlier (baseline) run's output directory.")
    var a: String

    @Argument(help: "The later run's output directory.")
    var b: String

    @Option(name: .long, help: "Smallest fact F1 change that counts.")
    var epsilon = 0.01

    @Flag(name: .long, help: "Exit 1 when any case regressed.")
    var failOnRegression = false

    func run() async throws {
        let ra: [CaseResult], rb: [CaseResult]
        do {
            ra = try ResultsLog.load(dir: a)
            rb = try ResultsLog.load(dir: b)
        } catch {
            FileIO.printErr("\(error)")
            throw ExitCode(FileIO.exitNoInput)
        }
        let c = Comparison(a: ra, b: rb, epsilon: epsilon)
        print(c.text(nameA: a, nameB: b), terminator: "")
        if failOnRegression && !c.regressed.isEmpty { throw ExitCode(1) }
    }
}

struct EvalBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Scoring speed on synthetic cases (release build).",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Synthetic cases to score.")
    var cases = 10_000

    @Option(name: .long, help: "Concurrent chunks (default: the CPU count).")
    var chunks: Int?

    @Flag(name: .long, help: "Also time each scoring stage on one core.")
    var breakdown = false

    func run() async throws {
        let t0 = Date()
        let items = EvalBench.items(cases)
        let scorer = Scorer(cases: items.map(\.bench))
        FileIO.printErr(String(format: "prepared %d cases (rules answers) in %.1fs", items.count, Date().timeIntervalSince(t0)))
        let k = chunks ?? ProcessInfo.processInfo.activeProcessorCount
        if breakdown { Self.breakdown(items, scorer: scorer) }
        let cpu0 = Self.cpuSeconds()
        let (results, secs) = await EvalBench.score(items, scorer: scorer, chunks: k)
        let cpu = Self.cpuSeconds() - cpu0
        let s = EvalSummary(results: results, engine: "rules", bench: "synthetic", threshold: 0.8)
        // CPU time says what the machine's load hid: the rate an idle core would give.
        print(String(format: "scored %d cases in %.2fs: %.0f cases/s (%d chunks); %.3f ms CPU per case (%.0f cases/s per idle core); mean fact F1 %.3f, chrF %.3f, CrystalBLEU %.3f",
                     results.count, secs, Double(results.count) / secs, k, cpu * 1000 / Double(results.count), Double(results.count) / cpu,
                     s.overall.metrics["fact_f1"]?.mean ?? 0, s.overall.metrics["chrf"]?.mean ?? 0, s.overall.metrics["crystal_bleu"]?.mean ?? 0))
    }

    /// Milliseconds per case of each scoring stage, one core, both files of a case.
    static func breakdown(_ items: [EvalBench.Item], scorer: Scorer) {
        var stages: [(String, Double)] = []
        func time(_ name: String, _ body: (EvalBench.Item) -> Void) {
            let t = Date()
            for i in items { body(i) }
            stages.append((name, Date().timeIntervalSince(t) * 1000 / Double(items.count)))
        }
        time("YAML load") { i in _ = try? YAMLLoader.load(i.bench.reference!, file: "r"); _ = try? YAMLLoader.load(i.answer, file: "a") }
        time("YAML load + read") { i in _ = scorer.read(i.bench.reference!, file: "r", target: .gitlab); _ = scorer.read(i.answer, file: "a", target: .gitlab) }
        let roots = items.map { (try? YAMLLoader.load($0.answer, file: "a")) ?? nil }
        let pipes = items.map { i -> Pipeline? in try? scorer.read(i.answer, file: "a", target: .gitlab).pipeline.get() }
        var k = 0
        time("validate") { _ in if let r = roots[k] { _ = Validator.validate(r, platform: .gitlab) }; k += 1 }
        k = 0
        time("canonical") { _ in if let r = roots[k] { _ = Canonical.digest(r) }; k += 1 }
        k = 0
        time("facts extract") { _ in if let p = pipes[k] { _ = Facts.extract(p) }; k += 1 }
        let facts = pipes.map { $0.map { Facts.extract($0) } ?? [] }
        k = 0
        time("facts score") { _ in _ = Facts.score(facts[k], against: facts[(k + 1) % facts.count]); k += 1 }
        time("chrF") { i in _ = ChrF.score(i.answer, i.bench.reference!) }
        time("CrystalBLEU") { i in _ = scorer.bleu.score(i.answer, i.bench.reference!) }
        time("whole case") { i in _ = scorer.result(i.bench, .answer(i.answer, Trace())) }
        for (n, ms) in stages { FileIO.printErr(String(format: "  %-18@ %.3f ms", n as NSString, ms)) }
    }

    /// User + system CPU seconds of this process, all threads.
    static func cpuSeconds() -> Double {
        var u = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)  // an enum on Glibc
        #else
        getrusage(RUSAGE_SELF, &u)
        #endif
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
