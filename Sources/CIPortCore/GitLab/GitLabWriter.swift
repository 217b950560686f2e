import Foundation

/// Writes the model as a GitLab CI file.
///
/// Stages come from the `needs` graph (one stage per level), triggers become `workflow:rules`, and
/// every approximation or loss both downgrades the construct's ledger entry and leaves a
/// `# ciport:` comment on the output key a person has to check.
public enum GitLabWriter {
    public static func write(_ p: Pipeline, options: ConvertOptions, ledger: inout Ledger) -> YOut {
        // The writer takes the caller's ledger rather than a second reference to it, so its first
        // record does not copy every entry.
        var moved = Ledger()
        swap(&moved, &ledger)
        var w = GitLabWriterState(pipeline: p, options: options, ledger: consume moved)
        defer { ledger = w.ledger }
        return w.write()
    }
}

struct GitLabWriterState {
    let p: Pipeline
    let options: ConvertOptions
    var ledger: Ledger
    /// GitHub job id → GitLab job key.
    var names: [String: String] = [:]
    /// GitHub job id → stage name.
    var stageOf: [String: String] = [:]
    var stages: [String] = []
    /// Ledger paths of steps by source position (composite inlining shifts step indices).
    var stepPaths: [SourcePos: String] = [:]
    /// Jobs whose `rules:` may leave them out of a pipeline; needs on them must be optional.
    var conditionalJobs: Set<String> = []
    /// Whether a workflow-level `cancel-in-progress` asks every job to be interruptible.
    var allInterruptible = false
    /// How expressions of the job being written translate: inputs are pipeline variables, and
    /// outputs the job's lines export resolve to variables.
    var expr = Expressions.Options(inputs: .variable)
    /// Lines that export a step's catalog outputs, by the step's position (see `outputPlan`).
    var outputExports: [SourcePos: [(name: String, value: String)]] = [:]
    /// Run steps whose `$GITHUB_OUTPUT` values later text reads: step position → (variable, output name).
    var outputReloads: [SourcePos: [(name: String, output: String)]] = [:]
    /// `expr` for step conditions, which run as shell tests while the job runs.
    var runtimeExpr: Expressions.Options {
        var e = expr
        e.runtime = true
        return e
    }
    /// Whether the "GitHub's runner has more tools" comment was written (once per file is enough).
    var runnerImageNoted = false
    /// Valid needs of each job, by job id (see `validNeeds(_:)`); computed once, read per job and step.
    let validNeeds: [String: [Need]]

    init(pipeline: Pipeline, options: ConvertOptions, ledger: Ledger) {
        self.p = pipeline
        self.options = options
        self.ledger = ledger
        self.validNeeds = Self.validNeeds(pipeline)
        for e in ledger.entries where e.construct.hasSuffix("]") && FastText.contains(e.construct, ".steps[") {
            if stepPaths[e.pos] == nil { stepPaths[e.pos] = e.construct }
        }
    }

    mutating func write() -> YOut {
        assignNames()
        computeStages()
        var top = YOutMap()
        if let wf = workflowSection() { top.set("workflow", wf.value, comments: wf.comments) }
        top.set("stages", .strings(stages))
        if let vars = globalVariables() { top.set("variables", vars.value, comments: vars.comments) }
        for job in p.jobs {
            let (value, comments) = writeJob(job)
            top.set(names[job.id] ?? job.id, value, comments: comments)
        }
        return top.out
    }

    // MARK: Ledger and text helpers

    mutating func note(_ path: String, _ pos: SourcePos, _ status: Fidelity, _ text: String, target: String? = nil) {
        ledger.record(path, at: pos, status, note: text, target: target)
    }

    func stepPath(_ job: Job, _ step: Step, index: Int) -> String {
        stepPaths[step.pos] ?? "jobs.\(job.id).steps[\(index)]"
    }

