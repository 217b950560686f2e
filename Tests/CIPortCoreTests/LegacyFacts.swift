import Foundation
@testable import CIPortCore

// The fact extraction and scoring as they were before the fast paths (commit 1a0cfd9), kept verbatim
// as the reference that `FactsDifferentialTests` compares `Facts` against.

func legacyDescription(_ f: Fact) -> String {
    var parts: [String] = []
    if let job = f.job { parts.append(job) }
    for a in f.args { parts.append(a.contains(" ") || a.contains(",") ? "\"\(a)\"" : a) }
    return "\(f.kind.rawValue)(\(parts.joined(separator: ", ")))"
}

func legacyRenaming(_ f: Fact, _ map: [String: String]) -> Fact {
    var f = f
    if let j = f.job { f.job = map[j] ?? j }
    if f.kind == .needs, let other = f.args.first { f.args[0] = map[other] ?? other }
    return f
}

enum LegacyFacts {
    /// The facts of a pipeline.
    static func extract(_ p: Pipeline, catalog: ActionCatalog = .bundled) -> Set<Fact> {
        // Collected in a list and made a set once at its final size: inserting one by one rehashed
        // every fact each time the set grew.
        var facts: [Fact] = []
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
            if filters.isEmpty { facts.append(Fact(.trigger, [event])) }
            for f in filters { facts.append(Fact(.trigger, [event, f])) }
        }
        for v in p.variables { facts.append(Fact(.var, job: "*", [v.key.uppercased(), norm(v.value)])) }

