import Foundation

/// Pipeline facts: one yardstick for "do these two pipelines do the same thing?", shared by the
/// round-trip tests, `dataset validate` and `eval`.
///
/// A pipeline becomes a set of normalized facts that a person would recognise. The kinds are few:
///
/// | kind        | example                                   | from                                             |
/// |-------------|-------------------------------------------|--------------------------------------------------|
/// | `trigger`   | `trigger(push, branch=main)`              | `on:` / `workflow:rules` / `only`                |
/// | `job`       | `job(test)`                               | each job                                         |
/// | `runs`      | `runs(test, "npm ci")`                    | each command line (`npm ci#2` for a repeat)      |
/// | `then`      | `then(test, "npm ci", "npm test")`        | two commands in a row: the order within a job    |
/// | `needs`     | `needs(deploy, test)`                     | `needs:`, and GitLab's stage order when absent   |
/// | `image`     | `image(test, node:20)`                    | `container:`/`image:`, setup-* actions           |
/// | `service`   | `service(test, postgres:16)`              | `services:`                                      |
/// | `var`       | `var(test, NODE_ENV, production)`         | `env:`/`variables:` (workflow scope is `*`)      |
/// | `matrix`    | `matrix(test, "node_version=18,os=linux")`| each combination a matrix expands to             |
/// | `cache`     | `cache(test, node_modules)`               | `cache:` / actions/cache                         |
/// | `artifact`  | `artifact(build, dist/)`                  | `artifacts:` / upload-artifact                   |
/// | `when`      | `when(deploy, manual)`                    | `when:`, status functions in `if:`               |
/// | `if`        | `if(deploy)`                              | a job that runs only under a condition           |
/// | `env`       | `env(deploy, production)`                 | `environment:`                                   |
///
/// Platform plumbing with no meaning on the other side is normalized away: checkout steps,
/// `stages:` ordering already implied by `needs`, the spelling of predefined variables
/// (`${{ github.sha }}` and `$CI_COMMIT_SHA` are the same value), matrix variable spelling.
/// Job names are matched by best assignment, not by spelling. Commands are compared as a set plus
/// their adjacent pairs, so a line inserted by one platform's plumbing costs one pair, not the
/// position of every later line; a matrix is compared by the combinations it runs, however written
/// (axes, `include:` rows, GitLab's list of matrices).
public struct Fact: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case trigger, job, runs, then, needs, image, service, `var`, matrix, cache, artifact, when, `if`, env
    }

    public var kind: Kind
    /// The job a fact belongs to (nil for workflow-level facts).
    public var job: String?
    /// Everything else, already normalized.
    public var args: [String]

    public init(_ kind: Kind, job: String? = nil, _ args: [String] = []) {
        self.kind = kind
        self.job = job
        self.args = args
    }

    public var description: String {
        var parts: [String] = []
        if let job { parts.append(job) }
        for a in args { parts.append(a.contains(" ") || a.contains(",") ? "\"\(a)\"" : a) }
        return "\(kind.rawValue)(\(parts.joined(separator: ", ")))"
    }

    public static func < (a: Fact, b: Fact) -> Bool { a.description < b.description }

    func renamingJob(_ map: [String: String]) -> Fact {
        var f = self
        if let j = job { f.job = map[j] ?? j }
        if kind == .needs, let other = args.first { f.args[0] = map[other] ?? other }
        return f
    }
}

/// Precision, recall and F1 of one pipeline's facts against a reference's.
public struct FactScore: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var matched: Int
    /// Reference facts the candidate lacks.
    public var missing: [Fact]
    /// Candidate facts the reference lacks.
    public var extra: [Fact]
    /// Candidate job name → reference job name.
    public var jobMap: [String: String]
}

