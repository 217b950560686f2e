import Foundation

/// A job's GitHub `if:` and the GitLab `when:` parts that are not expressions.
struct JobCondition: Sendable {
    /// The `if:` expression (without `${{ }}`), nil when the job always runs after its needs.
    var expression: String?
    /// Whether the expression already holds a status function (`always()`, `failure()`).
    var hasStatus = false
    var manual = false
    var delayed: String?
    /// From `rules:allow_failure`.
    var allowFailure = false
    var comments: [String] = []
}

extension GitHubWriting {
    // MARK: stages → needs

    /// Stages in GitLab's order: `.pre`, the declared ones, stages jobs name without declaring, `.post`.
    func stageList() -> [String] {
        var stages = [".pre"] + p.stages.filter { $0 != ".pre" && $0 != ".post" }
        for j in p.jobs {
            let s = j.stage ?? "test"
            if !stages.contains(s), s != ".post" { stages.append(s) }
        }
        return stages + [".post"]
    }

    /// A manual job GitLab does not wait for: later stages start without it.
    func isOptionalManual(_ j: Job) -> Bool {
        guard j.allowFailure?.allowed != false else { return false }
        if j.rules.isEmpty { return j.when == .manual }
        let live = j.rules.filter { ($0.when ?? j.when) != .never }
        return !live.isEmpty && live.allSatisfy { ($0.when ?? j.when) == .manual }
    }

