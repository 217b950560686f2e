/// GitHub Actions checks, after the workflow syntax reference (docs.github.com, "Workflow syntax for
/// GitHub Actions") and what GitHub refuses when it loads a workflow.
///
/// Nearly every value may instead be a `${{ … }}` expression evaluated at run time; such values pass
/// the type checks (their braces are still checked).
struct GitHubChecks {
    private(set) var sink = DiagnosticSink()
    private let root: YMapping

    static func run(_ root: YMapping) -> DiagnosticSink {
        var c = GitHubChecks(root: root.mergedKeys())
        c.check()
        return c.sink
    }

    private init(root: YMapping) { self.root = root }

    // MARK: Keyword tables

    static let topKeys: Set<String> = ["name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs",
                                       "cache-mode"]
    static let jobKeys: Set<String> = [
        "name", "needs", "runs-on", "permissions", "environment", "concurrency", "outputs", "env", "defaults", "if",
        "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services", "uses", "with",
        "secrets", "snapshot", "cache-mode",
    ]
    /// Keys a job that calls a reusable workflow (`uses:`) may have.
    static let callerJobKeys: Set<String> = ["name", "needs", "permissions", "if", "uses", "with", "secrets", "strategy",
                                             "concurrency", "cache-mode"]
    static let stepKeys: Set<String> = ["id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env",
                                        "continue-on-error", "timeout-minutes"]
    static let permissionScopes: Set<String> = [
        "actions", "artifact-metadata", "attestations", "checks", "code-quality", "contents", "deployments",
        "discussions", "id-token", "issues", "models", "packages", "pages", "pull-requests", "repository-projects",
        "security-events", "statuses", "vulnerability-alerts", "copilot-requests",
    ]
    /// Events and their activity types (`types:`); an empty list means the event takes no types.
    static let eventTypes: [String: [String]] = [
        "branch_protection_rule": ["created", "edited", "deleted"],
        "check_run": ["created", "rerequested", "completed", "requested_action"],
        "check_suite": ["completed", "requested", "rerequested"],
        "create": [], "delete": [], "deployment": [], "deployment_status": [], "fork": [], "gollum": [],
        "page_build": [], "public": [], "status": [], "watch": ["started"], "push": [], "schedule": [],
        "workflow_call": [], "workflow_dispatch": [], "repository_dispatch": [],
        "discussion": ["created", "edited", "deleted", "transferred", "pinned", "unpinned", "labeled", "unlabeled",
                       "locked", "unlocked", "category_changed", "answered", "unanswered"],
        "discussion_comment": ["created", "edited", "deleted"],
        "issue_comment": ["created", "edited", "deleted"],
        "issues": ["opened", "edited", "deleted", "transferred", "pinned", "unpinned", "closed", "reopened", "assigned",
                   "unassigned", "labeled", "unlabeled", "locked", "unlocked", "milestoned", "demilestoned", "typed",
                   "untyped", "field_added", "field_removed"],
        "label": ["created", "edited", "deleted"],
        "merge_group": ["checks_requested"],
        "milestone": ["created", "closed", "opened", "edited", "deleted"],
        "project": ["created", "updated", "closed", "reopened", "edited", "deleted"],
        "project_card": ["created", "moved", "converted", "edited", "deleted"],
        "project_column": ["created", "updated", "moved", "deleted"],
        "pull_request": pullRequestTypes, "pull_request_target": pullRequestTypes,
        "pull_request_review": ["submitted", "edited", "dismissed"],
        "pull_request_review_comment": ["created", "edited", "deleted"],
        "registry_package": ["published", "updated"],
        "release": ["published", "unpublished", "created", "edited", "deleted", "prereleased", "released"],
        "workflow_run": ["requested", "completed", "in_progress"],
    ]
    static let pullRequestTypes = [
        "assigned", "unassigned", "labeled", "unlabeled", "opened", "edited", "closed", "reopened", "synchronize",
        "converted_to_draft", "ready_for_review", "locked", "unlocked", "milestoned", "demilestoned",
        "review_requested", "review_request_removed", "auto_merge_enabled", "auto_merge_disabled", "enqueued",
        "dequeued",
    ]
    static let eventNames = Set(eventTypes.keys)
    static let cronKeys: Set<String> = ["cron", "timezone"]
    static let outputKeys: Set<String> = ["description", "value"]
    static let secretKeys: Set<String> = ["description", "required"]
    static let inputKeys: Set<String> = ["description", "required", "default", "type", "options", "deprecationMessage"]
    static let dispatchInputTypes = ["string", "choice", "boolean", "number", "environment"]
    static let callInputTypes = ["string", "boolean", "number"]
    static let environmentKeys: Set<String> = ["name", "url", "deployment"]
    static let runsOnKeys: Set<String> = ["group", "labels"]
    static let strategyKeys: Set<String> = ["matrix", "fail-fast", "max-parallel"]
    static let containerKeys: Set<String> = ["image", "credentials", "env", "ports", "volumes", "options"]
    static let credentialKeys: Set<String> = ["username", "password"]
    static let concurrencyKeys: Set<String> = ["group", "cancel-in-progress"]
    static let defaultsKeys: Set<String> = ["run"]
    static let defaultsRunKeys: Set<String> = ["shell", "working-directory"]
    static let writeOrNone = ["write", "none"]
    static let readOrNone = ["read", "none"]
    static let readWriteOrNone = ["read", "write", "none"]
    /// Filters that exclude each other: a list and its `-ignore` twin.
    static let exclusiveFilters = [("branches", "branches-ignore"), ("tags", "tags-ignore"), ("paths", "paths-ignore")]
    /// `filterKeys(event).contains(key)`, without building the set.
    static func isFilterKey(_ key: String, of event: String) -> Bool {
        switch event {
        case "push":
            switch key {
            case "branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore": return true
            default: return false
            }
        case "pull_request", "pull_request_target":
            switch key {
            case "types", "branches", "branches-ignore", "paths", "paths-ignore": return true
            default: return false
            }
        case "workflow_run":
            switch key {
            case "types", "workflows", "branches", "branches-ignore": return true
            default: return false
            }
        case "workflow_dispatch": return key == "inputs"
        case "workflow_call": return key == "inputs" || key == "outputs" || key == "secrets"
        default: return key == "types" && (eventTypes[event]?.isEmpty == false || event == "repository_dispatch")
        }
    }