public enum Facts {
    /// The facts of a pipeline.
    public static func extract(_ p: Pipeline, catalog: ActionCatalog = .bundled) -> Set<Fact> {
        var facts = Set<Fact>()
        let d = p.dialect
        // Matrix values are read as `${{ matrix.node-version }}` on GitHub and `$NODE_VERSION` on
        // GitLab (and in what the catalog writes for GitHub actions): both spellings are axes.
        let axisNames = p.jobs.flatMap { j in (j.matrix?.axes.map(\.name) ?? []) + (j.matrix?.include.flatMap { $0.map(\.key) } ?? []) }
        let axesAll = Set(axisNames + axisNames.map { Expressions.variableName(forMatrixAxis: $0) })
        func norm(_ s: String) -> String { normalize(Expressions.neutral(s, dialect: d, matrixAxes: axesAll)) }

        for t in p.triggers {
            let event = t.event == .other ? t.rawEvent : t.event.rawValue
            var filters: [String] = []
            filters += t.branches.map { "branch=\($0)" }
            filters += t.tags.map { "tag=\($0)" }
            filters += t.paths.map { "path=\($0)" }
            if let c = t.cron { filters.append("cron=\(normalize(c))") }
            if filters.isEmpty { facts.insert(Fact(.trigger, [event])) }
            for f in filters { facts.insert(Fact(.trigger, [event, f])) }
        }
        for v in p.variables { facts.insert(Fact(.var, job: "*", [v.key.uppercased(), norm(v.value)])) }

        let stageOrder = effectiveStages(p)
        for job in p.jobs {
            let j = job.id
            facts.insert(Fact(.job, job: j))
            // Commands, with action steps replaced by what they mean.
            var lines: [String] = []
            var images: [String] = []
            var caches: [Cache] = job.caches.isEmpty ? p.defaults.caches : job.caches
            var artifactPaths: [String] = (job.artifacts ?? p.defaults.artifacts)?.paths ?? []
            let before = job.steps.contains { $0.phase == .before } ? [] : p.defaults.beforeSteps
            let after = job.steps.contains { $0.phase == .after } ? [] : p.defaults.afterSteps
            for step in before + job.steps + after {
                switch step.action {
                case .run(let script):
                    lines += commandLines(script)
                case .uses(let ref):
                    if let t = catalog.translate(step, dialect: d) {
                        if t.implicit { continue }
                        if let img = t.image { images.append(img) }
                        caches += t.caches
                        if let a = t.artifacts { artifactPaths += a.paths }
                        for s in t.script { lines += commandLines(s) }
                    } else {
                        lines.append("uses " + normalizeActionRef(ref))
                    }
                }
            }
            var seen: [String: Int] = [:]
            var previous: String?
            for line in lines {
                let n = norm(line)
                seen[n, default: 0] += 1
                let key = seen[n]! > 1 ? "\(n)#\(seen[n]!)" : n
                facts.insert(Fact(.runs, job: j, [key]))
                if let previous { facts.insert(Fact(.then, job: j, [previous, key])) }
                previous = key
            }
            if let img = job.image ?? p.defaults.image { images.insert(img.name, at: 0) }
            if let img = images.first { facts.insert(Fact(.image, job: j, [norm(img)])) }
            for s in job.services.isEmpty ? p.defaults.services : job.services {
                facts.insert(Fact(.service, job: j, [norm(s.image)]))
            }
            for v in job.variables { facts.insert(Fact(.var, job: j, [v.key.uppercased(), norm(v.value)])) }
            if let m = job.matrix {
                for combo in combinations(m) {
                    let row = combo.sorted { $0.key < $1.key }.map { "\(axisName($0.key))=\(norm($0.value))" }
                    facts.insert(Fact(.matrix, job: j, [row.joined(separator: ",")]))
                }
                if let e = m.expression { facts.insert(Fact(.matrix, job: j, ["expr=" + norm(e)])) }
                if let n = m.parallelCount { facts.insert(Fact(.matrix, job: j, ["parallel", String(n)])) }
            }
            for c in caches {
                for path in c.paths { facts.insert(Fact(.cache, job: j, [normalizePath(path)])) }
            }
            for path in artifactPaths { facts.insert(Fact(.artifact, job: j, [normalizePath(path)])) }
            // Needs: explicit, or GitLab's stage order.
            if !job.needs.isEmpty || p.dialect == .github || job.stage == nil && stageOrder.isEmpty {
                for n in job.needs where n.project == nil { facts.insert(Fact(.needs, job: j, [n.job])) }
            } else {
                let mine = stageIndex(job, stageOrder)
                if let prev = stageOrder[..<mine].last(where: { s in p.jobs.contains { stageName($0) == s } }) {
                    for other in p.jobs where stageName(other) == prev { facts.insert(Fact(.needs, job: j, [other.id])) }
                }
            }
            if let w = job.when, w != .onSuccess { facts.insert(Fact(.when, job: j, [w.rawValue])) }
            if job.condition != nil || job.rules.contains(where: { $0.condition != nil || !$0.changes.isEmpty }) {
                facts.insert(Fact(.if, job: j))
            }
            if let e = job.environment { facts.insert(Fact(.env, job: j, [norm(e.name)])) }
        }
        return facts
    }

