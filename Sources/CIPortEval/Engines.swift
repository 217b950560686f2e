import CIPortCore
import CIPortTrain
import Foundation

/// An engine that translates one case at a time; the runner keeps up to `concurrency` in flight.
public protocol Engine: Sendable {
    var name: String { get }
    var concurrency: Int { get }
    func translate(_ c: BenchCase) async -> EngineOutput
}

/// An engine that translates a whole batch in one go (a local model behind one worker process) and
/// streams the answers as they come.
public protocol BatchEngine: Sendable {
    var name: String { get }
    func translate(_ cases: [BenchCase]) -> AsyncStream<(id: String, output: EngineOutput)>
}

// MARK: - rules

/// The built-in rule engine: `Translator.convert` from the record's source to its target platform.
public struct RulesEngine: Engine {
    public var options: ConvertOptions
    public let name = "rules"
    public var concurrency: Int { ProcessInfo.processInfo.activeProcessorCount }

    public init(options: ConvertOptions = ConvertOptions()) { self.options = options }

    public func translate(_ c: BenchCase) async -> EngineOutput {
        let start = Date()
        var t = Trace()
        let r = Self.convert(c, options: options)
        t.seconds = Date().timeIntervalSince(start)
        switch r {
        case .success(let conv): return .answer(conv.output, t)
        case .failure(let f): return .failure(f, t)
        }
    }

    static func convert(_ c: BenchCase, options: ConvertOptions) -> Result<Conversion, EngineFailure> {
        guard let src = c.sourceText else { return .failure(EngineFailure(.input, "the record has no fenced source file")) }
        guard let from = c.source, let to = c.target else {
            return .failure(EngineFailure(.input, "ciport does not translate \(c.sourcePlatform) to \(c.targetPlatform)"))
        }
        do {
            return .success(try Translator.convert(src, file: "\(c.id):source", from: from, to: to, options: options))
        } catch {
            return .failure(EngineFailure(.input, error.description))
        }
    }
}

// MARK: - openai

/// Any OpenAI-compatible chat endpoint, sent the record's own prompt (system and user turns).
public struct OpenAIEngine: Engine {
    public let client: ChatClient
    public let concurrency: Int
    public var name: String { "openai:\(client.config.model)" }

    public init(client: ChatClient, concurrency: Int = 4) {
        self.client = client
        self.concurrency = max(1, concurrency)
    }

    public func translate(_ c: BenchCase) async -> EngineOutput {
        let start = Date()
        var t = Trace()
        let r = await client.complete(c.prompt, attempts: &t.attempts)
        t.seconds = Date().timeIntervalSince(start)
        switch r {
        case .success(let text): return .answer(text, t)
        case .failure(let f): return .failure(f, t)
        }
    }
}

// MARK: - hybrid

/// Rules first; the model rewrites only when the ledger flags constructs as needs-review or lost. It is
/// sent the source, the rules output and the flagged ledger entries; its answer is validated, and the
/// validation errors are sent back for up to `repairRounds` rounds. An answer still invalid after that
/// (or no answer at all) leaves the rules output in place: hybrid never ships worse than rules.
public struct HybridEngine: Engine {
    public let client: ChatClient
    public let concurrency: Int
    public var repairRounds: Int
    public var options: ConvertOptions
    public var name: String { "hybrid:\(client.config.model)" }

    public init(client: ChatClient, concurrency: Int = 4, repairRounds: Int = 2, options: ConvertOptions = ConvertOptions()) {
        self.client = client
        self.concurrency = max(1, concurrency)
        self.repairRounds = max(0, repairRounds)
        self.options = options
    }

    static let system = """
    You are ciport's repair model. A rule-based translator converted a CI/CD file and flagged the \
    constructs it could not translate faithfully. Rewrite the translation so those constructs do what \
    the source does, keep every other job, trigger, cache and artifact as it is, and answer with the \
    complete file in one ```yaml fenced block and nothing else.
    """

