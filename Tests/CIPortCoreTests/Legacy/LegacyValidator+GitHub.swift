import Foundation
@testable import CIPortCore

/// GitHub Actions checks, after the workflow syntax reference (docs.github.com, "Workflow syntax for
/// GitHub Actions") and what GitHub refuses when it loads a workflow.
///
/// Nearly every value may instead be a `${{ … }}` expression evaluated at run time; such values pass
/// the type checks (their braces are still checked).
struct LegacyGitHubChecks {
    private(set) var sink = LegacyDiagnosticSink()
    private let root: YMapping

    static func run(_ root: YMapping) -> LegacyDiagnosticSink {
        var c = LegacyGitHubChecks(root: root.merged())
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
        for p in root.pairs where !Self.topKeys.contains(p.key.value) {
            sink.error(p.key.pos, "unknown top-level key '\(p.key.value)'" + hint(p.key.value, among: Self.topKeys))
        }
        if root["on"] == nil { sink.error(root.pos, "a workflow needs 'on:' (the events that run it)") }
        if let on = root["on"] { checkOn(on) }
        if let e = root["env"] { checkEnv(e, "'env'") }
        if let p = root["permissions"] { checkPermissions(p, "'permissions'") }
        if let c = root["concurrency"] { checkConcurrency(c, "'concurrency'") }
        if let d = root["defaults"] { checkDefaults(d, "'defaults'") }
        for k in ["name", "run-name"] { if let v = root[k] { _ = string(v, "'\(k)'") } }
        guard let jobsNode = root["jobs"] else { sink.error(root.pos, "a workflow needs 'jobs:'"); return }
        guard let jobs = mapping(jobsNode, "'jobs'") else { return }
        if jobs.pairs.isEmpty { sink.error(jobsNode.pos, "'jobs' is empty; a workflow needs at least one job") }
        for p in jobs.pairs { checkJob(p.key, p.value) }
        checkNeedsGraph(jobs)
        checkExpressions(.mapping(root))
    }

    // MARK: Triggers

