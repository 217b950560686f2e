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

        var ordinal: UInt8 {
            switch self {
            case .trigger: 0
            case .job: 1
            case .runs: 2
            case .then: 3
            case .needs: 4
            case .image: 5
            case .service: 6
            case .var: 7
            case .matrix: 8
            case .cache: 9
            case .artifact: 10
            case .when: 11
            case .if: 12
            case .env: 13
            }
        }
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
        // `kind(job, arg, "arg with spaces")`, written in one string (was a list of parts joined).
        var s = kind.rawValue
        s += "("
        var first = true
        if let job {
            s += job
            first = false
        }
        for a in args {
            if !first { s += ", " }
            first = false
            if a.contains(" ") || a.contains(",") {
                s += "\""
                s += a
                s += "\""
            } else {
                s += a
            }
        }
        s += ")"
        return s
    }

    public static func < (a: Fact, b: Fact) -> Bool { a.description < b.description }

    /// The synthesized hash, less hashing the kind's raw-value string: the kind goes in as its
    /// case number. Facts are hashed several times each in `extract` and `score`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind.ordinal)
        hasher.combine(job)
        hasher.combine(args)
    }

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
        // Collected in a list and made a set once at its final size: inserting one by one rehashed
        // every fact each time the set grew.
        Set(factList(p, catalog: catalog))
    }

    /// The facts of a pipeline as `extract` collects them before making them a set: in the order
    /// found, a fact possibly more than once. `dataset validate` compares two such lists without
    /// hashing them when they are the same (`sameSet`).
    package static func factList(_ p: Pipeline, catalog: ActionCatalog = .bundled) -> [Fact] {
        var facts: [Fact] = []
        // Room for a typical job's facts (growing from empty copied the list six or seven times).
        facts.reserveCapacity(8 + 16 * p.jobs.count)
        let d = p.dialect
        // Matrix values are read as `${{ matrix.node-version }}` on GitHub and `$NODE_VERSION` on
        // GitLab (and in what the catalog writes for GitHub actions): both spellings are axes.
        // A constant: `norm` captures it, and a captured variable is checked for exclusive access
        // at run time on each read.
        let axesAll: Set<String>
        if p.jobs.contains(where: { $0.matrix != nil }) {
            let axisNames = p.jobs.flatMap { j in (j.matrix?.axes.map(\.name) ?? []) + (j.matrix?.include.flatMap { $0.map(\.key) } ?? []) }
            axesAll = Set(axisNames + axisNames.map { Expressions.variableName(forMatrixAxis: $0) })
        } else {
            axesAll = []
        }
        func norm(_ s: String) -> String {
            // Text without a `$` has nothing to make neutral: the neutral form only collapses its
            // whitespace, as `normalize` does.
            if !mayHaveDollar(s) { return normalize(s) }
            return normalize(Expressions.neutral(s, dialect: d, matrixAxes: axesAll))
        }

        for t in p.triggers {
            let event = t.event == .other ? t.rawEvent : t.event.rawValue
            var filters: [String] = []
            filters += t.branches.map { "branch=\($0)" }
            filters += t.tags.map { "tag=\($0)" }
            filters += t.paths.map { "path=\($0)" }
            if let c = t.cron { filters.append("cron=\(normalize(c))") }
            if filters.isEmpty { facts.append(Fact(.trigger, [event])) }
            for f in filters { facts.append(Fact(.trigger, [event, f])) }
        }
        for v in p.variables { facts.append(Fact(.var, job: "*", [v.key.uppercased(), norm(v.value)])) }

        let stageOrder = effectiveStages(p)
        // Jobs are read in place (iterating the array copied each job, a few dozen fields), and
        // their stage names once for the stage-order rule, which asks for them per job.
        p.jobs.withUnsafeBufferPointer { jobs in
            var stageNames: [String]?  // read when the first job needs them (GitLab's stage order)
            // Commands, with action steps replaced by what they mean, and images: emptied for each
            // job, their buffers kept (a job's own lists were allocated and grown every time).
            var lines: [String] = []
            var images: [String] = []
            var seenList: [(line: String, count: Int)] = []
            for k in jobs.indices {
                let job = jobs.baseAddress! + k
                let j = job.pointee.id
                facts.append(Fact(.job, job: j))
                lines.removeAll(keepingCapacity: true)
                images.removeAll(keepingCapacity: true)
                var caches: [Cache] = job.pointee.caches.isEmpty ? p.defaults.caches : job.pointee.caches
                var artifactPaths: [String] = (job.pointee.artifacts ?? p.defaults.artifacts)?.paths ?? []
                let before = hasPhase(job.pointee.steps, .before) ? [] : p.defaults.beforeSteps
                let after = hasPhase(job.pointee.steps, .after) ? [] : p.defaults.afterSteps
                // The three lists in turn, each step read in place: concatenating them and iterating
                // copied every step (a dozen fields) three times.
                if !before.isEmpty {
                    readSteps(before, catalog, d, lines: &lines, images: &images, caches: &caches, artifactPaths: &artifactPaths)
                }
                readSteps(job.pointee.steps, catalog, d, lines: &lines, images: &images, caches: &caches, artifactPaths: &artifactPaths)
                if !after.isEmpty {
                    readSteps(after, catalog, d, lines: &lines, images: &images, caches: &caches, artifactPaths: &artifactPaths)
                }
                // Repeated lines counted in a list searched in turn while a job has few lines (a
                // dictionary hashed every line), in a dictionary beyond.
                var seen: [String: Int] = [:]
                seenList.removeAll(keepingCapacity: true)
                let useList = lines.count <= 32
                if useList { seenList.reserveCapacity(lines.count) } else { seen.reserveCapacity(lines.count) }
                var previous: String?
                for line in lines {
                    let n = norm(line)
                    let count: Int
                    if useList {
                        if let k = seenList.firstIndex(where: { $0.line == n }) {
                            count = Self.increment(&seenList[k].count)
                        } else {
                            seenList.append((n, 1))
                            count = 1
                        }
                    } else {
                        count = Self.increment(&seen[n, default: 0])
                    }
                    let key = count > 1 ? "\(n)#\(count)" : n
                    facts.append(Fact(.runs, job: j, [key]))
                    if let previous { facts.append(Fact(.then, job: j, [previous, key])) }
                    previous = key
                }
                if let img = job.pointee.image ?? p.defaults.image { images.insert(img.name, at: 0) }
                if let img = images.first { facts.append(Fact(.image, job: j, [norm(img)])) }
                for s in job.pointee.services.isEmpty ? p.defaults.services : job.pointee.services {
                    facts.append(Fact(.service, job: j, [norm(s.image)]))
                }
                for v in job.pointee.variables { facts.append(Fact(.var, job: j, [v.key.uppercased(), norm(v.value)])) }
                if let m = job.pointee.matrix {
                    for combo in combinations(m) {
                        let row = combo.sorted { $0.key < $1.key }.map { "\(axisName($0.key))=\(norm($0.value))" }
                        facts.append(Fact(.matrix, job: j, [row.joined(separator: ",")]))
                    }
                    if let e = m.expression { facts.append(Fact(.matrix, job: j, ["expr=" + norm(e)])) }
                    if let n = m.parallelCount { facts.append(Fact(.matrix, job: j, ["parallel", String(n)])) }
                }
                for c in caches {
                    for path in c.paths { facts.append(Fact(.cache, job: j, [normalizePath(path)])) }
                }
                for path in artifactPaths { facts.append(Fact(.artifact, job: j, [normalizePath(path)])) }
                // Needs: explicit, or GitLab's stage order.
                if !job.pointee.needs.isEmpty || p.dialect == .github || job.pointee.stage == nil && stageOrder.isEmpty {
                    for n in job.pointee.needs where n.project == nil { facts.append(Fact(.needs, job: j, [n.job])) }
                } else {
                    let mine = stageIndex(job.pointee, stageOrder)
                    if stageNames == nil { stageNames = jobs.indices.map { stageName(jobs[$0]) } }
                    let names = stageNames!
                    if let prev = stageOrder[..<mine].last(where: { s in names.contains(s) }) {
                        for (o, name) in names.enumerated() where name == prev { facts.append(Fact(.needs, job: j, [jobs[o].id])) }
                    }
                }
                if let w = job.pointee.when, w != .onSuccess { facts.append(Fact(.when, job: j, [w.rawValue])) }
                if job.pointee.condition != nil || job.pointee.rules.contains(where: { $0.condition != nil || !$0.changes.isEmpty }) {
                    facts.append(Fact(.if, job: j))
                }
                if let e = job.pointee.environment { facts.append(Fact(.env, job: j, [norm(e.name)])) }
            }
        }
        return facts
    }

    /// F1 and missing facts of `score(Set(candidate), against: Set(reference))`, for fact lists
    /// (`factList`). Lists that `sameSet` finds alike score F1 1 with nothing missing, as `score`
    /// does for equal sets (1 also when both are empty), without building either set. The missing
    /// facts come unsorted: `sortedByDescription` puts them in `score`'s order when shown.
    package static func f1AndMissing(_ candidate: [Fact], against reference: [Fact]) -> (f1: Double, missing: [Fact]) {
        if sameSet(candidate, reference) { return (1, []) }
        let s = score(Set(candidate), against: Set(reference), sortLists: false)
        return (s.f1, s.missing)
    }

    /// True when the lists certainly hold the same facts (as sets: order and repeats aside),
    /// found without hashing: after the longest common head and tail, each of the few facts left
    /// on one side is looked for in the whole other list. Every fact of `a` is then in `b` and
    /// the other way round. False when more are left (the caller compares sets; they may still be
    /// equal).
    static func sameSet(_ a: [Fact], _ b: [Fact]) -> Bool {
        var head = 0
        let n = min(a.count, b.count)
        while head < n && a[head] == b[head] { head += 1 }
        if head == a.count && head == b.count { return true }
        var endA = a.count, endB = b.count
        while endA > head && endB > head && a[endA - 1] == b[endB - 1] {
            endA -= 1
            endB -= 1
        }
        // Each fact left is compared with a whole list: a few reordered facts, not a shuffle.
        guard (endA - head) + (endB - head) <= 16 else { return false }
        for k in head..<endA where !b.contains(a[k]) { return false }
        for k in head..<endB where !a.contains(b[k]) { return false }
        return true
    }

    /// A job's step list read into its command lines, images, caches and artifact paths, each step
    /// in place. Its lists are `inout` (a local function capturing them had every append checked
    /// for exclusive access at run time, `swift_beginAccess`).
    static func readSteps(_ list: [Step], _ catalog: ActionCatalog, _ d: Platform, lines: inout [String], images: inout [String],
                          caches: inout [Cache], artifactPaths: inout [String]) {
        list.withUnsafeBufferPointer { steps in
            for k in steps.indices {
                let step = steps.baseAddress! + k
                switch step.pointee.action {
                case .run(let script):
                    commandLines(script, into: &lines)
                case .uses(let ref):
                    // Checkout steps are plumbing: known so without rendering them.
                    if catalog.isImplicit(step.pointee) { continue }
                    if let t = catalog.translate(step.pointee, dialect: d) {
                        if t.implicit { continue }
                        if let img = t.image { images.append(img) }
                        caches += t.caches
                        if let a = t.artifacts { artifactPaths += a.paths }
                        for s in t.script { commandLines(s, into: &lines) }
                    } else {
                        lines.append("uses " + normalizeActionRef(ref))
                    }
                }
            }
        }
    }

    /// Whether a step of the phase is in the list, without copying steps out of it.
    static func hasPhase(_ steps: [Step], _ phase: Step.Phase) -> Bool {
        steps.withUnsafeBufferPointer { buf in
            for k in buf.indices where buf[k].phase == phase { return true }
            return false
        }
    }

    /// Adds one in place (one dictionary lookup, not three) and says the new count.
    @inline(__always)
    static func increment(_ n: inout Int) -> Int {
        n += 1
        return n
    }

    /// Scores `candidate` against `reference`, matching job names by best assignment.
    public static func score(_ candidate: Set<Fact>, against reference: Set<Fact>) -> FactScore {
        score(candidate, against: reference, sortLists: true)
    }

    /// `score`, its missing and extra facts sorted by description only when `sortLists` (sorting
    /// them was half of scoring two real pairs whose facts differ, for a message that shows three).
    static func score(_ candidate: Set<Fact>, against reference: Set<Fact>, sortLists: Bool) -> FactScore {
        // The same facts (a translation that kept everything): each job's pair with its own name
        // scores 1.5, Jaccard 1 and the same-name bonus, above any other pair (at most 1.4), so
        // the assignment pairs every job with itself and nothing is missing or extra.
        if candidate == reference {
            let common = candidate.count
            let p = candidate.isEmpty ? (reference.isEmpty ? 1 : 0) : Double(common) / Double(candidate.count)
            let r = reference.isEmpty ? (candidate.isEmpty ? 1 : 0) : Double(common) / Double(reference.count)
            let f1 = p + r == 0 ? 0 : 2 * p * r / (p + r)
            return FactScore(precision: p, recall: r, f1: f1, matched: common, missing: [], extra: [],
                             jobMap: identityJobMap(candidate, reference))
        }
        let map = matchJobs(candidate, reference)
        let renamed = map.allSatisfy({ $0.key == $0.value }) ? candidate : Set(candidate.map { $0.renamingJob(map) })
        // One pass over the candidate finds the shared facts and the extra ones (an intersection
        // and a subtraction each hashed every fact again); the reference is walked for its
        // missing facts only when some are missing.
        var common = 0
        var extra: [Fact] = []
        for f in renamed {
            if reference.contains(f) { common += 1 } else { extra.append(f) }
        }
        var missing: [Fact] = []
        if common < reference.count {
            for f in reference where !renamed.contains(f) { missing.append(f) }
        }
        let p = renamed.isEmpty ? (reference.isEmpty ? 1 : 0) : Double(common) / Double(renamed.count)
        let r = reference.isEmpty ? (renamed.isEmpty ? 1 : 0) : Double(common) / Double(reference.count)
        let f1 = p + r == 0 ? 0 : 2 * p * r / (p + r)
        return FactScore(precision: p, recall: r, f1: f1, matched: common,
                         missing: sortLists ? sortedByDescription(missing) : missing,
                         extra: sortLists ? sortedByDescription(extra) : extra,
                         jobMap: map)
    }

    /// `matchJobs(a, b)` for equal sets: each job name, spelled as first met in `a`, mapped to the
    /// same name spelled as first met in `b` (names equal as strings may differ in their bytes).
    static func identityJobMap(_ a: Set<Fact>, _ b: Set<Fact>) -> [String: String] {
        func names(_ s: Set<Fact>) -> [String] {
            var out: [String] = []
            var seen: Set<String>?  // from the ninth name on
            for f in s {
                guard let j = f.job, j != "*" else { continue }
                if out.last == j { continue }
                if seen != nil {
                    if !seen!.insert(j).inserted { continue }
                } else {
                    if out.contains(j) { continue }
                    if out.count == 8 { seen = Set(out + [j]) }
                }
                out.append(j)
            }
            return out
        }
        let na = names(a), nb = names(b)
        var map: [String: String] = [:]
        map.reserveCapacity(na.count)
        var spelling: [String: String]?  // the reference's spelling of a name, when not found in step
        for (i, j) in na.enumerated() {
            if i < nb.count, nb[i] == j {
                map[j] = nb[i]
            } else {
                if spelling == nil { spelling = Dictionary(nb.map { ($0, $0) }, uniquingKeysWith: { first, _ in first }) }
                map[j] = spelling![j] ?? j
            }
        }
        return map
    }

    /// Facts in `Fact.<` order, describing each fact once (not once per comparison).
    package static func sortedByDescription(_ facts: some Sequence<Fact>) -> [Fact] {
        facts.map { ($0.description, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Pairs candidate jobs with reference jobs, most shared job-local facts first.
    ///
    /// Job-local facts (the fact without its job; a `needs` edge without its target) are interned
    /// as integers once, so each of the jobs × jobs Jaccard similarities is a merge of two sorted
    /// integer lists rather than two set operations that hash every fact again. A side's lists lie
    /// end to end in one array (job, number pairs sorted as one), not one array per job.
    static func matchJobs(_ a: Set<Fact>, _ b: Set<Fact>) -> [String: String] {
        var interner = FactInterner(capacity: a.count + b.count)
        var ids: [Fact: Int32] = [:]
        var useDictionary = false
        /// A side's jobs (distinct names, in the order met) and each job's sorted distinct fact
        /// numbers, `facts[starts[x]..<starts[x + 1]]` for job `x`.
        struct Side {
            var jobs: [String] = []
            var starts: [Int] = []
            var facts: [Int32] = []
        }
        /// Fact numbers come from the interner while every argument is ASCII, else from the
        /// dictionary (then nil: both sides are numbered again, alike).
        func local(_ s: Set<Fact>) -> Side? {
            // Facts grouped by job: a list searched by name while jobs are few (a dictionary
            // hashed the job name of every fact), a dictionary from the ninth job on.
            var jobs: [String] = []
            var slots: [String: Int]?
            func slot(_ j: String) -> Int {
                if let slots {
                    if let k = slots[j] { return k }
                } else if let k = jobs.firstIndex(of: j) {
                    return k
                }
                jobs.append(j)
                let k = jobs.count - 1
                if slots != nil {
                    slots![j] = k
                } else if jobs.count > 8 {
                    slots = Dictionary(uniqueKeysWithValues: jobs.enumerated().map { ($1, $0) })
                }
                return k
            }
            // Job position in the high half, fact number in the low: sorted, each job's numbers
            // follow one another in order.
            var pairs: [UInt64] = []
            pairs.reserveCapacity(s.count)
            for f in s {
                guard let j = f.job, j != "*" else { continue }
                let id: Int32
                if !useDictionary {
                    guard let known = interner.id(f.kind, f.kind == .needs ? [] : f.args) else { return nil }
                    id = known
                } else {
                    var g = f
                    g.job = nil
                    if g.kind == .needs { g.args = [] }
                    if let known = ids[g] { id = known } else {
                        id = Int32(ids.count)
                        ids[g] = id
                    }
                }
                pairs.append(UInt64(slot(j)) << 32 | UInt64(UInt32(id)))
            }
            pairs.sort()
            var side = Side()
            side.starts = [Int](repeating: 0, count: jobs.count + 1)
            side.facts.reserveCapacity(pairs.count)
            var last = UInt64.max
            for p in pairs where p != last {
                last = p
                side.facts.append(Int32(truncatingIfNeeded: p))
                side.starts[Int(p >> 32) + 1] += 1
            }
            for x in jobs.indices { side.starts[x + 1] += side.starts[x] }
            side.jobs = jobs
            return side
        }
        var la = local(a), lb = la == nil ? nil : local(b)
        if la == nil || lb == nil {
            useDictionary = true
            ids.reserveCapacity(a.count + b.count)
            la = local(a)
            lb = local(b)
        }
        guard let la, let lb else { return [:] }  // the dictionary numbers every fact
        // Pairs by job position: names are distinct on each side, so a job is taken by its position.
        // Pairs scoring 0 are never taken: they are not kept.
        let na = la.jobs.count, nb = lb.jobs.count
        var pairs: [(score: Double, a: Int32, b: Int32)] = []
        pairs.reserveCapacity(na * nb)
        la.facts.withUnsafeBufferPointer { fa in
            lb.facts.withUnsafeBufferPointer { fb in
                for x in 0..<na {
                    for y in 0..<nb {
                        var i = la.starts[x], k = lb.starts[y], inter = 0
                        let endA = la.starts[x + 1], endB = lb.starts[y + 1]
                        while i < endA && k < endB {
                            if fa[i] == fb[k] { inter += 1; i += 1; k += 1 } else if fa[i] < fb[k] { i += 1 } else { k += 1 }
                        }
                        let union = (endA - la.starts[x]) + (endB - lb.starts[y]) - inter
                        var s = union == 0 ? 0 : Double(inter) / Double(union)
                        if la.jobs[x] == lb.jobs[y] {
                            s += 0.5
                        } else if sameJobKey(la.jobs[x], lb.jobs[y]) {
                            s += 0.4
                        }
                        if s > 0 { pairs.append((s, Int32(x), Int32(y))) }
                    }
                }
            }
        }
        // Higher score first, then the lower candidate name, then the lower reference name (the
        // names compared only on a tie).
        if pairs.count > 1 {
            pairs.sort { l, r in
                if l.score != r.score { return l.score > r.score }
                if l.a != r.a { return la.jobs[Int(l.a)] < la.jobs[Int(r.a)] }
                return lb.jobs[Int(l.b)] < lb.jobs[Int(r.b)]
            }
        }
        var map: [String: String] = [:]
        var usedA = [Bool](repeating: false, count: na), usedB = [Bool](repeating: false, count: nb)
        for p in pairs where !usedA[Int(p.a)] && !usedB[Int(p.b)] {
            map[la.jobs[Int(p.a)]] = lb.jobs[Int(p.b)]
            usedA[Int(p.a)] = true
            usedB[Int(p.b)] = true
        }
        return map
    }

    /// `normalizeJobName(a) == normalizeJobName(b)`, for ASCII names without building either: their
    /// letters and digits, lower-cased, compared in turn. A non-ASCII byte met on the way (where
    /// names are compared by Characters) sends both names to `normalizeJobName`.
    static func sameJobKey(_ a: String, _ b: String) -> Bool {
        /// The next letter or digit from `i` on, lower-cased (0 at the end); nil at a non-ASCII byte.
        func next(_ s: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt8? {
            while i < s.count {
                let c = s[i]
                i += 1
                switch c {
                case 0x30...0x39, 0x61...0x7A: return c
                case 0x41...0x5A: return c + 0x20
                case 0x80...: return nil
                default: continue
                }
            }
            return 0
        }
        var fast: Bool?
        _ = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                var i = 0, k = 0
                while true {
                    guard let cx = next(x, &i), let cy = next(y, &k) else { return }
                    if cx != cy { fast = false; return }
                    if cx == 0 { fast = true; return }
                }
            }
        }
        if let fast { return fast }
        return normalizeJobName(a) == normalizeJobName(b)
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
        commandLines(script, into: &out)
        return out
    }

    /// `commandLines`, appended to `out`.
    static func commandLines(_ script: String, into out: inout [String]) {
        var script = script
        script.withUTF8 { commandLines(bytes: $0, into: &out) }
    }

    /// `commandLines` over the script's bytes, line by line in place (splitting built a list of
    /// the lines first).
    static func commandLines(bytes b: UnsafeBufferPointer<UInt8>, into out: inout [String]) {
        var pending: [UInt8] = []
        @inline(__always) func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
        let n = b.count
        var next = 0
        while next < n {
            var lo = next, hi = next
            while hi < n && b[hi] != 0x0A { hi += 1 }
            next = hi + 1
            while lo < hi, isBlank(b[lo]) { lo += 1 }
            while hi > lo, isBlank(b[hi - 1]) { hi -= 1 }
            if lo == hi || b[lo] == UInt8(ascii: "#") { continue }
            if b[hi - 1] == UInt8(ascii: "\\") {
                hi -= 1
                while hi > lo, isBlank(b[hi - 1]) { hi -= 1 }
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: b[lo..<hi]))
                pending.append(0x20)
                continue
            }
            if pending.isEmpty {
                out.append(normalize(bytes: UnsafeBufferPointer(rebasing: b[lo..<hi])))
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: b[lo..<hi]))
                out.append(normalize(bytes: pending))
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { out.append(normalize(bytes: pending)) }
    }

    /// Whether the text has a `$` byte (false means it certainly has none).
    static func mayHaveDollar(_ s: String) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { $0.contains(0x24) } ?? true
    }

    /// Runs of spaces, tabs and line breaks collapsed to one space, none at either end.
    static func normalize(_ s: String) -> String {
        // Most text is already normal: then the string itself, not a copy of its bytes.
        if let done = s.utf8.withContiguousStorageIfAvailable({ isNormal($0) ? s : normalize(bytes: $0) }) { return done }
        return normalize(bytes: s.utf8)
    }

    /// No tab or line break, no space at either end, no two spaces in a row.
    static func isNormal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var previousSpace = true
        for b in bytes {
            if b == 0x09 || b == 0x0A || b == 0x0D { return false }
            let space = b == 0x20
            if space && previousSpace { return false }
            previousSpace = space
        }
        return !previousSpace || bytes.isEmpty
    }

    static func normalize<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        // Written straight into the string's storage (repaired like `String(decoding:)`), not
        // through an intermediate byte array.
        String(unsafeUninitializedCapacity: bytes.count) { out in
            var n = 0
            var space = false
            for b in bytes {
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                    space = n > 0
                } else {
                    if space { out[n] = 0x20; n += 1; space = false }
                    out[n] = b
                    n += 1
                }
            }
            return n
        }
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
        // ASCII names (nearly all) byte by byte: the same letters and digits, lowercased.
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case 0x30...0x39, 0x61...0x7A: out.append(b)
            case 0x41...0x5A: out.append(b + 0x20)
            case 0x80...: return String(s.lowercased().filter { $0.isLetter || $0.isNumber })
            default: break
            }
        }
        return String(decoding: out, as: UTF8.self)
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