    /// Translates text that may hold `${{ }}`; `matrix` rewrites matrix references to the job's
    /// parallel:matrix variables first. Fidelity below translated is written to `path` in the ledger.
    mutating func text(_ s: String, _ context: Expressions.Context, path: String, pos: SourcePos,
                       matrix: Bool = false, notes: inout [String]) -> Expressions.TextResult {
        var input = s
        if matrix { input = Self.rewriteMatrixRefs(input) }
        guard FastText.contains(input, "${{") else { return Expressions.TextResult(text: input) }
        var r = Expressions.translateText(input, context: context, options: expr)
        if r.fidelity != .translated {
            let n = r.notes.isEmpty ? "expression needs review" : r.notes.joined(separator: "; ")
            note(path, pos, r.fidelity, n)
            notes.append("ciport: \(r.fidelity.rawValue): \(n)")
        }
        if context == .script { r.text = Self.withoutGitHubExpressions(r.text, notes: &notes) }
        return r
    }

    /// Replaces each `${{ … }}` the expression layer had to keep by `${NAME:?…}`: in bash a literal
    /// `${{` is a "bad substitution" error, and a step that silently ran with an empty value could do
    /// harm. The job now stops with a message until a person defines NAME (the comment says what
    /// GitHub computed there).
    static func withoutGitHubExpressions(_ s: String, notes: inout [String]) -> String {
        guard FastText.contains(s, "${{") else { return s }
        var out = ""
        var rest = Substring(s)
        var n = 0
        while let open = rest.range(of: "${{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += "$ {{"  // an unterminated `${{` kept as text that is not an expansion
                rest = rest[open.upperBound...]
                continue
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            n += 1
            let dotted = inner.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) } && inner.first?.isLetter == true
            let name = dotted ? Expressions.variableName(forMatrixAxis: inner) : "CIPORT_EXPR_\(n)"
            out += "${\(name):?set by hand, see the ciport comment}"
            let c = "ciport: needs-review: define \(name) (GitHub computed it as ${{ \(inner) }})"
            if !notes.contains(c) { notes.append(c) }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// `${{ matrix.node-version }}` → `${NODE_VERSION}` (only the plain form; others go to `Expressions`).
    static func rewriteMatrixRefs(_ s: String) -> String {
        guard FastText.contains(s, "matrix.") else { return s }
        return rewriteMatrixRefsASCII(s) ?? rewriteMatrixRefsCharacters(s)
    }

    /// `rewriteMatrixRefs` for any text, by Characters.
    static func rewriteMatrixRefsCharacters(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "${{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                // An unterminated `${{` and what follows stay as they are, for the expression layer.
                rest = rest[open.lowerBound...]
                break
            }
            let expr = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = expr.dropFirst("matrix.".count)
            if expr.hasPrefix("matrix."), !name.isEmpty,
               name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                out += "${" + Expressions.variableName(forMatrixAxis: String(name)) + "}"
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// `rewriteMatrixRefs` over the bytes of ASCII text (where bytes and Characters agree); nil
    /// for other text.
    static func rewriteMatrixRefsASCII(_ s: String) -> String? {
        FastText.withBytes(s) { b -> String? in
            guard FastText.isASCII(b) else { return nil }
            var out = ""
            var i = 0
            func append(_ r: Range<Int>) { out += String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
            while let open = FastText.find("${{", in: b, from: i) {
                append(i..<open)
                guard let close = FastText.find("}}", in: b, from: open + 3) else {
                    i = open
                    break
                }
                var lo = open + 3, hi = close
                while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
                while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
                let nameStart = lo + 7
                if FastText.has(b, at: lo, "matrix."), nameStart < hi, b[nameStart..<hi].allSatisfy({ c in
                    (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
                }) {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<hi]), as: UTF8.self)
                    out += "${" + Expressions.variableName(forMatrixAxis: name) + "}"
                } else {
                    append(open..<(close + 2))
                }
                i = close + 2
            }
            append(i..<b.count)
            return out
        }
    }

    // MARK: Job names

    /// Top-level keys GitLab reads as settings, never as jobs.
    static let reserved: Set<String> = [
        "image", "services", "stages", "types", "before_script", "after_script", "variables", "cache",
        "include", "workflow", "default", "spec", "pages", "$schema", "!reference",
    ]

    mutating func assignNames() {
        var taken = Set<String>()
        for job in p.jobs {
            var name = FastText.isPlainASCII(job.id, avoiding: { $0 == 0x20 || $0 == 0x09 }) ? job.id
                : job.id.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "\t", with: "-")
            while name.hasPrefix(".") { name.removeFirst() }  // a leading dot hides a GitLab job
            if name.isEmpty { name = "job" }
            let pagesIntended = job.id == "pages" && job.steps.contains { ($0.actionRef ?? "").lowercased().hasPrefix("actions/deploy-pages") }
            if Self.reserved.contains(name) && !pagesIntended { name += "-job" }
            if name.count > 255 { name = String(name.prefix(255)) }
            var unique = name
            var n = 2
            while taken.contains(unique) { unique = "\(name)-\(n)"; n += 1 }
            taken.insert(unique)
            names[job.id] = unique
            if unique != job.id {
                note("jobs.\(job.id)", job.pos, .translated, "renamed to '\(unique)' (GitLab reserves or hides '\(job.id)')",
                     target: unique)
            } else {
                ledger.setTarget("jobs.\(job.id)", unique)
            }
        }
    }