    public func translate(_ c: BenchCase) async -> EngineOutput {
        let start = Date()
        var t = Trace()
        var messages: [ChatMessage]
        var fallback: String?
        switch RulesEngine.convert(c, options: options) {
        case .success(let conv):
            let flagged = conv.ledger.entries.filter { $0.status == .needsReview || $0.status == .lost }
            t.flagged = flagged.count
            if flagged.isEmpty {
                t.seconds = Date().timeIntervalSince(start)
                return .answer(conv.output, t)
            }
            fallback = conv.output
            let list = flagged.map { "- \($0.pos): \($0.status.rawValue): \($0.construct)\($0.note.isEmpty ? "" : " — \($0.note)")" }
            messages = [
                ChatMessage(role: "system", content: Self.system),
                ChatMessage(role: "user", content: """
                Source (\(c.source?.description ?? c.sourcePlatform)):
                \(Fence.wrap(c.sourceText ?? ""))

                ciport's translation to \(c.target?.description ?? c.targetPlatform):
                \(Fence.wrap(conv.output))

                The translation's ledger flags these constructs:
                \(list.joined(separator: "\n"))

                Answer with the corrected complete \(c.target?.description ?? c.targetPlatform) file.
                """),
            ]
        case .failure(let f) where f.kind == .input && c.sourceText != nil && c.target != nil:
            // The rules refuse the source: the model translates it whole, with the record's own prompt.
            t.flagged = -1
            messages = c.prompt
        case .failure(let f):
            t.seconds = Date().timeIntervalSince(start)
            return .failure(f, t)
        }

        var round = 0
        while true {
            let answer: String
            switch await client.complete(messages, attempts: &t.attempts) {
            case .success(let a):
                answer = a
            case .failure(let f):
                t.seconds = Date().timeIntervalSince(start)
                guard let fallback else { return .failure(f, t) }
                t.fellBack = true
                return .answer(fallback, t)
            }
            let errors = Self.problems(Fence.answerFile(answer), target: c.target!)
            if errors.isEmpty || round >= repairRounds {
                t.repairRounds = round
                t.seconds = Date().timeIntervalSince(start)
                if !errors.isEmpty, let fallback {
                    t.fellBack = true
                    return .answer(fallback, t)
                }
                return .answer(answer, t)
            }
            round += 1
            messages.append(ChatMessage(role: "assistant", content: answer))
            messages.append(ChatMessage(role: "user", content: """
            `ciport validate` reports these errors in your answer:
            \(errors.prefix(20).map { "- \($0)" }.joined(separator: "\n"))

            Fix them and answer with the complete corrected file in one ```yaml block.
            """))
        }
    }

    /// Why an answer is not a valid pipeline of `target` (empty when it is).
    static func problems(_ text: String, target: Platform) -> [String] {
        let name = target == .gitlab ? ".gitlab-ci.yml" : "workflow.yml"
        do {
            guard let root = try YAMLLoader.load(text, file: name) else { return ["\(name):1:1: error: empty file"] }
            let errors = Validator.validate(root, platform: target).filter { $0.severity == .error }.map(\.description)
            if !errors.isEmpty { return errors }
            var ledger = Ledger()
            _ = try Translator.read(text, file: name, from: target, ledger: &ledger)
            return []
        } catch {
            return [error.description]
        }
    }
}

// MARK: - checkpoint

/// A trained run's model through `python -m ciport_trainer generate` (greedy decoding), one worker
/// process for the batch; answers are streamed as the worker emits `generation` events.
public struct CheckpointEngine: BatchEngine {
    public var run: RunDirectory
    public var python: String
    public var maxNewTokens: Int
    /// Where the worker's input file goes (the eval output directory).
    public var workDir: String
    public var name: String { "checkpoint:\(run.id)" }

    public init(run: RunDirectory, python: String, maxNewTokens: Int = 512, workDir: String) {
        self.run = run
        self.python = python
        self.maxNewTokens = maxNewTokens
        self.workDir = workDir
    }

    private struct InputRecord: Encodable {
        var id: String
        var messages: [ChatMessage]
    }

    public func translate(_ cases: [BenchCase]) -> AsyncStream<(id: String, output: EngineOutput)> {
        let (stream, cont) = AsyncStream<(id: String, output: EngineOutput)>.makeStream()
        let me = self
        // The worker blocks on its pipe; it gets a thread of its own, not one of the cooperative pool's.
        let thread = Thread {
            me.drive(cases, cont)
            cont.finish()
        }
        thread.start()
        return stream
    }

    private func drive(_ cases: [BenchCase], _ cont: AsyncStream<(id: String, output: EngineOutput)>.Continuation) {
        func failAll(_ f: EngineFailure, except done: Set<String> = []) {
            for c in cases where !done.contains(c.id) { cont.yield((c.id, .failure(f, Trace()))) }
        }
        guard !cases.isEmpty else { return }
        let input = (workDir as NSString).appendingPathComponent("checkpoint-input.jsonl")
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for c in cases {
            guard let d = try? enc.encode(InputRecord(id: c.id, messages: c.prompt)) else { continue }
            text += String(decoding: d, as: UTF8.self) + "\n"
        }
        do { try AtomicWrite.write(Data(text.utf8), to: input) } catch {
            failAll(EngineFailure(.worker, "cannot write \(input): \(error)"))
            return
        }
        let args = ["generate", "--config", run.runConfigPath, "--input", input, "--max-new-tokens", String(maxNewTokens)]
        var done = Set<String>()
        var lastError: String?
        var last = Date()
        let byIndex = cases.map(\.id)
        do {
            let code = try Worker(command: [python, "-m", "ciport_trainer"] + args).run(onEvent: { e in
                switch e.name {
                case "generation":
                    let id = e["id"]?.string ?? e["index"]?.int.flatMap { $0 < byIndex.count ? byIndex[$0] : nil }
                    guard let id, !done.contains(id) else { return }
                    done.insert(id)
                    var t = Trace()
                    t.seconds = Date().timeIntervalSince(last)
                    last = Date()
                    cont.yield((id, .answer(e["text"]?.string ?? "", t)))
                case "error":
                    lastError = e["message"]?.string
                default:
                    break
                }
            })
            if done.count < cases.count {
                failAll(EngineFailure(.worker, lastError ?? "the worker exited with status \(code) before answering"), except: done)
            }
        } catch {
            failAll(EngineFailure(.worker, "cannot start \(python): \(error)"), except: done)
        }
    }
}