    private mutating func checkOn(_ v: YNode) {
        switch v {
        case .scalar(let s):
            if s.isNull { sink.error(v.pos, "'on' is empty; name at least one event"); return }
            checkEventName(s)
        case .sequence(let q):
            if q.items.isEmpty { sink.error(v.pos, "'on' is an empty list; name at least one event") }
            for item in q.items {
                guard let s = item.nonNullScalar else { sink.error(item.pos, "'on' must list event names, not \(item.kindName)"); continue }
                checkEventName(s)
            }
        case .mapping(let m):
            if m.pairs.isEmpty { sink.error(v.pos, "'on' is empty; name at least one event") }
            for p in m.merged().pairs where checkEventName(p.key) {
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
        let what = "'on.\(event)'"
        if event == "schedule" {
            guard let q = list(v, what) else { return }
            if q.items.isEmpty { sink.error(v.pos, "\(what) is an empty list") }
            for item in q.items {
                guard let m = mapping(item, "an entry of \(what)", expected: "a mapping with 'cron'") else { continue }
                checkKeys(m, ["cron", "timezone"], "an entry of \(what)")
                guard let cron = m["cron"] else { sink.error(item.pos, "an entry of \(what) has no 'cron'"); continue }
                // Starter workflows carry placeholders such as `$cron-daily`, filled in on use.
                if let c = string(cron, "'cron'"), !c.value.utf8.contains(UInt8(ascii: "$")) {
                    let fields = c.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
                    if fields != 5 { sink.error(cron.pos, "'cron' must have 5 fields (minute hour day month weekday), not \(fields)") }
                }
            }
            return
        }
        if v.scalar?.isNull ?? false { return }
        guard let m = mapping(v, what, expected: "a mapping of filters or nothing") else { return }
        let allowed = Self.filterKeys(event)
        for p in m.pairs where !allowed.contains(p.key.value) {
            let hint = allowed.isEmpty ? " (\(event) takes no filters)" : hint(p.key.value, among: allowed)
            sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(what)\(hint)")
        }
        for (a, b) in [("branches", "branches-ignore"), ("tags", "tags-ignore"), ("paths", "paths-ignore")] {
            if m[a] != nil, let other = m.pair(b) {
                sink.error(other.key.pos, "\(what) cannot have both '\(a)' and '\(b)'; use '!' patterns in '\(a)' instead")
            }
        }
        for p in m.pairs where allowed.contains(p.key.value) {
            let w = "'\(p.key.value)' of \(what)"
            switch p.key.value {
            case "branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore", "workflows":
                checkStringList(p.value, w, allowScalar: true)
            case "types":
                checkStringList(p.value, w, allowScalar: true)
                let known = Self.eventTypes[event] ?? []
                guard !known.isEmpty else { continue }
                for item in p.value.sequence?.items ?? [p.value] {
                    if let s = item.nonNullScalar, !known.contains(s.value) {
                        // GitHub adds activity types over time: unknown ones are warnings.
                        sink.warning(item.pos, "unknown activity type '\(s.value)' for '\(event)'"
                                     + hint(s.value, among: known))
                    }
                }
            case "inputs": checkInputs(p.value, w, dispatch: event == "workflow_dispatch")
            case "outputs":
                guard let om = mapping(p.value, w) else { continue }
                for o in om.pairs {
                    guard let omm = mapping(o.value, "output '\(o.key.value)' of \(what)") else { continue }
                    checkKeys(omm, ["description", "value"], "output '\(o.key.value)' of \(what)")
                    if omm["value"] == nil { sink.error(o.key.pos, "output '\(o.key.value)' of \(what) has no 'value'") }
                }
            case "secrets":
                guard let sm = mapping(p.value, w) else { continue }
                for s in sm.pairs where !(s.value.scalar?.isNull ?? false) {
                    guard let smm = mapping(s.value, "secret '\(s.key.value)' of \(what)") else { continue }
                    checkKeys(smm, ["description", "required"], "secret '\(s.key.value)' of \(what)")
                    if let r = smm["required"] { bool(r, "'required' of secret '\(s.key.value)'") }
                }
            default: break
            }
        }
    }

    private mutating func checkInputs(_ v: YNode, _ what: @autoclosure () -> String, dispatch: Bool) {
        guard let m = mapping(v, what()) else { return }
        let types = dispatch ? ["string", "choice", "boolean", "number", "environment"] : ["string", "boolean", "number"]
        for p in m.pairs {
            let w = "input '\(p.key.value)'"
            if !LegacyValidationSupport.isIdentifier(p.key.value) {
                sink.error(p.key.pos, "\(w) must start with a letter or '_' and contain only letters, digits, '-' and '_'")
            }
            if p.value.scalar?.isNull ?? false { continue }
            guard let im = mapping(p.value, w) else { continue }
            checkKeys(im, ["description", "required", "default", "type", "options", "deprecationMessage"], w)
            if let r = im["required"] { bool(r, "'required' of \(w)") }
            if let t = im["type"] { oneOf(t, "'type' of \(w)", types) }
            if im["type"]?.string == "choice" {
                if let o = im["options"] { checkStringList(o, "'options' of \(w)") } else {
                    sink.error(p.key.pos, "\(w) is a 'choice' but has no 'options'")
                }
            }
            if !dispatch, im["type"] == nil { sink.error(p.key.pos, "\(w) of 'workflow_call' needs a 'type'") }
        }
    }

    // MARK: Jobs

    private mutating func checkJob(_ key: YScalar, _ v: YNode) {
        let id = key.value
        let owner = "job '\(id)'"
        if !LegacyValidationSupport.isIdentifier(id) {
            sink.error(key.pos, "job id '\(id)' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
        }
        guard let m = mapping(v, owner) else { return }
        let caller = m["uses"] != nil
        let allowed = caller ? Self.callerJobKeys : Self.jobKeys
        for p in m.pairs where !allowed.contains(p.key.value) {
            if caller, Self.jobKeys.contains(p.key.value) {
                sink.error(p.key.pos, "'\(p.key.value)' cannot be used in \(owner), which calls a reusable workflow with 'uses'")
            } else {
                sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(owner)" + hint(p.key.value, among: allowed))
            }
        }
        if caller {
            if let u = m["uses"], let s = string(u, "'uses' of \(owner)"), !isWorkflowRef(s.value) {
                sink.error(u.pos, "'uses' of \(owner) must name a reusable workflow (./.github/workflows/x.yml or owner/repo/.github/workflows/x.yml@ref)")
            }
            if let w = m["with"] { _ = mapping(w, "'with' of \(owner)") }
            if let s = m["secrets"], s.string != "inherit" {
                _ = mapping(s, "'secrets' of \(owner)", expected: "'inherit' or a mapping")
            }
        } else {
            if m["runs-on"] == nil { sink.error(key.pos, "\(owner) has no 'runs-on' (or 'uses' for a reusable workflow)") }
            if m["steps"] == nil { sink.error(key.pos, "\(owner) has no 'steps' (or 'uses' for a reusable workflow)") }
        }
        for p in m.pairs {
            func w() -> String { "'\(p.key.value)' of \(owner)" }
            let v = p.value
            switch p.key.value {
            case "name", "if": _ = string(v, w())
            case "runs-on": checkRunsOn(v, w())
            case "needs": checkStringList(v, w(), allowScalar: true)
            case "permissions": checkPermissions(v, w())
            case "environment":
                if v.scalar != nil { _ = string(v, w()); continue }
                guard let em = mapping(v, w(), expected: "a name or a mapping with 'name'") else { continue }
                checkKeys(em, ["name", "url", "deployment"], w())
                if em["name"] == nil { sink.error(v.pos, "\(w()) has no 'name'") }
            case "concurrency": checkConcurrency(v, w())
            case "outputs":
                guard let om = mapping(v, w()) else { continue }
                for o in om.pairs where o.value.scalar == nil {
                    sink.error(o.value.pos, "output '\(o.key.value)' of \(owner) must be a string, not \(o.value.kindName)")
                }
            case "env": checkEnv(v, w())
            case "defaults": checkDefaults(v, w())
            case "steps": checkSteps(v, owner)
            case "timeout-minutes": number(v, w())
            case "continue-on-error": bool(v, w())
            case "strategy": checkStrategy(v, w())
            case "container": checkContainer(v, w())
            case "services":
                guard let sm = mapping(v, w()) else { continue }
                for s in sm.pairs { checkContainer(s.value, "service '\(s.key.value)' of \(owner)") }
            default: break
            }
        }
    }

    private func isWorkflowRef(_ s: String) -> Bool {
        if LegacyValidationSupport.hasExpression(s) { return true }
        if s.hasPrefix("./") { return s.hasSuffix(".yml") || s.hasSuffix(".yaml") }
        guard let at = s.firstIndex(of: "@") else { return false }
        let path = s[..<at]
        return LegacyValidationSupport.contains(String(path), "/.github/workflows/") && (path.hasSuffix(".yml") || path.hasSuffix(".yaml"))
    }

    private mutating func checkRunsOn(_ v: YNode, _ w: @autoclosure () -> String) {
        switch v {
        case .scalar: _ = string(v, w())
        case .sequence: checkStringList(v, w())
        case .mapping(let m):
            checkKeys(m, ["group", "labels"], w())
            if m["group"] == nil, m["labels"] == nil { sink.error(v.pos, "\(w()) needs 'group' or 'labels'") }
            if let g = m["group"] { _ = string(g, "'group' of \(w())") }
            if let l = m["labels"] { checkStringList(l, "'labels' of \(w())", allowScalar: true) }
        }
    }

    private mutating func checkSteps(_ v: YNode, _ owner: @autoclosure () -> String) {
        guard let q = list(v, "'steps' of \(owner())") else { return }
        if q.items.isEmpty { sink.error(v.pos, "'steps' of \(owner()) is empty") }
        var ids: [String: SourcePos] = [:]
        let ownerName = owner()
        for (i, item) in q.items.enumerated() {
            // Named only when a message needs it.
            func label() -> String { "step \(i + 1) of \(ownerName)" }
            guard let m = mapping(item, label()) else { continue }
            // One pass over the step's keys (the first of a repeated key counts, as `m[key]`).
            var run: YMapping.Pair?, uses: YMapping.Pair?, with: YMapping.Pair?, shell: YMapping.Pair?, dir: YMapping.Pair?
            var idNode: YNode?, name: YNode?, cond: YNode?, env: YNode?, coe: YNode?, timeout: YNode?
            for p in m.pairs {
                switch p.key.value {
                case "run": if run == nil { run = p }
                case "uses": if uses == nil { uses = p }
                case "with": if with == nil { with = p }
                case "shell": if shell == nil { shell = p }
                case "working-directory": if dir == nil { dir = p }
                case "id": if idNode == nil { idNode = p.value }
                case "name": if name == nil { name = p.value }
                case "if": if cond == nil { cond = p.value }
                case "env": if env == nil { env = p.value }
                case "continue-on-error": if coe == nil { coe = p.value }
                case "timeout-minutes": if timeout == nil { timeout = p.value }
                default:
                    sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(label())" + hint(p.key.value, among: Self.stepKeys))
                }
            }
            switch (run, uses) {
            case (nil, nil): sink.error(item.pos, "\(label()) needs 'run' or 'uses'")
            case (.some, .some(let u)): sink.error(u.key.pos, "\(label()) has both 'run' and 'uses'; a step does one")
            case (.some(let r), nil):
                _ = string(r.value, "'run' of \(label())")
                if let w = with { sink.error(w.key.pos, "'with' in \(label()) only applies to 'uses' steps") }
            case (nil, .some(let u)):
                if let s = string(u.value, "'uses' of \(label())"), !isActionRef(s.value) {
                    sink.error(u.value.pos, "'uses' of \(label()) must be owner/repo@ref, ./path or docker://image, not '\(s.value)'")
                }
                if let x = shell { sink.error(x.key.pos, "'shell' in \(label()) only applies to 'run' steps") }
                if let x = dir { sink.error(x.key.pos, "'working-directory' in \(label()) only applies to 'run' steps") }
            }
            if let idNode, let id = string(idNode, "'id' of \(label())") {
                if !LegacyValidationSupport.hasExpression(id.value), !LegacyValidationSupport.isIdentifier(id.value) {
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
            if let x = shell?.value { _ = string(x, "'shell' of \(label())") }
            if let x = dir?.value { _ = string(x, "'working-directory' of \(label())") }
            if let e = env { checkEnv(e, "'env' of \(label())") }
            if let w = with?.value { _ = mapping(w, "'with' of \(label())") }
            if let c = coe { bool(c, "'continue-on-error' of \(label())") }
            if let t = timeout { number(t, "'timeout-minutes' of \(label())") }
        }
    }

    private func isActionRef(_ s: String) -> Bool {
        if LegacyValidationSupport.hasExpression(s) { return true }
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
        checkKeys(m, ["matrix", "fail-fast", "max-parallel"], w())
        if let f = m["fail-fast"] { bool(f, "'fail-fast' of \(w())") }
        if let mp = m["max-parallel"] { number(mp, "'max-parallel' of \(w())") }
        guard let mx = m["matrix"], !isExpression(mx) else { return }
        let mw = "'matrix' of \(w())"
        guard let mm = mapping(mx, mw) else { return }
        if mm.pairs.isEmpty { sink.error(mx.pos, "\(mw) is empty") }
        for p in mm.pairs {
            if isExpression(p.value) { continue }
            switch p.key.value {
            case "include", "exclude":
                guard let q = list(p.value, "'\(p.key.value)' of \(mw)") else { continue }
                for item in q.items where !isExpression(item) {
                    _ = mapping(item, "an entry of '\(p.key.value)' of \(mw)")
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
        checkKeys(m, ["image", "credentials", "env", "ports", "volumes", "options"], w())
        if m["image"] == nil { sink.error(v.pos, "\(w()) has no 'image'") }
        if let c = m["credentials"], let cm = mapping(c, "'credentials' of \(w())") {
            checkKeys(cm, ["username", "password"], "'credentials' of \(w())")
        }
        if let e = m["env"] { checkEnv(e, "'env' of \(w())") }
        for k in ["ports", "volumes"] { if let x = m[k] { checkStringList(x, "'\(k)' of \(w())") } }
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
        if v.scalar?.isNull ?? false { return }
        guard let m = mapping(v, w(), expected: "read-all, write-all or a mapping of scopes") else { return }
        for p in m.pairs {
            guard Self.permissionScopes.contains(p.key.value) else {
                sink.error(p.key.pos, "unknown permission scope '\(p.key.value)' in \(w())"
                           + hint(p.key.value, among: Self.permissionScopes))
                continue
            }
            let allowed: [String] = switch p.key.value {
            case "id-token": ["write", "none"]
            case "models", "vulnerability-alerts": ["read", "none"]
            default: ["read", "write", "none"]
            }
            oneOf(p.value, "permission '\(p.key.value)'", allowed)
        }
    }

    private mutating func checkConcurrency(_ v: YNode, _ w: @autoclosure () -> String) {
        if v.scalar != nil { _ = string(v, w()); return }
        guard let m = mapping(v, w(), expected: "a group name or a mapping with 'group'") else { return }
        checkKeys(m, ["group", "cancel-in-progress"], w())
        if m["group"] == nil { sink.error(v.pos, "\(w()) has no 'group'") }
        if let c = m["cancel-in-progress"] { bool(c, "'cancel-in-progress' of \(w())") }
    }

    private mutating func checkDefaults(_ v: YNode, _ w: @autoclosure () -> String) {
        guard let m = mapping(v, w()) else { return }
        checkKeys(m, ["run"], w())
        if let r = m["run"], let rm = mapping(r, "'run' of \(w())") {
            checkKeys(rm, ["shell", "working-directory"], "'run' of \(w())")
        }
    }

    private mutating func checkEnv(_ v: YNode, _ w: @autoclosure () -> String) {
        if isExpression(v) || (v.scalar?.isNull ?? false) { return }
        guard let m = mapping(v, w()) else { return }
        for p in m.pairs where p.value.scalar == nil {
            sink.error(p.value.pos, "variable '\(p.key.value)' in \(w()) must be a string, number or boolean, not \(p.value.kindName)")
        }
    }

    // MARK: needs

    private mutating func checkNeedsGraph(_ jobs: YMapping) {
        var index: [String: Int] = [:]
        for (i, p) in jobs.pairs.enumerated() { index[p.key.value] = i }
        var edges = [[(to: Int, pos: SourcePos)]](repeating: [], count: jobs.pairs.count)
        for (i, p) in jobs.pairs.enumerated() {
            guard let needs = p.value.mapping?["needs"] else { continue }
            for item in needs.sequence?.items ?? [needs] {
                guard let s = item.nonNullScalar else { continue }
                guard let t = index[s.value] else {
                    sink.error(item.pos, "job '\(p.key.value)' needs '\(s.value)', which is not a job in this workflow"
                               + hint(s.value, among: jobs.keys))
                    continue
                }
                edges[i].append((t, item.pos))
            }
        }
        for c in legacyNeedsCycles(edges, names: jobs.keys) { sink.error(c.pos, "'needs' cycle: " + c.cycle) }
    }

    // MARK: Expressions

    /// Every string in the file, keys excepted, must close each `${{` it opens.
    /// Every scalar's expressions, visited in place (a work list copied every node it held).
    /// Depth is bounded by the loader's nesting limit; the order of messages is the work list's
    /// (last child first), as before.
    private mutating func checkExpressions(_ n: YNode) {
        switch n {
        case .scalar(let s):
            if LegacyValidationSupport.hasExpression(s.value), let problem = LegacyValidationSupport.unbalancedExpression(s.value) {
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
        return LegacyValidationSupport.hasExpression(s)
    }

    /// Suggestions cost an edit distance per candidate; a hostile file with thousands of bad
    /// names against thousands of jobs would make that quadratic, so they share one budget.
    private var suggestionBudget = 5_000

    private mutating func suggest<C: Collection<String>>(_ word: String, among candidates: C) -> String? {
        LegacyValidationSupport.suggestion(for: word, among: candidates, budget: &suggestionBudget)
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
        return m.merged()
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
            if allowScalar && !s.isNull || isExpression(v) { return }
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