    // MARK: Stages from the needs graph

    /// Valid needs of each job: needs on jobs the workflow does not have dropped (`computeStages`
    /// records them). Cycle-closing edges stay; `computeStages` only leaves them out of the levels.
    static func validNeeds(_ p: Pipeline) -> [String: [Need]] {
        let ids = Set(p.jobs.map(\.id))
        var out: [String: [Need]] = [:]
        for job in p.jobs { out[job.id] = job.needs.filter { ids.contains($0.job) } }
        return out
    }

    mutating func computeStages() {
        let needs = validNeeds
        for job in p.jobs {
            for (i, n) in job.needs.enumerated() where needs[job.id]?.contains(n) != true {
                note("jobs.\(job.id).needs[\(i)]", n.pos, .lost, "no job '\(n.job)' in this workflow")
            }
        }
        var level: [String: Int] = [:]
        var visiting = Set<String>()
        var brokenEdges: [(String, Need)] = []
        func visit(_ id: String) -> Int {
            if let l = level[id] { return l }
            if visiting.contains(id) { return -1 }
            visiting.insert(id)
            var l = 0
            for n in needs[id] ?? [] {
                let d = visit(n.job)
                if d < 0 { brokenEdges.append((id, n)); continue }
                l = max(l, d + 1)
            }
            visiting.remove(id)
            level[id] = l
            return l
        }
        for job in p.jobs { _ = visit(job.id) }
        for (id, n) in brokenEdges {
            note("jobs.\(id).needs", n.pos, .lost, "'\(id)' needs '\(n.job)' in a cycle; edge dropped")
        }
        let depth = (level.values.max() ?? 0) + 1
        var byLevel = Array(repeating: [Job](), count: depth)
        for job in p.jobs { byLevel[level[job.id] ?? 0].append(job) }
        stages = stageNames(byLevel)
        for (i, jobs) in byLevel.enumerated() {
            for j in jobs { stageOf[j.id] = stages[i] }
        }
    }

    /// Names the levels build/test/deploy when job names say so, by job name when each level has
    /// one job, else `stage-N`.
    func stageNames(_ levels: [[Job]]) -> [String] {
        let cats = levels.map { jobs -> Int? in jobs.compactMap { Self.category($0) }.max() }
        if cats.allSatisfy({ $0 != nil }) {
            let c = cats.map { $0! }
            if zip(c, c.dropFirst()).allSatisfy({ $0 < $1 }) {
                return c.map { ["build", "test", "deploy"][$0] }
            }
        }
        if levels.count == 1 { return ["test"] }
        if levels.allSatisfy({ $0.count == 1 }) {
            let ns = levels.map { names[$0[0].id] ?? $0[0].id }
            if Set(ns).count == ns.count { return ns }
        }
        return (1...levels.count).map { "stage-\($0)" }
    }

    /// 0 build, 1 test, 2 deploy, from the job's id and name.
    static func category(_ job: Job) -> Int? {
        let text = (job.id + " " + (job.name ?? "")).lowercased()
        func has(_ words: [String]) -> Bool { words.contains { FastText.contains(text, $0) } }
        if has(["deploy", "release", "publish", "deliver", "ship", "provenance", "upload"]) { return 2 }
        if has(["test", "lint", "check", "verify", "scan", "analy", "audit", "coverage", "e2e", "spec", "codeql", "style"]) { return 1 }
        if has(["build", "compile", "package", "bundle", "assemble", "setup", "prepare", "install"]) { return 0 }
        return nil
    }
}