    /// Scores `candidate` against `reference`, matching job names by best assignment.
    public static func score(_ candidate: Set<Fact>, against reference: Set<Fact>) -> FactScore {
        let map = matchJobs(candidate, reference)
        let renamed = map.allSatisfy({ $0.key == $0.value }) ? candidate : Set(candidate.map { $0.renamingJob(map) })
        let common = renamed.intersection(reference)
        let p = renamed.isEmpty ? (reference.isEmpty ? 1 : 0) : Double(common.count) / Double(renamed.count)
        let r = reference.isEmpty ? (renamed.isEmpty ? 1 : 0) : Double(common.count) / Double(reference.count)
        let f1 = p + r == 0 ? 0 : 2 * p * r / (p + r)
        return FactScore(precision: p, recall: r, f1: f1, matched: common.count,
                         missing: sortedByDescription(reference.subtracting(renamed)),
                         extra: sortedByDescription(renamed.subtracting(reference)),
                         jobMap: map)
    }

    /// Facts in `Fact.<` order, describing each fact once (not once per comparison).
    static func sortedByDescription(_ facts: Set<Fact>) -> [Fact] {
        facts.map { ($0.description, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Pairs candidate jobs with reference jobs, most shared job-local facts first.
    ///
    /// Job-local facts (the fact without its job; a `needs` edge without its target) are interned
    /// as integers once, so each of the jobs × jobs Jaccard similarities is a merge of two sorted
    /// integer lists rather than two set operations that hash every fact again.
    static func matchJobs(_ a: Set<Fact>, _ b: Set<Fact>) -> [String: String] {
        var ids: [Fact: Int32] = [:]
        func local(_ s: Set<Fact>) -> [(job: String, key: String, facts: [Int32])] {
            var out: [String: [Int32]] = [:]
            for f in s {
                guard let j = f.job, j != "*" else { continue }
                var g = f
                g.job = nil
                if g.kind == .needs { g.args = [] }
                let id: Int32
                if let known = ids[g] { id = known } else {
                    id = Int32(ids.count)
                    ids[g] = id
                }
                out[j, default: []].append(id)
            }
            return out.map { job, list in
                var sorted = list.sorted()
                var w = 0
                for x in sorted where w == 0 || sorted[w - 1] != x {
                    sorted[w] = x
                    w += 1
                }
                sorted.removeLast(sorted.count - w)
                return (job, normalizeJobName(job), sorted)
            }
        }
        let la = local(a), lb = local(b)
        var pairs: [(score: Double, a: String, b: String)] = []
        pairs.reserveCapacity(la.count * lb.count)
        for ja in la {
            for jb in lb {
                var i = 0, k = 0, inter = 0
                let fa = ja.facts, fb = jb.facts
                while i < fa.count && k < fb.count {
                    if fa[i] == fb[k] { inter += 1; i += 1; k += 1 } else if fa[i] < fb[k] { i += 1 } else { k += 1 }
                }
                let union = fa.count + fb.count - inter
                var s = union == 0 ? 0 : Double(inter) / Double(union)
                if ja.job == jb.job { s += 0.5 } else if ja.key == jb.key { s += 0.4 }
                pairs.append((s, ja.job, jb.job))
            }
        }
        pairs.sort { ($0.score, $1.a, $1.b) > ($1.score, $0.a, $0.b) }
        var map: [String: String] = [:]
        var usedB = Set<String>()
        for p in pairs where p.score > 0 && map[p.a] == nil && !usedB.contains(p.b) {
            map[p.a] = p.b
            usedB.insert(p.b)
        }
        return map
    }

    /// The combinations a matrix runs: the product of its axes, less `exclude` rows, with `include`
    /// rows merged into the combinations they extend or added as their own (GitHub's rules).
    static func combinations(_ m: Matrix) -> [[String: String]] {
        let cap = 4096
        var combos: [[String: String]] = m.axes.isEmpty ? [] : [[:]]
        for axis in m.axes {
            var next: [[String: String]] = []
            for c in combos {
                for v in axis.values where next.count < cap {
                    var d = c
                    d[axis.name] = v
                    next.append(d)
                }
            }
            combos = next
        }
        func matches(_ combo: [String: String], _ row: [KeyValue]) -> Bool {
            row.allSatisfy { combo[$0.key] == nil || combo[$0.key] == $0.value }
        }
        combos.removeAll { c in m.exclude.contains { row in row.allSatisfy { c[$0.key] == $0.value } } }
        let axisNames = Set(m.axes.map(\.name))
        for row in m.include {
            let onAxes = row.filter { axisNames.contains($0.key) }
            var extended = false
            if !onAxes.isEmpty || axisNames.isEmpty {
                for i in combos.indices where matches(combos[i], onAxes) && !onAxes.isEmpty {
                    // Extra keys extend the matching combinations without overwriting axis values.
                    let extra = row.filter { !axisNames.contains($0.key) }
                    if extra.allSatisfy({ combos[i][$0.key] == nil || combos[i][$0.key] == $0.value }) {
                        for kv in extra { combos[i][kv.key] = kv.value }
                        extended = true
                    }
                }
            }
            if !extended { combos.append(Dictionary(row.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })) }
        }
        return combos
    }

    // MARK: - Normalization

    /// Non-empty, non-comment lines of a script, whitespace collapsed; shell continuation lines
    /// (ending in `\`) joined into one command. Works on UTF-8 bytes: it runs for every line of
    /// every file that is scored.
    static func commandLines(_ script: String) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        for raw in script.utf8.split(separator: 0x0A, omittingEmptySubsequences: true) {
            var line = raw[...]
            while let f = line.first, isBlank(f) { line = line.dropFirst() }
            while let l = line.last, isBlank(l) { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            if line.last == UInt8(ascii: "\\") {
                line = line.dropLast()
                while let l = line.last, isBlank(l) { line = line.dropLast() }
                pending.append(contentsOf: line)
                pending.append(0x20)
                continue
            }
            if pending.isEmpty {
                out.append(normalize(bytes: line))
            } else {
                pending.append(contentsOf: line)
                out.append(normalize(bytes: pending))
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { out.append(normalize(bytes: pending)) }
        return out
    }

    /// Runs of spaces, tabs and line breaks collapsed to one space, none at either end.
    static func normalize(_ s: String) -> String { normalize(bytes: s.utf8) }

    static func normalize<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var space = false
        for b in bytes {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                space = !out.isEmpty
            } else {
                if space { out.append(0x20); space = false }
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func normalizePath(_ p: String) -> String {
        var s = normalize(p)
        if s.hasPrefix("./") { s.removeFirst(2) }
        if s.count > 1, s.hasSuffix("/") { s.removeLast() }
        return s
    }

    static func normalizeActionRef(_ ref: String) -> String {
        String(ref.split(separator: "@", maxSplits: 1).first ?? Substring(ref)).lowercased()
    }

    static func axisName(_ s: String) -> String {
        String(s.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    static func normalizeJobName(_ s: String) -> String {
        String(s.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static func stageName(_ job: Job) -> String { job.stage ?? "test" }

    static func effectiveStages(_ p: Pipeline) -> [String] {
        guard p.dialect == .gitlab else { return [] }
        let declared = p.stages.isEmpty ? ["build", "test", "deploy"] : p.stages
        return [".pre"] + declared.filter { $0 != ".pre" && $0 != ".post" } + [".post"]
    }

    static func stageIndex(_ job: Job, _ order: [String]) -> Int {
        order.firstIndex(of: stageName(job)) ?? order.count
    }
}