    /// Filter keys per event beyond `types`.
    static func filterKeys(_ event: String) -> Set<String> {
        switch event {
        case "push": ["branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"]
        case "pull_request", "pull_request_target":
            ["types", "branches", "branches-ignore", "paths", "paths-ignore"]
        case "workflow_run": ["types", "workflows", "branches", "branches-ignore"]
        case "workflow_dispatch": ["inputs"]
        case "workflow_call": ["inputs", "outputs", "secrets"]
        default: eventTypes[event]?.isEmpty == false || event == "repository_dispatch" ? ["types"] : []
        }
    }

    // MARK: Top level

    private mutating func check() {
        // One pass over the top level: unknown keys reported in order, the first of each known kept.
        var on: YNode?, env: YNode?, permissions: YNode?, concurrency: YNode?, defaults: YNode?
        var name: YNode?, runName: YNode?, jobsNode: YNode?
        for p in root.pairs {
            switch p.key.value {
            case "on": if on == nil { on = p.value }
            case "env": if env == nil { env = p.value }
            case "permissions": if permissions == nil { permissions = p.value }
            case "concurrency": if concurrency == nil { concurrency = p.value }
            case "defaults": if defaults == nil { defaults = p.value }
            case "name": if name == nil { name = p.value }
            case "run-name": if runName == nil { runName = p.value }
            case "jobs": if jobsNode == nil { jobsNode = p.value }
            case "cache-mode": break
            default:
                sink.error(p.key.pos, "unknown top-level key '\(p.key.value)'" + hint(p.key.value, among: Self.topKeys))
            }
        }
        if let on { checkOn(on) } else { sink.error(root.pos, "a workflow needs 'on:' (the events that run it)") }
        if let e = env { checkEnv(e, "'env'") }
        if let p = permissions { checkPermissions(p, "'permissions'") }
        if let c = concurrency { checkConcurrency(c, "'concurrency'") }
        if let d = defaults { checkDefaults(d, "'defaults'") }
        if let v = name { _ = string(v, "'name'") }
        if let v = runName { _ = string(v, "'run-name'") }
        guard let jobsNode else { sink.error(root.pos, "a workflow needs 'jobs:'"); return }
        guard let jobs = mapping(jobsNode, "'jobs'") else { return }
        if jobs.pairs.isEmpty { sink.error(jobsNode.pos, "'jobs' is empty; a workflow needs at least one job") }
        for p in jobs.pairs { checkJob(p.key, p.value) }
        checkNeedsGraph(jobs)
        // As `checkExpressions(.mapping(root))`, without boxing the root in a node.
        for i in root.pairs.indices.reversed() { checkExpressions(root.pairs[i].value) }
    }

