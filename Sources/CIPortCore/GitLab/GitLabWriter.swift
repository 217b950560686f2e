import Foundation

/// Writes the model as a GitLab CI file.
///
/// Stages come from the `needs` graph (one stage per level), triggers become `workflow:rules`, and
/// every approximation or loss both downgrades the construct's ledger entry and leaves a
/// `# ciport:` comment on the output key a person has to check.
public enum GitLabWriter {
    public static func write(_ p: Pipeline, options: ConvertOptions, ledger: inout Ledger) -> YOut {
        var w = GitLabWriterState(pipeline: p, options: options, ledger: ledger)
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

    init(pipeline: Pipeline, options: ConvertOptions, ledger: Ledger) {
        self.p = pipeline
        self.options = options
        self.ledger = ledger
        for e in ledger.entries where e.construct.hasSuffix("]") && e.construct.contains(".steps[") {
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
        guard input.contains("${{") else { return Expressions.TextResult(text: input) }
        let r = Expressions.translateText(input, from: .github, to: .gitlab, context: context)
        if r.fidelity != .translated {
            let n = r.notes.isEmpty ? "expression needs review" : r.notes.joined(separator: "; ")
            note(path, pos, r.fidelity, n)
            notes.append("ciport: \(r.fidelity.rawValue): \(n)")
        }
        return r
    }

    /// `${{ matrix.node-version }}` → `${NODE_VERSION}` (only the plain form; others go to `Expressions`).
    static func rewriteMatrixRefs(_ s: String) -> String {
        guard s.contains("matrix.") else { return s }
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "${{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
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

    // MARK: Job names

    /// Top-level keys GitLab reads as settings, never as jobs.
    static let reserved: Set<String> = [
        "image", "services", "stages", "types", "before_script", "after_script", "variables", "cache",
        "include", "workflow", "default", "spec", "pages", "$schema", "!reference",
    ]

    mutating func assignNames() {
        var taken = Set<String>()
        for job in p.jobs {
            var name = job.id.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "\t", with: "-")
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

    /// Valid needs of a job (unknown jobs and cycle-closing edges dropped, with a ledger entry).
    var validNeeds: [String: [Need]] {
        var out: [String: [Need]] = [:]
        for job in p.jobs { out[job.id] = job.needs.filter { n in p.jobs.contains { $0.id == n.job } } }
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
        func has(_ words: [String]) -> Bool { words.contains { text.contains($0) } }
        if has(["deploy", "release", "publish", "deliver", "ship", "provenance", "upload"]) { return 2 }
        if has(["test", "lint", "check", "verify", "scan", "analy", "audit", "coverage", "e2e", "spec", "codeql", "style"]) { return 1 }
        if has(["build", "compile", "package", "bundle", "assemble", "setup", "prepare", "install"]) { return 0 }
        return nil
    }
}
