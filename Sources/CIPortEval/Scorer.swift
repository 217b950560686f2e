import CIPortCore
import Foundation

/// What an engine gave back for one case.
public enum EngineOutput: Sendable {
    /// The engine's answer (a file, possibly fenced in prose).
    case answer(String, Trace)
    /// The engine failed on this case; the run goes on.
    case failure(EngineFailure, Trace)

    public var trace: Trace {
        switch self {
        case .answer(_, let t), .failure(_, let t): t
        }
    }
}

/// How an engine failed on one case.
public struct EngineFailure: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// No answer within the per-request deadline (after retries).
        case timeout
        /// The endpoint answered with an HTTP error status (after retries for 5xx and 429).
        case http
        /// The endpoint answered, but not with a chat completion.
        case badResponse = "bad-response"
        /// No connection, reset, DNS…
        case transport
        /// The rule engine refused the source (an input error).
        case input
        /// The local model's worker failed.
        case worker
    }

    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Bookkeeping of how an answer came about.
public struct Trace: Sendable, Codable, Equatable {
    /// HTTP attempts (1 = no retry); 0 for engines with no requests.
    public var attempts: Int = 0
    /// Hybrid: validation-repair rounds sent back to the model.
    public var repairRounds: Int?
    /// Hybrid: ledger entries (needs-review or lost) the model was asked to fix; 0 = rules alone.
    public var flagged: Int?
    /// Hybrid: the model's answer stayed invalid, so the rules output was kept.
    public var fellBack: Bool?
    public var seconds: Double = 0

    public init() {}
}

/// The scores of one case.
public struct CaseScores: Sendable, Codable, Equatable {
    /// The answer is YAML that ciport reads as a pipeline of the target platform.
    public var parses: Bool
    /// …and `ciport validate` finds no errors in it.
    public var validates: Bool
    public var factF1: Double
    public var factPrecision: Double
    public var factRecall: Double
    /// Canonical YAML trees equal (see `Canonical`).
    public var exact: Bool
    public var chrF: Double
    public var bleu: Double
    /// LLM judge, 0…1 (mean over both answer orders), when asked.
    public var judge: Double?
    /// The first validation errors and fact differences, for the reports.
    public var validationErrors: [String]
    public var missingFacts: [String]
    public var extraFacts: [String]
}

/// The outcome of one case.
public struct CaseResult: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Scored (whatever the scores).
        case scored
        /// The engine failed: scored as zero, counted apart.
        case engineError = "engine-error"
        /// The case itself is broken (its reference does not parse, or it names a platform ciport cannot
        /// read): not scored, not counted against the engine.
        case benchmarkError = "benchmark-error"
    }

    public var id: String
    public var task: String
    public var pair: String
    public var outcome: Outcome
    public var scores: CaseScores?
    public var error: String?
    public var errorKind: String?
    public var trace: Trace
    /// The engine's answer file (cut at 64 KiB), for `compare` and the HTML report.
    public var output: String?

    /// Did the case pass (for JUnit): parses, validates and reaches the F1 threshold.
    public func passed(threshold: Double) -> Bool {
        guard outcome == .scored, let s = scores else { return false }
        return s.parses && s.validates && s.factF1 >= threshold
    }
}

/// A reference read once: its tree, model facts and text profiles.
public struct PreparedReference: Sendable {
    public var text: String
    public var target: Platform
    public var canonical: UInt64
    public var facts: Set<Fact>
    public var chrf: ChrF.Profile
    public var tokens: [UInt64]
}

/// Scores answers against references with the one fact yardstick (`Facts.score`) and the text metrics.
public struct Scorer: Sendable {
    public var bleu: CrystalBLEU
    public var catalog: ActionCatalog

    public init(bleu: CrystalBLEU = CrystalBLEU(), catalog: ActionCatalog = .bundled) {
        self.bleu = bleu
        self.catalog = catalog
    }

    /// A benchmark's scorer: CrystalBLEU ignores the `k` most frequent n-grams of its references.
    public init(cases: [BenchCase], k: Int = 50) {
        self.init(bleu: CrystalBLEU(references: cases.compactMap(\.reference), k: k))
    }

    /// Reads a case's reference; a reference that does not read is the benchmark's fault.
    public func prepare(_ c: BenchCase) -> Result<PreparedReference, EngineFailure> {
        guard let target = c.target else {
            return .failure(EngineFailure(.input, "target platform '\(c.targetPlatform)' is not one ciport reads"))
        }
        guard let ref = c.reference else { return .failure(EngineFailure(.input, "the record has no reference answer")) }
        let (root, read) = read(ref, file: "\(c.id):reference", target: target)
        switch (root, read) {
        case (let root?, .success(let p)):
            return .success(PreparedReference(text: ref, target: target, canonical: Canonical.digest(root),
                                              facts: Facts.extract(p, catalog: catalog), chrf: ChrF.Profile(ref),
                                              tokens: CrystalBLEU.tokens(ref)))
        case (_, .failure(let e)):
            return .failure(EngineFailure(.input, "the reference does not parse: \(e)"))
        case (nil, _):
            return .failure(EngineFailure(.input, "the reference is empty"))
        }
    }