    // MARK: Triggers

    private mutating func checkOn(_ v: YNode) {
        switch v {
        case .scalar(let s):
            if s.isYAMLNull { sink.error(v.pos, "'on' is empty; name at least one event"); return }
            checkEventName(s)
        case .sequence(let q):
            if q.items.isEmpty { sink.error(v.pos, "'on' is an empty list; name at least one event") }
            for item in q.items {
                guard let s = item.nonNullScalar else { sink.error(item.pos, "'on' must list event names, not \(item.kindName)"); continue }
                checkEventName(s)
            }
        case .mapping(let m):
            if m.pairs.isEmpty { sink.error(v.pos, "'on' is empty; name at least one event") }
            for p in m.mergedKeys().pairs where checkEventName(p.key) {
                checkEventFilters(p.key.value, p.value)
            }
        }
    }

    @discardableResult
    private mutating func checkEventName(_ s: YScalar) -> Bool {
        if Self.eventNames.contains(s.value) { return true }
        sink.error(s.pos, "unknown event '\(s.value)' in 'on'" + hint(s.value, among: Self.eventNames))
        return false
    }

    private mutating func checkEventFilters(_ event: String, _ v: YNode) {
        func what() -> String { "'on.\(event)'" }
        if event == "schedule" {
            guard let q = list(v, what()) else { return }
            if q.items.isEmpty { sink.error(v.pos, "\(what()) is an empty list") }
            for item in q.items {
                guard let m = mapping(item, "an entry of \(what())", expected: "a mapping with 'cron'") else { continue }
                checkKeys(m, Self.cronKeys, "an entry of \(what())")
                guard let cron = m["cron"] else { sink.error(item.pos, "an entry of \(what()) has no 'cron'"); continue }
                // Starter workflows carry placeholders such as `$cron-daily`, filled in on use.
                if let c = string(cron, "'cron'"), !c.value.utf8.contains(UInt8(ascii: "$")) {
                    let fields = c.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
                    if fields != 5 { sink.error(cron.pos, "'cron' must have 5 fields (minute hour day month weekday), not \(fields)") }
                }
            }
            return
        }
        if v.scalar?.isYAMLNull ?? false { return }
        guard let m = mapping(v, what(), expected: "a mapping of filters or nothing") else { return }
        for p in m.pairs where !Self.isFilterKey(p.key.value, of: event) {
            let allowed = Self.filterKeys(event)
            let hint = allowed.isEmpty ? " (\(event) takes no filters)" : hint(p.key.value, among: allowed)
            sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(what())\(hint)")
        }
        // Both of a twin need two keys.
        for (a, b) in Self.exclusiveFilters where m.pairs.count > 1 {
            if m[a] != nil, let other = m.pair(b) {
                sink.error(other.key.pos, "\(what()) cannot have both '\(a)' and '\(b)'; use '!' patterns in '\(a)' instead")
            }
        }
        for p in m.pairs where Self.isFilterKey(p.key.value, of: event) {
            let keyName = p.key.value
            func w() -> String { "'\(keyName)' of \(what())" }
            switch p.key.value {
            case "branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore", "workflows":
                checkStringList(p.value, w(), allowScalar: true)
            case "types":
                checkStringList(p.value, w(), allowScalar: true)
                let known = Self.eventTypes[event] ?? []
                guard !known.isEmpty else { continue }
                for item in p.value.sequence?.items ?? [p.value] {
                    if let s = item.nonNullScalar, !known.contains(s.value) {
                        // GitHub adds activity types over time: unknown ones are warnings.
                        sink.warning(item.pos, "unknown activity type '\(s.value)' for '\(event)'"
                                     + hint(s.value, among: known))
                    }
                }
            case "inputs": checkInputs(p.value, w(), dispatch: event == "workflow_dispatch")
            case "outputs":
                guard let om = mapping(p.value, w()) else { continue }
                for o in om.pairs {
                    guard let omm = mapping(o.value, "output '\(o.key.value)' of \(what())") else { continue }
                    checkKeys(omm, Self.outputKeys, "output '\(o.key.value)' of \(what())")
                    if omm["value"] == nil { sink.error(o.key.pos, "output '\(o.key.value)' of \(what()) has no 'value'") }
                }
            case "secrets":
                guard let sm = mapping(p.value, w()) else { continue }
                for s in sm.pairs where !(s.value.scalar?.isYAMLNull ?? false) {
                    guard let smm = mapping(s.value, "secret '\(s.key.value)' of \(what())") else { continue }
                    checkKeys(smm, Self.secretKeys, "secret '\(s.key.value)' of \(what())")
                    if let r = smm["required"] { bool(r, "'required' of secret '\(s.key.value)'") }
                }
            default: break
            }
        }
    }