        let stageOrder = effectiveStages(p)
        // Jobs are read in place (iterating the array copied each job, a few dozen fields), and
        // their stage names once for the stage-order rule, which asks for them per job.
        p.jobs.withUnsafeBufferPointer { jobs in
            let stageNames = jobs.indices.map { stageName(jobs[$0]) }
            for k in jobs.indices {
                let job = jobs.baseAddress! + k
                let j = job.pointee.id
                facts.append(Fact(.job, job: j))
                // Commands, with action steps replaced by what they mean.
                var lines: [String] = []
                var images: [String] = []
                var caches: [Cache] = job.pointee.caches.isEmpty ? p.defaults.caches : job.pointee.caches
                var artifactPaths: [String] = (job.pointee.artifacts ?? p.defaults.artifacts)?.paths ?? []
                let before = hasPhase(job.pointee.steps, .before) ? [] : p.defaults.beforeSteps
                let after = hasPhase(job.pointee.steps, .after) ? [] : p.defaults.afterSteps
                // The three lists in turn, each step read in place: concatenating them and iterating
                // copied every step (a dozen fields) three times.
                for list in [before, job.pointee.steps, after] {
                    list.withUnsafeBufferPointer { steps in
                        for k in steps.indices {
                            let step = steps.baseAddress! + k
                            switch step.pointee.action {
                            case .run(let script):
                                lines += commandLines(script)
                            case .uses(let ref):
                                if let t = catalog.translate(step.pointee, dialect: d) {
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
                    }
                }
                var seen: [String: Int] = [:]
                seen.reserveCapacity(lines.count)
                var previous: String?
                for line in lines {
                    let n = norm(line)
                    let count = LegacyFacts.increment(&seen[n, default: 0])
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
                    if let prev = stageOrder[..<mine].last(where: { s in stageNames.contains(s) }) {
                        for (o, name) in stageNames.enumerated() where name == prev { facts.append(Fact(.needs, job: j, [jobs[o].id])) }
                    }
                }
                if let w = job.pointee.when, w != .onSuccess { facts.append(Fact(.when, job: j, [w.rawValue])) }
                if job.pointee.condition != nil || job.pointee.rules.contains(where: { $0.condition != nil || !$0.changes.isEmpty }) {
                    facts.append(Fact(.if, job: j))
                }
                if let e = job.pointee.environment { facts.append(Fact(.env, job: j, [norm(e.name)])) }
            }
        }
        return Set(facts)
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
    static func score(_ candidate: Set<Fact>, against reference: Set<Fact>) -> FactScore {
        let map = matchJobs(candidate, reference)
        let renamed = map.allSatisfy({ $0.key == $0.value }) ? candidate : Set(candidate.map { legacyRenaming($0, map) })
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
                         missing: sortedByDescription(missing),
                         extra: sortedByDescription(extra),
                         jobMap: map)
    }

    /// Facts in `Fact.<` order, describing each fact once (not once per comparison).
    static func sortedByDescription(_ facts: some Sequence<Fact>) -> [Fact] {
        facts.map { (legacyDescription($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Pairs candidate jobs with reference jobs, most shared job-local facts first.
    ///
    /// Job-local facts (the fact without its job; a `needs` edge without its target) are interned
    /// as integers once, so each of the jobs × jobs Jaccard similarities is a merge of two sorted
    /// integer lists rather than two set operations that hash every fact again.
    static func matchJobs(_ a: Set<Fact>, _ b: Set<Fact>) -> [String: String] {
        var interner = LegacyFactInterner(capacity: a.count + b.count)
        var ids: [Fact: Int32] = [:]
        var useDictionary = false
        /// Each job's sorted distinct fact numbers, numbered by the interner while every argument
        /// is ASCII, else by the dictionary (then nil: both sides are numbered again, alike).
        func local(_ s: Set<Fact>) -> [(job: String, key: String, facts: [Int32])]? {
            // Facts grouped by job: a list searched by name while jobs are few (a dictionary
            // hashed the job name of every fact), a dictionary from the ninth job on.
            var out: [(job: String, ids: [Int32])] = []
            var slots: [String: Int]?
            func slot(_ j: String) -> Int {
                if let slots {
                    if let k = slots[j] { return k }
                } else if let k = out.firstIndex(where: { $0.job == j }) {
                    return k
                }
                out.append((j, []))
                let k = out.count - 1
                if slots != nil {
                    slots![j] = k
                } else if out.count > 8 {
                    slots = Dictionary(uniqueKeysWithValues: out.enumerated().map { ($1.job, $0) })
                }
                return k
            }
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
                let k = slot(j)
                out[k].ids.append(id)
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
        var la = local(a), lb = la == nil ? nil : local(b)
        if la == nil || lb == nil {
            useDictionary = true
            ids.reserveCapacity(a.count + b.count)
            la = local(a)
            lb = local(b)
        }
        guard let la, let lb else { return [:] }  // the dictionary numbers every fact
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
        if let lines = script.utf8.withContiguousStorageIfAvailable({ commandLines(bytes: $0) }) { return lines }
        return commandLines(bytes: Array(script.utf8)[...])
    }

    static func commandLines<C: BidirectionalCollection<UInt8>>(bytes script: C) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        for raw in script.split(separator: 0x0A, omittingEmptySubsequences: true) {
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

struct LegacyFactInterner {
    private var hashes: [UInt64]
    private var slots: [Int32]
    private var members: [(kind: Fact.Kind, args: [String])] = []
    private let mask: Int

    /// Room for `capacity` distinct facts without growing.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        hashes = [UInt64](repeating: 0, count: size)
        slots = [Int32](repeating: 0, count: size)
        members.reserveCapacity(capacity)
        mask = size - 1
    }

    /// The fact's number (the next one for a fact not seen before); nil for non-ASCII arguments.
    mutating func id(_ kind: Fact.Kind, _ args: [String]) -> Int32? {
        guard let h = Self.hash(kind, args) else { return nil }
        if 2 * (members.count + 1) > hashes.count { grow() }
        var k = Int(truncatingIfNeeded: h) & mask
        while hashes[k] != 0 {
            if hashes[k] == h {
                let m = members[Int(slots[k])]
                if m.kind == kind && m.args == args { return slots[k] }
            }
            k = (k + 1) & mask
        }
        let id = Int32(members.count)
        members.append((kind, args))
        hashes[k] = h
        slots[k] = id
        return id
    }

    private mutating func grow() {
        var bigger = LegacyFactInterner(capacity: hashes.count)
        for m in members { _ = bigger.id(m.kind, m.args) }
        self = bigger
    }

    /// A 64-bit hash of the kind and the argument bytes, never 0 (0 marks a free slot); nil when
    /// an argument has a non-ASCII byte.
    static func hash(_ kind: Fact.Kind, _ args: [String]) -> UInt64? {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* (UInt64(kind.ordinal) &+ 1)
        @inline(__always) func mix(_ x: UInt64) -> UInt64 {
            let y = x &* 0xBF58_476D_1CE4_E5B9
            return y ^ (y >> 31)
        }
        for a in args {
            h = mix(h ^ UInt64(a.utf8.count))
            let ascii = a.utf8.withContiguousStorageIfAvailable { buf -> Bool in
                var high: UInt64 = 0
                var i = 0
                if let base = buf.baseAddress {
                    while buf.count - i >= 8 {
                        let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        high |= w
                        h = mix(h ^ w)
                        i += 8
                    }
                }
                var tail: UInt64 = 0
                while i < buf.count {
                    tail = tail << 8 | UInt64(buf[i])
                    high |= UInt64(buf[i])
                    i += 1
                }
                h = mix(h ^ tail)
                return high & 0x8080_8080_8080_8080 == 0
            }
            guard ascii == true else { return nil }
        }
        return h | 1
    }
}