    /// Whether the first line that is not blank, a comment or `---` starts with `spec:` (the cheap
    /// check before `splitSpecHeader`, which splits the whole text into lines).
    static func mayHaveSpecHeader(_ text: String) -> Bool {
        var atLineStart = true
        var skipping = false
        var it = text.utf8.makeIterator()
        var line: [UInt8] = []
        while let b = it.next() {
            if b == 0x0A {
                if !line.isEmpty && line != Array("---".utf8) { return false }
                line = []
                atLineStart = true
                skipping = false
                continue
            }
            if skipping { continue }
            if atLineStart && b == 0x23 { skipping = true; continue }   // a comment line
            if b == 0x20 || b == 0x09 || b == 0x0D { if line.isEmpty { continue } }
            atLineStart = false
            line.append(b)
            if line.count == 5 { return line == Array("spec:".utf8) }
        }
        return false
    }

    /// A file's YAML tree and its pipeline, parsing the YAML once (scoring reads every file twice
    /// otherwise: once for the tree, once inside `Translator.read`). A GitLab file with a `spec:` header
    /// (two documents) takes `Translator.read`'s own path; its tree is the body's.
    public func read(_ text: String, file: String, target: Platform) -> (root: YNode?, pipeline: Result<Pipeline, InputError>) {
        let options = ConvertOptions(catalog: catalog)
        var ledger = Ledger.discarding  // scoring needs the model, not the fidelity record
        if target == .gitlab, Self.mayHaveSpecHeader(text), let split = GitLabReader.splitSpecHeader(text) {
            let root = try? YAMLLoader.load(split.body, file: file)
            do { return (root, .success(try Translator.read(text, file: file, from: target, options: options, ledger: &ledger))) } catch {
                return (root, .failure(error))
            }
        }
        let root: YNode?
        do { root = try YAMLLoader.load(text, file: file, limits: options.limits) } catch { return (nil, .failure(error)) }
        guard let root else { return (nil, .failure(InputError(SourcePos(file: file, line: 1, column: 1), "empty file"))) }
        guard let map = root.mapping else {
            return (root, .failure(InputError(root.pos, "top level is \(root.kindName); a pipeline file is a mapping")))
        }
        do {
            switch target {
            case .github: return (root, .success(try GitHubReader.read(map, file: file, options: options, ledger: &ledger)))
            case .gitlab: return (root, .success(try GitLabReader.read(map, file: file, options: options, ledger: &ledger)))
            }
        } catch {
            return (root, .failure(error))
        }
    }

    /// Scores one answer file against a prepared reference.
    public func score(answer: String, against ref: PreparedReference) -> CaseScores {
        let file = Fence.answerFile(answer)
        var s = CaseScores(parses: false, validates: false, factF1: 0, factPrecision: 0, factRecall: 0, exact: false,
                           chrF: ChrF.score(ChrF.Profile(file), ref.chrf),
                           bleu: bleu.score(tokens: CrystalBLEU.tokens(file), reference: ref.tokens),
                           judge: nil, validationErrors: [], missingFacts: [], extraFacts: [])
        let name = ref.target == .gitlab ? ".gitlab-ci.yml" : "workflow.yml"
        let (root, read) = read(file, file: name, target: ref.target)
        guard let root else {
            if case .failure(let e) = read { s.validationErrors = [e.description] }
            return s
        }
        let problems = Validator.validate(root, platform: ref.target).filter { $0.severity == .error }
        s.validationErrors = problems.prefix(5).map(\.description)
        s.exact = Canonical.digest(root) == ref.canonical
        let p: Pipeline
        switch read {
        case .success(let x): p = x
        case .failure(let e):
            if s.validationErrors.isEmpty { s.validationErrors = [e.description] }
            return s
        }
        s.parses = true
        s.validates = problems.isEmpty
        let f = Facts.score(Facts.extract(p, catalog: catalog), against: ref.facts)
        s.factF1 = f.f1
        s.factPrecision = f.precision
        s.factRecall = f.recall
        s.missingFacts = f.missing.prefix(10).map(\.description)
        s.extraFacts = f.extra.prefix(10).map(\.description)
        return s
    }

    /// The result of one case from an engine's output.
    public func result(_ c: BenchCase, _ out: EngineOutput, prepared: Result<PreparedReference, EngineFailure>? = nil) -> CaseResult {
        var r = CaseResult(id: c.id, task: c.task, pair: c.pair, outcome: .scored, scores: nil, error: nil, errorKind: nil,
                           trace: out.trace, output: nil)
        switch prepared ?? prepare(c) {
        case .failure(let e):
            r.outcome = .benchmarkError
            r.error = e.message
            return r
        case .success(let ref):
            switch out {
            case .answer(let text, _):
                r.scores = score(answer: text, against: ref)
                r.output = text.utf8.count > 65536 ? String(decoding: Array(text.utf8.prefix(65536)), as: UTF8.self) : text
            case .failure(let e, _):
                r.outcome = .engineError
                r.error = e.message
                r.errorKind = e.kind.rawValue
            }
        }
        return r
    }
}