    private mutating func checkInputs(_ v: YNode, _ what: @autoclosure () -> String, dispatch: Bool) {
        guard let m = mapping(v, what()) else { return }
        let types = dispatch ? Self.dispatchInputTypes : Self.callInputTypes
        for p in m.pairs {
            let keyName = p.key.value
            func w() -> String { "input '\(keyName)'" }
            if !ValidationSupport.isIdentifier(p.key.value) {
                sink.error(p.key.pos, "\(w()) must start with a letter or '_' and contain only letters, digits, '-' and '_'")
            }
            if p.value.scalar?.isYAMLNull ?? false { continue }
            guard let im = mapping(p.value, w()) else { continue }
            checkKeys(im, Self.inputKeys, w())
            if let r = im["required"] { bool(r, "'required' of \(w())") }
            if let t = im["type"] { oneOf(t, "'type' of \(w())", types) }
            if im["type"]?.string == "choice" {
                if let o = im["options"] { checkStringList(o, "'options' of \(w())") } else {
                    sink.error(p.key.pos, "\(w()) is a 'choice' but has no 'options'")
                }
            }
            if !dispatch, im["type"] == nil { sink.error(p.key.pos, "\(w()) of 'workflow_call' needs a 'type'") }
        }
    }

    // MARK: Jobs