    /// Each job's needs as GitLab runs it: its `needs:` when written, otherwise every job of every
    /// earlier stage, reduced to the ones not already implied through others.
    mutating func stageNeeds() -> [String: [String]] {
        // Jobs are numbered by id (a repeated id shares its number; the last job with it wins, as
        // in a dictionary by id) and edges and ancestor sets are bit sets over those numbers.
        var slot: [String: Int] = [:]
        var names: [String] = []
        for j in p.jobs where slot[j.id] == nil {
            slot[j.id] = names.count
            names.append(j.id)
        }
        let words = (names.count + 63) / 64
        var direct = [[Int]](repeating: [], count: names.count)
        // Each job's stage position and whether later stages wait for it, once (not once per pair).
        let positions = p.jobs.map { stagePosition($0) }
        let optional = p.jobs.map { isOptionalManual($0) }
        for (k, j) in p.jobs.enumerated() {
            let me = slot[j.id]!
            if j.needsDeclared == true {
                var ns: [Int] = []
                for (i, n) in j.needs.enumerated() {
                    if n.project != nil { continue }
                    guard let target = slot[n.job] else {
                        let path = "\(j.id).needs[\(i)]"
                        if n.optional {
                            mark([path], at: n.pos, .translated, "", target: nil)
                        } else {
                            mark([path], at: n.pos, .needsReview,
                                 "needs `\(n.job)`, which is not in this file (an include ciport did not fetch?): dropped")
                        }
                        continue
                    }
                    if let id = ids[n.job] { ledger.setTarget("\(j.id).needs[\(i)]", "jobs.\(ids[j.id] ?? j.id).needs[\(id)]") }
                    if !ns.contains(target) { ns.append(target) }
                }
                direct[me] = ns
            } else {
                let mine = positions[k]
                var ns: [Int] = []
                for i in p.jobs.indices where positions[i] < mine && !optional[i] { ns.append(slot[p.jobs[i].id]!) }
                direct[me] = ns
            }
        }
        // Transitive reduction of the stage-derived edges, so that `needs:` lists only what a reader expects.
        var ancestors = [[UInt64]?](repeating: nil, count: names.count)
        func has(_ set: [UInt64], _ i: Int) -> Bool { set[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        func anc(_ id: Int, _ visiting: [UInt64]) -> [UInt64] {
            if let a = ancestors[id] { return a }
            if has(visiting, id) { return [UInt64](repeating: 0, count: words) }
            var s = [UInt64](repeating: 0, count: words)
            var inner = visiting
            inner[id >> 6] |= 1 << UInt64(id & 63)
            for n in direct[id] {
                s[n >> 6] |= 1 << UInt64(n & 63)
                let a = anc(n, inner)
                for w in 0..<words { s[w] |= a[w] }
            }
            ancestors[id] = s
            return s
        }
        let none = [UInt64](repeating: 0, count: words)
        var out: [String: [String]] = [:]
        for j in p.jobs {
            let ns = direct[slot[j.id]!]
            if j.needsDeclared == true {
                out[j.id] = ns.map { names[$0] }
                continue
            }
            out[j.id] = ns.filter { n in !ns.contains { other in other != n && has(anc(other, none), n) } }.map { names[$0] }
        }
        return out
    }

    /// Jobs whose artifacts a job downloads, in GitLab's rules: `dependencies:` when written, else its
    /// `needs:` (those with `artifacts` not false), else every job of every earlier stage.
    func artifactSources(_ j: Job) -> [Job] {
        func hasArtifacts(_ x: Job) -> Bool { x.artifacts.map { !$0.paths.isEmpty } ?? false }
        if let deps = j.dependencies {
            return p.jobs.filter { hasArtifacts($0) && deps.contains($0.id) }
        }
        if j.needsDeclared == true {
            let names = j.needs.filter { $0.artifacts != false && $0.project == nil }.map(\.job)
            return p.jobs.filter { hasArtifacts($0) && names.contains($0.id) }
        }
        let mine = stagePosition(j)
        return p.jobs.filter { hasArtifacts($0) && stagePosition($0) < mine }
    }

    /// A job's stage's position in `stageList()`.
    func stagePosition(_ j: Job) -> Int { stageIndexes[j.stage ?? "test"] ?? stageCount - 1 }

    // MARK: rules → if

    /// The job's rules (or `when:`) as a GitHub `if:`, GitLab's first-match semantics kept:
    /// a `when: never` rule guards the ones after it.
    mutating func condition(_ j: Job) -> JobCondition {
        var c = rulesCondition(j.rules, jobWhen: j.when, startIn: j.startIn, path: j.id, pos: j.pos, job: j)
        if !p.workflowRules.isEmpty {
            let wf = rulesCondition(p.workflowRules, jobWhen: nil, startIn: nil, path: "workflow", pos: p.pos, job: nil)
            if let w = wf.expression {
                c.expression = c.expression.map { "(\(w)) && (\($0))" } ?? w
                c.comments.append("ciport: includes the GitLab `workflow:rules` that are not event filters")
            }
        }
        return c
    }

    private mutating func rulesCondition(_ rules: [Rule], jobWhen: When?, startIn: String?, path: String,
                                         pos: SourcePos, job: Job?) -> JobCondition {
        var c = JobCondition()
        if rules.isEmpty {
            switch jobWhen ?? .onSuccess {
            case .onSuccess: break
            case .always: c.expression = "always()"; c.hasStatus = true
            case .onFailure: c.expression = "failure()"; c.hasStatus = true
            case .manual: c.manual = true
            case .delayed: c.delayed = startIn ?? ""
            case .never: c.expression = "false"
            }
            return c
        }
        let rulesPath = rules.first.map { _ in "\(path).rules" } ?? path
        let basePath = ledger.contains("\(path).only") || ledger.contains("\(path).except") ? nil : rulesPath
        var guards: [String] = []
        var terms: [(parts: [String], status: String?)] = []
        var notes: [String] = []
        var worst = Fidelity.translated
        // A rule whose condition has no GitHub form is never written raw (GitHub rejects the whole
        // workflow over one bad `if:`). It takes the safe reading instead: a rule that lets the job
        // run is taken as never matching (the job does not run where GitLab might have), a
        // `when: never` rule as always matching (nothing after it runs). `A || B` is split first, so
        // that only the alternative without a GitHub form is lost.
        var expanded: [(index: Int, rule: Rule, expr: RuleExpression?)] = []
        for (i, r) in rules.enumerated() {
            guard let cond = r.condition else { expanded.append((i, r, nil)); continue }
            let whole = ruleExpression(cond, job: job)
            if whole.expression == nil, let alts = GitHubWriting.alternatives(cond) {
                for a in alts {
                    var sub = r
                    sub.condition = a
                    expanded.append((i, sub, ruleExpression(a, job: job)))
                }
            } else {
                expanded.append((i, r, whole))
            }
        }
        for (i, r, res) in expanded {
            let rp = basePath.map { "\($0)[\(i)]" }
            let when = r.when ?? jobWhen ?? .onSuccess
            var expr: String?
            if let cond = r.condition, let res {
                expr = res.expression
                if res.fidelity > .translated {
                    worst = max(worst, res.fidelity)
                    notes += res.notes.map { "`\(cond)`: \($0)" }
                }
                if expr == nil {
                    if let rp { ledger.setTarget(rp, "if") }
                    if when == .never {
                        notes.append("`\(cond)` (when: never) has no GitHub form: taken as always matching, so no later rule runs the job; write the condition by hand")
                        break
                    }
                    notes.append("`\(cond)` has no GitHub form: taken as never matching, so this rule does not run the job; write the condition by hand")
                    continue
                }
            }
            if !r.changes.isEmpty {
                worst = max(worst, .approximated)
                notes.append("`changes:` not checked: the job runs as if \(r.changes.prefix(3).joined(separator: ", ")) changed (filter with on.push.paths or dorny/paths-filter)")
            }
            if !r.exists.isEmpty {
                worst = max(worst, .approximated)
                notes.append("`exists:` not checked: GitHub cannot look at files before the job starts (test with hashFiles() in a step)")
            }
            if !r.variables.isEmpty {
                worst = max(worst, .needsReview)
                notes.append("`rules:variables` (\(r.variables.map(\.key).joined(separator: ", "))) are not set")
            }
            if r.needs != nil {
                worst = max(worst, .approximated)
                notes.append("`rules:needs` not applied: the job keeps its own needs")
            }
            if let rp { ledger.setTarget(rp, "if") }
            let wrapped = expr.map { GitHubWriting.parenthesized($0) }
            if when == .never {
                guard let w = wrapped else { break }  // matches always: nothing after it can run
                guards.append("!\(w)")
                continue
            }
            var status: String?
            switch when {
            case .always: status = "always()"
            case .onFailure: status = "failure()"
            case .manual: c.manual = true
            case .delayed: c.delayed = r.startIn ?? startIn ?? ""
            default: break
            }
            if r.allowFailure == true { c.allowFailure = true }
            terms.append((guards + (wrapped.map { [$0] } ?? []), status))
            if expr == nil { break }
        }
        if worst > .translated {
            let note = notes.joined(separator: "; ")
            if let cm = mark([rulesPath, "\(path).only", "\(path).except"], at: pos, worst, note) { c.comments.append(cm) }
        } else if basePath == nil {
            for k in ["\(path).only", "\(path).except"] where ledger.contains(k) { ledger.setTarget(k, "if") }
        }
        if terms.isEmpty {
            c.expression = "false"
            c.comments.append("ciport: no rule lets this job run")
            return c
        }
        let anyStatus = terms.contains { $0.status != nil }
        if !anyStatus, terms.contains(where: { $0.parts.isEmpty }) { return c }
        var rendered: [String] = []
        for t in terms {
            // A lone operand needs no parentheses of its own.
            let parts = t.parts.count == 1 ? [GitHubWriting.unparenthesized(t.parts[0])] : t.parts
            let body = parts.joined(separator: " && ")
            if let s = t.status {
                rendered.append(body.isEmpty ? s : "\(s) && \(body)")
            } else {
                rendered.append(anyStatus ? (body.isEmpty ? "success()" : "success() && \(body)") : body)
            }
        }
        c.hasStatus = anyStatus
        c.expression = rendered.count == 1 ? rendered[0] : rendered.map { "(\($0))" }.joined(separator: " || ")
        return c
    }

    /// `(x)` as `x` when the parentheses wrap the whole text.
    static func unparenthesized(_ x: String) -> String {
        guard x.hasPrefix("("), x.hasSuffix(")") else { return x }
        var depth = 0
        let last = x.count - 1
        for (i, ch) in x.enumerated() {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if depth == 0, i < last { return x }
        }
        return String(x.dropFirst().dropLast())
    }

    /// `x` as an operand: parenthesized unless it is one simple term.
    static func parenthesized(_ x: String) -> String {
        let t = GitHubWriting.trimmingWhitespace(x)
        if GitHubWriting.includes(t, "&&") || GitHubWriting.includes(t, "||") || GitHubWriting.includes(t, " ") && !t.hasPrefix("(") {
            return "(\(t))"
        }
        return t
    }
}
