import Foundation

extension GitLabReading {
    // MARK: rules

    mutating func readRules(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [Rule] {
        guard n.sequence != nil || (n.scalar?.isNull ?? false) else {
            throw InputError(n.pos, "`\(path())` must be a list of rules, got \(n.kindName)")
        }
        var out: [Rule] = []
        // `- !reference [.rules, rules]` leaves a list inside the list; GitLab flattens it.
        for (i, item) in try flattened(n, path()).enumerated() where !(item.scalar?.isNull ?? false) {
            var rp: String { "\(path())[\(i)]" }
            let m = try mapping(item, rp)
            var r = Rule(pos: item.pos)
            for p in m.pairs {
                var what: String { "\(rp).\(p.key.value)" }
                switch p.key.value {
                case "if": r.condition = try string(p.value, what)
                case "changes":
                    if let cm = p.value.mapping {
                        for q in cm.merged().pairs {
                            switch q.key.value {
                            case "paths": r.changes = try strings(q.value, "\(what).paths")
                            case "compare_to": r.compareTo = try string(q.value, "\(what).compare_to")
                            default: throw InputError(q.key.pos, "unknown key `\(q.key.value)` in `rules:changes` (paths, compare_to)")
                            }
                        }
                    } else {
                        r.changes = try strings(p.value, what)
                    }
                case "exists":
                    if let em = p.value.mapping {
                        for q in em.merged().pairs {
                            switch q.key.value {
                            case "paths": r.exists = try strings(q.value, "\(what).paths")
                            case "project", "ref":
                                record("\(what).\(q.key.value)", q.key.pos, .lost, "GitHub cannot check files of another project")
                            default: throw InputError(q.key.pos, "unknown key `\(q.key.value)` in `rules:exists` (paths, project, ref)")
                            }
                        }
                    } else {
                        r.exists = try strings(p.value, what)
                    }
                case "when": r.when = try readWhen(p.value, what)
                case "start_in": r.startIn = try string(p.value, what)
                case "allow_failure":
                    if p.value.mapping != nil {
                        r.allowFailure = true
                        record(what, p.key.pos, .approximated, "GitHub cannot allow failure for some exit codes only")
                        continue
                    }
                    r.allowFailure = try bool(p.value, what)
                case "variables": r.variables = try readVariables(p.value, what)
                case "needs": r.needs = try readNeeds(p.value, what)
                case "interruptible", "auto_cancel":
                    record(what, p.key.pos, .approximated, "GitHub cancels whole runs through `concurrency:`")
                    continue
                default:
                    throw InputError(p.key.pos, "unknown key `\(p.key.value)` in a rule (if, changes, exists, when, start_in, allow_failure, variables, needs)")
                }
                record(what, p.key.pos)
            }
            out.append(r)
            record(rp, item.pos)
        }
        if out.isEmpty { record(path(), n.pos) }
        return out
    }

    // MARK: only / except

    private struct RefPolicy {
        var refs: [String]?
        var variables: [String] = []
        var changes: [String] = []
        var kubernetes = false
        var pos: SourcePos
    }

    private func readPolicy(_ pair: YMapping.Pair, _ path: @autoclosure () -> String) throws(InputError) -> RefPolicy {
        var p = RefPolicy(pos: pair.key.pos)
        if pair.value.mapping == nil {
            p.refs = try strings(pair.value, path())
            return p
        }
        for q in try mapping(pair.value, path()).pairs {
            var what: String { "\(path()):\(q.key.value)" }
            switch q.key.value {
            case "refs": p.refs = try strings(q.value, what)
            case "variables": p.variables = try strings(q.value, what)
            case "changes": p.changes = try strings(q.value, what)
            case "kubernetes":
                let v = try string(q.value, what)
                guard v == "active" else { throw InputError(q.value.pos, "`\(what)` only takes `active`") }
                p.kubernetes = true
            default:
                throw InputError(q.key.pos, "unknown key `\(q.key.value)` in `\(path())` (refs, variables, changes, kubernetes)")
            }
        }
        return p
    }

    /// GitLab's condition for one `only`/`except` ref, and whether it is only close to GitLab's meaning.
    private static func refCondition(_ ref: String) -> (String, approximate: Bool) {
        let sources: [String: String] = [
            "merge_requests": "merge_request_event", "schedules": "schedule", "web": "web", "api": "api",
            "triggers": "trigger", "pipelines": "pipeline", "pushes": "push", "external": "external",
            "chat": "chat", "external_pull_requests": "external_pull_request_event",
        ]
        switch ref {
        case "branches": return ("$CI_COMMIT_BRANCH", false)
        case "tags": return ("$CI_COMMIT_TAG", false)
        default: break
        }
        if let s = sources[ref] { return ("$CI_PIPELINE_SOURCE == \"\(s)\"", false) }
        var name = ref
        var project: String?
        // `main@group/project`, `/^release/@group/project`: the ref applies in that project only.
        if ref.hasPrefix("/") {
            if let r = ref.range(of: "/@", options: .backwards), r.lowerBound != ref.startIndex {
                name = String(ref[..<ref.index(after: r.lowerBound)])
                project = String(ref[r.upperBound...])
            }
        } else if let at = ref.firstIndex(of: "@") {
            name = String(ref[..<at])
            project = String(ref[ref.index(after: at)...])
        }
        var cond: String
        if name.hasPrefix("/"), name.count > 1, let close = name.lastIndex(of: "/"), close != name.startIndex {
            cond = "$CI_COMMIT_REF_NAME =~ \(name)"
        } else {
            cond = "$CI_COMMIT_REF_NAME == \"\(FastText.replacing("\"", with: "\\\"", in: name))\""
        }
        if let project { cond = "\(cond) && $CI_PROJECT_PATH == \"\(project)\"" }
        return (cond, project != nil)
    }

    private static func any(_ xs: [String]) -> String? {
        if xs.isEmpty { return nil }
        if xs.count == 1 { return xs[0] }
        return xs.map { $0.contains("&&") || $0.contains("||") ? "(\($0))" : $0 }.joined(separator: " || ")
    }

    private static func all(_ xs: [String]) -> String? {
        if xs.isEmpty { return nil }
        if xs.count == 1 { return xs[0] }
        return xs.map { $0.contains("||") ? "(\($0))" : $0 }.joined(separator: " && ")
    }

    /// `only`/`except` as the `rules:` GitLab documents as their equivalent: `except` first as a
    /// `when: never` rule, then one rule for `only` (keys AND-ed, values within a key OR-ed).
    mutating func rulesFromOnlyExcept(job: String, only: YMapping.Pair?, except: YMapping.Pair?) throws(InputError) -> [Rule] {
        var rules: [Rule] = []
        if let except {
            let pol = try readPolicy(except, "\(job).except")
            var parts: [String] = []
            var approx = false
            if let refs = pol.refs, !refs.isEmpty {
                let conds = refs.map(GitLabReading.refCondition)
                approx = approx || conds.contains { $0.approximate }
                parts.append(GitLabReading.any(conds.map(\.0))!)
            }
            if let v = GitLabReading.any(pol.variables) { parts.append(v) }
            if pol.kubernetes { parts.append("$CI_KUBERNETES_ACTIVE") }
            var r = Rule(pos: pol.pos)
            r.condition = GitLabReading.all(parts)
            r.changes = pol.changes
            r.when = .never
            if r.condition != nil || !r.changes.isEmpty { rules.append(r) }
            record("\(job).except", except.key.pos, approx ? .approximated : .translated,
                   approx ? "a ref limited to a project (`@path`) became a $CI_PROJECT_PATH check" : "read as `rules:`")
        }
        // Without `only:`, GitLab's default is `only: [branches, tags]`: no merge request pipelines.
        var pol = RefPolicy(refs: ["branches", "tags"], pos: except?.key.pos ?? pipeline.pos)
        if let only { pol = try readPolicy(only, "\(job).only") }
        var parts: [String] = []
        var approx = false
        if let refs = pol.refs, !refs.isEmpty {
            let conds = refs.map(GitLabReading.refCondition)
            approx = conds.contains { $0.approximate }
            parts.append(GitLabReading.any(conds.map(\.0))!)
        }
        if let v = GitLabReading.any(pol.variables) { parts.append(v) }
        if pol.kubernetes {
            parts.append("$CI_KUBERNETES_ACTIVE")
            approx = true
        }
        var r = Rule(pos: pol.pos)
        r.condition = GitLabReading.all(parts)
        r.changes = pol.changes
        rules.append(r)
        if let only {
            record("\(job).only", only.key.pos, approx ? .approximated : .translated,
                   approx ? "kubernetes: active / project-limited refs became variable checks" : "read as `rules:`")
        }
        return rules
    }

    // MARK: workflow

    mutating func readWorkflow(_ m: YMapping) throws(InputError) {
        for p in m.pairs {
            var path: String { "workflow.\(p.key.value)" }
            switch p.key.value {
            case "name":
                pipeline.name = try string(p.value, path)
                record(path, p.key.pos)
            case "rules":
                let rules = try readRules(p.value, path)
                triggers(from: rules, path: path)
            case "auto_cancel":
                record(path, p.key.pos, .approximated, "GitHub cancels superseded runs through `concurrency:`")
            default:
                record(path, p.key.pos, .lost, "unknown `workflow:` keyword")
            }
        }
    }

    /// Maps workflow rules that only say which events start a pipeline to triggers; the rest stay in
    /// `pipeline.workflowRules`, which the writer turns into conditions on every job.
    ///
    /// `path` and each rule's path are built only when the ledger records them: dataset validation
    /// reads with a discarding ledger, where they were a tenth of reading a GitLab file.
    private mutating func triggers(from rules: [Rule], path: @autoclosure () -> String) {
        var found: [Trigger] = []
        var needsDefault = false
        var keep = false
        for (i, r) in rules.enumerated() {
            var rp: String { "\(path())[\(i)]" }
            if r.when == .never {
                if r.condition?.contains("CI_OPEN_MERGE_REQUESTS") == true {
                    ledger.record(rp, at: r.pos, .approximated,
                                  note: "duplicate-pipeline guard: GitHub runs push and pull_request workflows as separate runs")
                } else {
                    keep = true
                    ledger.record(rp, at: r.pos, .approximated, note: "kept as a condition on every job")
                }
                continue
            }
            guard let c = r.condition else {
                needsDefault = true
                ledger.record(rp, at: r.pos, note: "", target: "on")
                continue
            }
            if let ts = GitLabReading.triggers(for: c, pos: r.pos) {
                var approx = false
                for var t in ts.triggers {
                    if !r.changes.isEmpty { t.paths = r.changes }
                    found.append(t)
                }
                approx = ts.approximate
                ledger.record(rp, at: r.pos, approx ? .approximated : .translated,
                              note: approx ? "default branch taken as `main`, or a regex turned into a glob" : "", target: "on")
                if !r.variables.isEmpty {
                    ledger.record("\(rp).variables", at: r.pos, .approximated, note: "set for every run, not only this event")
                }
            } else {
                keep = true
                needsDefault = true
                ledger.record(rp, at: r.pos, .approximated, note: "not an event filter: kept as a condition on every job")
            }
        }
        if needsDefault {
            for e in [("push", Trigger.Event.push), ("merge_request_event", .pullRequest), ("web", .manual)] {
                found.append(Trigger(event: e.1, rawEvent: e.0, pos: rules.first?.pos ?? pipeline.pos))
            }
        }
        pipeline.triggers = GitLabReading.mergedTriggers(found)
        if keep { pipeline.workflowRules = rules }
    }

    /// Same-event triggers folded into one: a filterless one means "all" and wins.
    static func mergedTriggers(_ ts: [Trigger]) -> [Trigger] {
        var out: [Trigger] = []
        for t in ts {
            guard let i = out.firstIndex(where: { $0.event == t.event && ($0.event != .other || $0.rawEvent == t.rawEvent) }) else {
                out.append(t)
                continue
            }
            var o = out[i]
            let oAll = o.branches.isEmpty && o.tags.isEmpty
            let tAll = t.branches.isEmpty && t.tags.isEmpty
            if oAll || tAll {
                o.branches = []
                o.tags = []
            } else {
                for b in t.branches where !o.branches.contains(b) { o.branches.append(b) }
                for b in t.tags where !o.tags.contains(b) { o.tags.append(b) }
            }
            if o.paths.isEmpty || t.paths.isEmpty { o.paths = [] } else { o.paths += t.paths.filter { !o.paths.contains($0) } }
            out[i] = o
        }
        return out
    }

    /// The events a workflow `rules:if` admits, when it is made only of event and branch tests.
    static func triggers(for condition: String, pos: SourcePos) -> (triggers: [Trigger], approximate: Bool)? {
        if FastText.contains(condition, "(") || FastText.contains(condition, "!=") || FastText.contains(condition, "!~") { return nil }
        var out: [Trigger] = []
        var approximate = false
        for disjunct in FastText.pieces(condition[...], separatedBy: "||") {
            var event: Trigger.Event?
            var raw = ""
            var branches: [String] = []
            var tags: [String] = []
            var anyBranch = false, anyTag = false
            for atomRaw in FastText.pieces(disjunct, separatedBy: "&&") {
                let (parts, ascii) = words(atomRaw)
                let lhs = parts.first.map { unbrace($0, ascii: ascii) } ?? ""
                if parts.count == 1 {
                    switch lhs {
                    case "$CI_COMMIT_BRANCH": anyBranch = true
                    case "$CI_COMMIT_TAG": anyTag = true
                    case "$CI_MERGE_REQUEST_IID", "$CI_MERGE_REQUEST_ID": event = .pullRequest; raw = "merge_request_event"
                    default: return nil
                    }
                    continue
                }
                guard parts.count == 3 else { return nil }
                let op = parts[1]
                let rhs = parts[2]
                let literal = unquote(rhs, ascii: ascii)
                switch (lhs, op) {
                case ("$CI_PIPELINE_SOURCE", "=="):
                    guard let lit = literal else { return nil }
                    raw = lit
                    switch lit {
                    case "merge_request_event", "external_pull_request_event": event = .pullRequest
                    case "push": event = .push
                    case "schedule": event = .schedule
                    case "web": event = .manual
                    case "api", "trigger": event = .api
                    case "pipeline", "parent_pipeline": event = .call
                    default: event = .other
                    }
                case ("$CI_COMMIT_BRANCH", "=="), ("$CI_COMMIT_REF_NAME", "=="), ("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "=="):
                    if unbrace(rhs, ascii: ascii) == "$CI_DEFAULT_BRANCH" {
                        branches.append("main")
                        approximate = true
                    } else if let lit = literal {
                        branches.append(lit)
                    } else {
                        return nil
                    }
                    if lhs == "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" { event = .pullRequest; raw = "merge_request_event" }
                case ("$CI_COMMIT_BRANCH", "=~"), ("$CI_COMMIT_REF_NAME", "=~"), ("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "=~"):
                    guard let glob = glob(fromRegex: String(rhs)) else { return nil }
                    branches.append(glob)
                    approximate = true
                    if lhs == "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" { event = .pullRequest; raw = "merge_request_event" }
                case ("$CI_COMMIT_TAG", "=~"):
                    guard let glob = glob(fromRegex: String(rhs)) else { return nil }
                    tags.append(glob)
                    approximate = true
                case ("$CI_COMMIT_TAG", "=="):
                    guard let lit = literal else { return nil }
                    tags.append(lit)
                default:
                    return nil
                }
            }
            let ev = event ?? .push
            if event == nil { raw = "push" }
            var t = Trigger(event: ev, rawEvent: raw, pos: pos)
            if ev == .push || ev == .pullRequest {
                t.branches = branches
                t.tags = ev == .push ? tags : []
                // `$CI_COMMIT_BRANCH` alone: every branch, no tags; `$CI_COMMIT_TAG` alone: every tag, no branches.
                if ev == .push, anyBranch, t.branches.isEmpty, t.tags.isEmpty, !anyTag { t.branches = ["**"] }
                if ev == .push, anyTag, t.tags.isEmpty, t.branches.isEmpty, !anyBranch { t.tags = ["**"] }
            } else if !branches.isEmpty || !tags.isEmpty {
                approximate = true
            }
            out.append(t)
        }
        return out.isEmpty ? nil : (out, approximate)
    }

    /// The words of a condition atom, `FastText.trimmed(atom).split(separator: " ")`, and whether
    /// the atom is ASCII. ASCII atoms are split on bytes into slices of the atom, without the two
    /// string copies: there bytes are characters (CR LF, one character, holds no space or tab), so
    /// trimming tabs and spaces and splitting at spaces byte by byte finds the same words.
    private static func words(_ atom: Substring) -> (words: [Substring], ascii: Bool) {
        guard FastText.isASCII(atom) else { return (FastText.trimmed(atom).split(separator: " "), false) }
        let u = atom.utf8
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, u[lo] == 0x20 || u[lo] == 0x09 { lo = u.index(after: lo) }
        while lo < hi {
            let last = u.index(before: hi)
            guard u[last] == 0x20 || u[last] == 0x09 else { break }
            hi = last
        }
        var out: [Substring] = []
        var start = lo, i = lo
        while i < hi {
            if u[i] == 0x20 {
                if start < i { out.append(atom[start..<i]) }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if start < hi { out.append(atom[start..<hi]) }
        return (out, true)
    }

    /// `${VAR}` → `$VAR`. ASCII words are tested on bytes (the same answer: each byte is a character).
    private static func unbrace(_ s: Substring, ascii: Bool) -> Substring {
        if ascii {
            let u = s.utf8
            guard u.count >= 3, u.first == UInt8(ascii: "$"), u[u.index(after: u.startIndex)] == UInt8(ascii: "{"),
                  u.last == UInt8(ascii: "}") else { return s }
            return Substring("$" + s[u.index(u.startIndex, offsetBy: 2)..<u.index(before: u.endIndex)])
        }
        if s.hasPrefix("${"), s.hasSuffix("}") { return Substring("$" + s.dropFirst(2).dropLast()) }
        return s
    }

    /// The text between matching quotes, nil when `s` is not quoted. ASCII words are tested on bytes.
    private static func unquote(_ s: Substring, ascii: Bool) -> String? {
        if ascii {
            let u = s.utf8
            guard u.count >= 2, let f = u.first, f == UInt8(ascii: "\"") || f == UInt8(ascii: "'"), u.last == f else { return nil }
            return String(s[u.index(after: u.startIndex)..<u.index(before: u.endIndex)])
        }
        guard s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f else { return nil }
        return String(s.dropFirst().dropLast())
    }

    /// A branch glob close to a `/regex/`: anchors dropped, `.*` as `*`; nil when it is not that simple.
    static func glob(fromRegex r: String) -> String? {
        guard r.hasPrefix("/"), let close = r.lastIndex(of: "/"), close != r.startIndex else { return nil }
        var body = String(r[r.index(after: r.startIndex)..<close])
        let anchoredStart = body.hasPrefix("^")
        let anchoredEnd = body.hasSuffix("$")
        if anchoredStart { body.removeFirst() }
        if anchoredEnd { body.removeLast() }
        body = FastText.replacing("\\/", with: "/", in: body)
        body = FastText.replacing(".*", with: "*", in: body)
        body = FastText.replacing(".+", with: "*", in: body)
        body = FastText.replacing("\\.", with: ".", in: body)
        if let meta = body.firstIndex(where: { "()[]{}|+?\\^$".contains($0) }) {
            body = String(body[..<meta]) + "*"
        }
        if body.isEmpty || body == "*" { return "**" }
        return (anchoredStart ? "" : "**") + body + (anchoredEnd || body.hasSuffix("*") ? "" : "**")
    }
}