    private mutating func checkJob(_ key: YScalar, _ v: YNode) {
        let id = key.value
        func owner() -> String { "job '\(id)'" }
        if !ValidationSupport.isIdentifier(id) {
            sink.error(key.pos, "job id '\(id)' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
        }
        guard let m = mapping(v, owner()) else { return }
        let caller = m["uses"] != nil
        for p in m.pairs where !(caller ? Self.isCallerJobKey(p.key.value) : Self.isJobKey(p.key.value)) {
            let allowed = caller ? Self.callerJobKeys : Self.jobKeys
            if caller, Self.isJobKey(p.key.value) {
                sink.error(p.key.pos, "'\(p.key.value)' cannot be used in \(owner()), which calls a reusable workflow with 'uses'")
            } else {
                sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(owner())" + hint(p.key.value, among: allowed))
            }
        }
        if caller {
            if let u = m["uses"], let s = string(u, "'uses' of \(owner())"), !isWorkflowRef(s.value) {
                sink.error(u.pos, "'uses' of \(owner()) must name a reusable workflow (./.github/workflows/x.yml or owner/repo/.github/workflows/x.yml@ref)")
            }
            if let w = m["with"] { _ = mapping(w, "'with' of \(owner())") }
            if let s = m["secrets"], s.string != "inherit" {
                _ = mapping(s, "'secrets' of \(owner())", expected: "'inherit' or a mapping")
            }
        } else {
            if m["runs-on"] == nil { sink.error(key.pos, "\(owner()) has no 'runs-on' (or 'uses' for a reusable workflow)") }
            if m["steps"] == nil { sink.error(key.pos, "\(owner()) has no 'steps' (or 'uses' for a reusable workflow)") }
        }
        for p in m.pairs {
            let keyName = p.key.value  // captured alone: a closure copies what it captures
            func w() -> String { "'\(keyName)' of \(owner())" }
            let v = p.value
            switch p.key.value {
            case "name", "if": _ = string(v, w())
            case "runs-on": checkRunsOn(v, w())
            case "needs": checkStringList(v, w(), allowScalar: true)
            case "permissions": checkPermissions(v, w())
            case "environment":
                if v.scalar != nil { _ = string(v, w()); continue }
                guard let em = mapping(v, w(), expected: "a name or a mapping with 'name'") else { continue }
                checkKeys(em, Self.environmentKeys, w())
                if em["name"] == nil { sink.error(v.pos, "\(w()) has no 'name'") }
            case "concurrency": checkConcurrency(v, w())
            case "outputs":
                guard let om = mapping(v, w()) else { continue }
                for o in om.pairs where o.value.scalar == nil {
                    sink.error(o.value.pos, "output '\(o.key.value)' of \(owner()) must be a string, not \(o.value.kindName)")
                }
            case "env": checkEnv(v, w())
            case "defaults": checkDefaults(v, w())
            case "steps": checkSteps(v, owner())
            case "timeout-minutes": number(v, w())
            case "continue-on-error": bool(v, w())
            case "strategy": checkStrategy(v, w())
            case "container": checkContainer(v, w())
            case "services":
                guard let sm = mapping(v, w()) else { continue }
                for s in sm.pairs { checkContainer(s.value, "service '\(s.key.value)' of \(owner())") }
            default: break
            }
        }
    }

    private func isWorkflowRef(_ s: String) -> Bool {
        if ValidationSupport.hasExpression(s) { return true }
        if s.hasPrefix("./") { return s.hasSuffix(".yml") || s.hasSuffix(".yaml") }
        guard let at = s.firstIndex(of: "@") else { return false }
        let path = s[..<at]
        return ValidationSupport.contains(String(path), "/.github/workflows/") && (path.hasSuffix(".yml") || path.hasSuffix(".yaml"))
    }

    private mutating func checkRunsOn(_ v: YNode, _ w: @autoclosure () -> String) {
        switch v {
        case .scalar: _ = string(v, w())
        case .sequence: checkStringList(v, w())
        case .mapping(let m):
            checkKeys(m, Self.runsOnKeys, w())
            if m["group"] == nil, m["labels"] == nil { sink.error(v.pos, "\(w()) needs 'group' or 'labels'") }
            if let g = m["group"] { _ = string(g, "'group' of \(w())") }
            if let l = m["labels"] { checkStringList(l, "'labels' of \(w())", allowScalar: true) }
        }
    }

    private mutating func checkSteps(_ v: YNode, _ owner: @autoclosure () -> String) {
        guard let q = list(v, "'steps' of \(owner())") else { return }
        if q.items.isEmpty { sink.error(v.pos, "'steps' of \(owner()) is empty") }
        var ids: [String: SourcePos] = [:]
        for (i, item) in q.items.enumerated() {
            // Named only when a message needs it.
            func label() -> String { "step \(i + 1) of \(owner())" }
            guard let m = mapping(item, label()) else { continue }
            // One pass over the step's keys (the first of a repeated key counts, as `m[key]`).
            // Pairs by their number in `m.pairs` (a pair is four references to copy).
            var run: Int?, uses: Int?, with: Int?, shell: Int?, dir: Int?
            var idNode: YNode?, name: YNode?, cond: YNode?, env: YNode?, coe: YNode?, timeout: YNode?
            for k in m.pairs.indices {
                switch m.pairs[k].key.value {
                case "run": if run == nil { run = k }
                case "uses": if uses == nil { uses = k }
                case "with": if with == nil { with = k }
                case "shell": if shell == nil { shell = k }
                case "working-directory": if dir == nil { dir = k }
                case "id": if idNode == nil { idNode = m.pairs[k].value }
                case "name": if name == nil { name = m.pairs[k].value }
                case "if": if cond == nil { cond = m.pairs[k].value }
                case "env": if env == nil { env = m.pairs[k].value }
                case "continue-on-error": if coe == nil { coe = m.pairs[k].value }
                case "timeout-minutes": if timeout == nil { timeout = m.pairs[k].value }
                default:
                    let key = m.pairs[k].key
                    sink.error(key.pos, "unknown key '\(key.value)' in \(label())" + hint(key.value, among: Self.stepKeys))
                }
            }
            switch (run, uses) {
            case (nil, nil): sink.error(item.pos, "\(label()) needs 'run' or 'uses'")
            case (.some, .some(let u)): sink.error(m.pairs[u].key.pos, "\(label()) has both 'run' and 'uses'; a step does one")
            case (.some(let r), nil):
                _ = string(m.pairs[r].value, "'run' of \(label())")
                if let w = with { sink.error(m.pairs[w].key.pos, "'with' in \(label()) only applies to 'uses' steps") }
            case (nil, .some(let u)):
                let uv = m.pairs[u].value
                if let s = string(uv, "'uses' of \(label())"), !isActionRef(s.value) {
                    sink.error(uv.pos, "'uses' of \(label()) must be owner/repo@ref, ./path or docker://image, not '\(s.value)'")
                }
                if let x = shell { sink.error(m.pairs[x].key.pos, "'shell' in \(label()) only applies to 'run' steps") }
                if let x = dir { sink.error(m.pairs[x].key.pos, "'working-directory' in \(label()) only applies to 'run' steps") }
            }
            if let idNode, let id = string(idNode, "'id' of \(label())") {
                if !ValidationSupport.hasExpression(id.value), !ValidationSupport.isIdentifier(id.value) {
                    sink.error(idNode.pos, "step id '\(id.value)' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
                }
                if let first = ids[id.value] {
                    sink.error(idNode.pos, "duplicate step id '\(id.value)' in \(owner()) (first at line \(first.line))")
                } else {
                    ids[id.value] = idNode.pos
                }
            }
            if let x = name { _ = string(x, "'name' of \(label())") }
            if let x = cond { _ = string(x, "'if' of \(label())") }
            if let x = shell { _ = string(m.pairs[x].value, "'shell' of \(label())") }
            if let x = dir { _ = string(m.pairs[x].value, "'working-directory' of \(label())") }
            if let e = env { checkEnv(e, "'env' of \(label())") }
            if let w = with { _ = mapping(m.pairs[w].value, "'with' of \(label())") }
            if let c = coe { bool(c, "'continue-on-error' of \(label())") }
            if let t = timeout { number(t, "'timeout-minutes' of \(label())") }
        }
    }

    private func isActionRef(_ s: String) -> Bool {
        if ValidationSupport.hasExpression(s) { return true }
        // ASCII (every real reference): bytes are characters.
        let ascii: Bool? = FastText.withBytes(s) { b -> Bool? in
            guard FastText.isASCII(b) else { return nil }
            if FastText.has(b, at: 0, "./") || FastText.has(b, at: 0, "docker://") { return true }
            guard let at = FastText.find("@", in: b) else { return false }
            return FastText.find("/", in: UnsafeBufferPointer(rebasing: b[..<at])) != nil && at + 1 < b.count
        }
        if let ascii { return ascii }
        if s.hasPrefix("./") || s.hasPrefix("docker://") { return true }
        guard let at = s.firstIndex(of: "@") else { return false }
        return s[..<at].utf8.contains(UInt8(ascii: "/")) && s.index(after: at) < s.endIndex
    }

    private mutating func checkStrategy(_ v: YNode, _ w: @autoclosure () -> String) {
        if isExpression(v) { return }
        guard let m = mapping(v, w()) else { return }
        checkKeys(m, Self.strategyKeys, w())
        if let f = m["fail-fast"] { bool(f, "'fail-fast' of \(w())") }
        if let mp = m["max-parallel"] { number(mp, "'max-parallel' of \(w())") }
        guard let mx = m["matrix"], !isExpression(mx) else { return }
        func mw() -> String { "'matrix' of \(w())" }
        guard let mm = mapping(mx, mw()) else { return }
        if mm.pairs.isEmpty { sink.error(mx.pos, "\(mw()) is empty") }
        for p in mm.pairs {
            if isExpression(p.value) { continue }
            switch p.key.value {
            case "include", "exclude":
                guard let q = list(p.value, "'\(p.key.value)' of \(mw())") else { continue }
                for item in q.items where !isExpression(item) {
                    _ = mapping(item, "an entry of '\(p.key.value)' of \(mw())")
                }
            default:
                guard let q = list(p.value, "matrix variable '\(p.key.value)'") else { continue }
                if q.items.isEmpty { sink.error(p.value.pos, "matrix variable '\(p.key.value)' has no values") }
            }
        }
    }

    private mutating func checkContainer(_ v: YNode, _ w: @autoclosure () -> String) {
        if v.scalar != nil { _ = string(v, w()); return }
        guard let m = mapping(v, w(), expected: "an image name or a mapping with 'image'") else { return }
        checkKeys(m, Self.containerKeys, w())
        if m["image"] == nil { sink.error(v.pos, "\(w()) has no 'image'") }
        if let c = m["credentials"], let cm = mapping(c, "'credentials' of \(w())") {
            checkKeys(cm, Self.credentialKeys, "'credentials' of \(w())")
        }
        if let e = m["env"] { checkEnv(e, "'env' of \(w())") }
        if let x = m["ports"] { checkStringList(x, "'ports' of \(w())") }
        if let x = m["volumes"] { checkStringList(x, "'volumes' of \(w())") }
    }

    // MARK: Shared shapes

    private mutating func checkPermissions(_ v: YNode, _ w: @autoclosure () -> String) {
        if let s = v.nonNullScalar {
            if isExpression(v) { return }
            if s.value != "read-all" && s.value != "write-all" {
                sink.error(v.pos, "\(w()) must be read-all, write-all or a mapping of scopes, not '\(s.value)'")
            }
            return
        }
        if v.scalar?.isYAMLNull ?? false { return }
        guard let m = mapping(v, w(), expected: "read-all, write-all or a mapping of scopes") else { return }
        for p in m.pairs {
            guard Self.isPermissionScope(p.key.value) else {
                sink.error(p.key.pos, "unknown permission scope '\(p.key.value)' in \(w())"
                           + hint(p.key.value, among: Self.permissionScopes))
                continue
            }
            let allowed: [String] = switch p.key.value {
            case "id-token": Self.writeOrNone
            case "models", "vulnerability-alerts": Self.readOrNone
            default: Self.readWriteOrNone
            }
            oneOf(p.value, "permission '\(p.key.value)'", allowed)
        }
    }

    private mutating func checkConcurrency(_ v: YNode, _ w: @autoclosure () -> String) {
        if v.scalar != nil { _ = string(v, w()); return }
        guard let m = mapping(v, w(), expected: "a group name or a mapping with 'group'") else { return }
        checkKeys(m, Self.concurrencyKeys, w())
        if m["group"] == nil { sink.error(v.pos, "\(w()) has no 'group'") }
        if let c = m["cancel-in-progress"] { bool(c, "'cancel-in-progress' of \(w())") }
    }

    private mutating func checkDefaults(_ v: YNode, _ w: @autoclosure () -> String) {
        guard let m = mapping(v, w()) else { return }
        checkKeys(m, Self.defaultsKeys, w())
        if let r = m["run"], let rm = mapping(r, "'run' of \(w())") {
            checkKeys(rm, Self.defaultsRunKeys, "'run' of \(w())")
        }
    }

    private mutating func checkEnv(_ v: YNode, _ w: @autoclosure () -> String) {
        if isExpression(v) || (v.scalar?.isYAMLNull ?? false) { return }
        guard let m = mapping(v, w()) else { return }
        for p in m.pairs where p.value.scalar == nil {
            sink.error(p.value.pos, "variable '\(p.key.value)' in \(w()) must be a string, number or boolean, not \(p.value.kindName)")
        }
    }

    // MARK: needs

    private mutating func checkNeedsGraph(_ jobs: YMapping) {
        // Most workflows are small: a job is found by scanning them (the last of a name, as a table
        // filled in order gives); a large one gets a table.
        let n = jobs.pairs.count
        var index: [String: Int] = [:]
        if n > 12 { for (i, p) in jobs.pairs.enumerated() { index[p.key.value] = i } }
        func job(_ name: String) -> Int? {
            if n > 12 { return index[name] }
            var i = n
            while i > 0 {
                i -= 1
                if jobs.pairs[i].key.value == name { return i }
            }
            return nil
        }
        /// Entry `k` of a `needs` value (one name is a list of one), read in place: `[needs]` for a
        /// single name allocated a list.
        func entries(_ needs: YNode) -> Int { needs.sequence?.items.count ?? 1 }
        func entry(_ needs: YNode, _ k: Int) -> YNode {
            if case .sequence(let q) = needs { return q.items[k] }
            return needs
        }
        var hasEdge = false
        var onlyBackward = true  // every need on an earlier job: no cycle can close
        for (i, p) in jobs.pairs.enumerated() {
            guard case .mapping(let m) = p.value, let needs = m["needs"] else { continue }
            for k in 0..<entries(needs) {
                let item = entry(needs, k)
                guard let s = item.nonNullScalar else { continue }
                guard let t = job(s.value) else {
                    sink.error(item.pos, "job '\(p.key.value)' needs '\(s.value)', which is not a job in this workflow"
                               + hint(s.value, among: jobs.keys))
                    continue
                }
                hasEdge = true
                if t >= i { onlyBackward = false }
            }
        }
        if !hasEdge || onlyBackward { return }  // no cycle: jobs only need earlier ones
        // A cycle is possible: the same edges, in the same order, gathered now (most workflows
        // need only earlier jobs and never build the graph). Unknown names were reported above.
        var edges: [[(to: Int, pos: SourcePos)]] = Array(repeating: [], count: n)
        for (i, p) in jobs.pairs.enumerated() {
            guard case .mapping(let m) = p.value, let needs = m["needs"] else { continue }
            for k in 0..<entries(needs) {
                let item = entry(needs, k)
                guard let s = item.nonNullScalar, let t = job(s.value) else { continue }
                edges[i].append((t, item.pos))
            }
        }
        for c in needsCycles(edges, names: jobs.keys) { sink.error(c.pos, "'needs' cycle: " + c.cycle) }
    }

    // MARK: Expressions

    /// Every string in the file, keys excepted, must close each `${{` it opens.
    /// Every scalar's expressions, visited in place (a work list copied every node it held).
    /// Depth is bounded by the loader's nesting limit; the order of messages is the work list's
    /// (last child first), as before.
    private mutating func checkExpressions(_ n: YNode) {
        switch n {
        case .scalar(let s):
            if ValidationSupport.hasExpression(s.value), let problem = ValidationSupport.unbalancedExpression(s.value) {
                sink.error(s.pos, problem)
            }
        case .mapping(let m):
            for i in m.pairs.indices.reversed() { checkExpressions(m.pairs[i].value) }
        case .sequence(let q):
            for i in q.items.indices.reversed() { checkExpressions(q.items[i]) }
        }
    }

    // MARK: Primitive expectations

    private func isExpression(_ v: YNode) -> Bool {
        guard let s = v.scalar?.value else { return false }
        return ValidationSupport.hasExpression(s)
    }

    /// Suggestions cost an edit distance per candidate; a hostile file with thousands of bad
    /// names against thousands of jobs would make that quadratic, so they share one budget.
    private var suggestionBudget = 5_000

    private mutating func suggest<C: Collection<String>>(_ word: String, among candidates: C) -> String? {
        ValidationSupport.suggestion(for: word, among: candidates, budget: &suggestionBudget)
    }

    private mutating func hint<C: Collection<String>>(_ word: String, among candidates: C) -> String {
        suggest(word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    private mutating func checkKeys(_ m: YMapping, _ allowed: Set<String>, _ what: @autoclosure () -> String) {
        for p in m.pairs where !allowed.contains(p.key.value) {
            sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(what())" + hint(p.key.value, among: allowed))
        }
    }

    private func describe(_ v: YNode) -> String {
        if let s = v.nonNullScalar { return "'\(s.value.count > 40 ? String(s.value.prefix(40)) + "…" : s.value)'" }
        return v.kindName
    }

    private mutating func string(_ v: YNode, _ what: @autoclosure () -> String) -> YScalar? {
        guard let s = v.nonNullScalar else {
            sink.error(v.pos, "\(what()) must be a string, not \(v.kindName)")
            return nil
        }
        return s
    }

    private mutating func bool(_ v: YNode, _ what: @autoclosure () -> String) {
        if isExpression(v) { return }
        if v.nonNullScalar?.bool == nil { sink.error(v.pos, "\(what()) must be true, false or an expression, not \(describe(v))") }
    }

    private mutating func number(_ v: YNode, _ what: @autoclosure () -> String) {
        if isExpression(v) { return }
        guard let s = v.nonNullScalar, s.style == .plain, Double(s.value) != nil else {
            sink.error(v.pos, "\(what()) must be a number or an expression, not \(describe(v))")
            return
        }
    }

    private mutating func oneOf(_ v: YNode, _ what: @autoclosure () -> String, _ allowed: [String]) {
        guard let s = string(v, what()) else { return }
        if allowed.contains(s.value) || isExpression(v) { return }
        sink.error(v.pos, "\(what()) must be one of \(allowed.joined(separator: ", ")), not '\(s.value)'"
                   + hint(s.value, among: allowed))
    }

    private mutating func mapping(_ v: YNode, _ what: @autoclosure () -> String, expected: String = "a mapping") -> YMapping? {
        guard let m = v.mapping else {
            sink.error(v.pos, "\(what()) must be \(expected), not \(v.kindName)")
            return nil
        }
        return m.mergedKeys()
    }

    private mutating func list(_ v: YNode, _ what: @autoclosure () -> String) -> YSequence? {
        guard let q = v.sequence else {
            sink.error(v.pos, "\(what()) must be a list, not \(v.kindName)")
            return nil
        }
        return q
    }

    private mutating func checkStringList(_ v: YNode, _ what: @autoclosure () -> String, allowScalar: Bool = false) {
        switch v {
        case .scalar(let s):
            if allowScalar && !s.isYAMLNull || isExpression(v) { return }
            sink.error(v.pos, "\(what()) must be a list of strings, not \(v.kindName)")
        case .mapping:
            sink.error(v.pos, "\(what()) must be a list of strings, not a mapping")
        case .sequence(let q):
            for item in q.items where item.nonNullScalar == nil {
                sink.error(item.pos, "\(what()) must list strings, not \(item.kindName)")
            }
        }
    }
}
