import Foundation

/// `workflow:` (name, rules from the GitHub triggers, auto-cancel) and global variables.
extension GitLabWriterState {
    struct RuleOut: Equatable {
        var condition: String
        var changes: [String] = []
        var never = false
    }

    mutating func workflowSection() -> (value: YOut, comments: [String])? {
        var wf = YOutMap()
        var comments: [String] = []
        // GitLab shows workflow:name per pipeline, as GitHub shows run-name per run.
        if let rn = p.runName {
            var ns: [String] = []
            let t = text(rn, .value, path: "run-name", pos: p.pos, notes: &ns)
            wf.set("name", String(t.text.prefix(255)), comments: ns)
            ledger.setTarget("run-name", "workflow.name")
            if let n = p.name {
                note("name", p.pos, .approximated, "GitLab has no workflow title besides workflow:name; kept as a comment")
                comments.append("ciport: workflow name: \(n)")
            }
        } else if let n = p.name, !n.isEmpty {
            var ns: [String] = []
            let t = text(n, .value, path: "name", pos: p.pos, notes: &ns)
            wf.set("name", String(t.text.prefix(255)), comments: ns)
            ledger.setTarget("name", "workflow.name")
        }
        let (rules, ruleComments) = triggerRules()
        if !rules.isEmpty {
            let items = rules.map { r -> YOutItem in
                var m = YOutMap()
                m.set("if", r.condition)
                if !r.changes.isEmpty { m.set("changes", .strings(r.changes)) }
                if r.never { m.set("when", "never") }
                return YOutItem(m.out)
            }
            wf.set("rules", .seq(items), comments: ruleComments)
        }
        if let c = p.concurrency {
            var cs: [String] = []
            if let cancel = c.cancelInProgress, cancel != "false" {
                allInterruptible = true
                wf.set("auto_cancel", .map([YOutEntry("on_new_commit", .string("interruptible"))]))
                let exact = cancel == "true"
                note("concurrency.cancel-in-progress", c.pos, exact ? .approximated : .needsReview,
                     exact ? "GitLab cancels interruptible jobs of older pipelines on a new commit"
                           : "cancel-in-progress is an expression; GitLab auto-cancel is always on here")
                cs.append("ciport: concurrency '\(c.group)' → auto-cancel of older pipelines; GitLab cannot queue whole pipelines")
            } else {
                cs.append("ciport: concurrency '\(c.group)' not kept: GitLab cannot queue whole pipelines (resource_group works per job)")
            }
            note("concurrency", c.pos, .approximated, "GitLab has no pipeline-level concurrency group")
            note("concurrency.group", c.pos, .lost, "GitLab has no pipeline-level concurrency group")
            comments += cs
        }
        if let perm = p.permissions {
            comments.append(permissionsComment(perm))
            note("permissions", perm.pos, .lost, "GitLab's CI_JOB_TOKEN scopes are project settings, not pipeline YAML")
            for s in perm.scopes { note("permissions.\(s.key)", s.pos, .lost, "no token scopes in GitLab CI YAML") }
        }
        if wf.isEmpty {
            if comments.isEmpty { return nil }
            // A comment needs a key to sit on; an empty workflow is not valid, so name the pipeline.
            wf.set("name", p.name ?? "pipeline")
        }
        return (wf.out, comments)
    }

    func permissionsComment(_ perm: Permissions) -> String {
        let what = perm.shorthand ?? perm.scopes.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        var s = "ciport: permissions (\(what.isEmpty ? "none" : what)) dropped: CI_JOB_TOKEN scopes are project settings"
        if perm.scopes.contains(where: { $0.key == "id-token" && $0.value == "write" }) {
            s += "; for OIDC add id_tokens: to the jobs that need one"
        }
        return s
    }

    /// Rules that start the pipeline for the same events as the GitHub triggers.
    mutating func triggerRules() -> ([RuleOut], [String]) {
        var rules: [RuleOut] = []
        var comments: [String] = []
        var scheduleIndex = 0
        var crons: [String] = []
        func add(_ r: RuleOut) { if !rules.contains(r) { rules.append(r) } }
        for t in p.triggers {
            let path: String
            if t.event == .schedule {
                path = "on.schedule[\(scheduleIndex)]"
                scheduleIndex += 1
            } else {
                path = "on.\(t.rawEvent)"
            }
            let before = rules.count
            defer {
                if rules.count > before || t.event == .schedule { ledger.setTarget(path, "workflow.rules") }
            }
            if !t.pathsIgnore.isEmpty {
                note("\(path).paths-ignore", t.pos, .lost, "GitLab rules:changes cannot ignore paths")
                comments.append("ciport: \(t.rawEvent) paths-ignore \(t.pathsIgnore) not kept (rules:changes cannot exclude)")
            }
            switch t.event {
            case .push:
                let source = "$CI_PIPELINE_SOURCE == \"push\""
                let anyFilter = !(t.branches.isEmpty && t.branchesIgnore.isEmpty && t.tags.isEmpty && t.tagsIgnore.isEmpty)
                if !anyFilter {
                    add(RuleOut(condition: source, changes: t.paths))
                }
                if !t.branches.isEmpty || !t.branchesIgnore.isEmpty {
                    for r in refRules(source, "$CI_COMMIT_BRANCH", t.branches, t.branchesIgnore, changes: t.paths) { add(r) }
                }
                if !t.tags.isEmpty || !t.tagsIgnore.isEmpty {
                    for r in refRules(source, "$CI_COMMIT_TAG", t.tags, t.tagsIgnore, changes: t.paths) { add(r) }
                }
            case .pullRequest, .pullRequestTarget:
                let source = "$CI_PIPELINE_SOURCE == \"merge_request_event\""
                if t.branches.isEmpty && t.branchesIgnore.isEmpty {
                    add(RuleOut(condition: source, changes: t.paths))
                } else {
                    for r in refRules(source, "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", t.branches, t.branchesIgnore, changes: t.paths) { add(r) }
                }
                let usual: Set<String> = ["opened", "synchronize", "reopened"]
                if !t.types.isEmpty && !Set(t.types).isSubset(of: usual) {
                    note("\(path).types", t.pos, .approximated, "GitLab runs merge request pipelines when an MR is opened or updated")
                    comments.append("ciport: \(t.rawEvent) types \(t.types) → any merge request update")
                }
                if t.event == .pullRequestTarget {
                    note(path, t.pos, .needsReview, "pull_request_target runs with the base repository's secrets; GitLab MR pipelines from forks do not")
                    comments.append("ciport: pull_request_target → merge request pipelines; check fork MR settings and protected variables")
                }
            case .schedule:
                add(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"schedule\""))
                crons.append(t.cron ?? "?")
                note(path, t.pos, .needsReview, "GitLab schedules are created in the UI or API, not in YAML", target: "workflow.rules")
                if let cron = t.cron { note("\(path).cron", t.pos, .needsReview, "create a pipeline schedule with cron '\(cron)'") }
            case .manual:
                add(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"web\""))
            case .call:
                add(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"parent_pipeline\""))
                note(path, t.pos, .needsReview, "include this file from its callers as a child pipeline (trigger:include)")
                comments.append("ciport: workflow_call → runs as a child pipeline; callers must use trigger:include")
            case .api:
                add(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"api\" || $CI_PIPELINE_SOURCE == \"trigger\""))
                note(path, t.pos, .approximated, "repository_dispatch → a pipeline started through the API or a trigger token")
                if !t.types.isEmpty {
                    note("\(path).types", t.pos, .lost, "event types have no GitLab counterpart; pass a variable instead")
                }
            case .release:
                add(RuleOut(condition: "$CI_COMMIT_TAG"))
                note(path, t.pos, .approximated, "GitLab has no release event; the pipeline runs for the tag the release is made from")
                if !t.types.isEmpty { note("\(path).types", t.pos, .approximated, "every new tag, whatever the release activity") }
                comments.append("ciport: release → tag pipelines")
            case .workflowRun:
                add(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"pipeline\""))
                note(path, t.pos, .needsReview, "GitLab cannot start a pipeline when another ends; trigger this one from the other (trigger:)")
                comments.append("ciport: workflow_run \(t.workflows) → start this pipeline from the upstream one with trigger:")
            case .other:
                note(path, t.pos, .lost, "GitLab CI has no '\(t.rawEvent)' event")
                comments.append("ciport: '\(t.rawEvent)' event has no GitLab counterpart")
            }
        }
        if !crons.isEmpty {
            comments.append("ciport: create pipeline schedules (Build > Pipeline schedules) for cron \(crons.map { "'\($0)'" }.joined(separator: ", "))")
        }
        if rules.allSatisfy(\.never) && !p.triggers.isEmpty {
            // Nothing GitHub starts this workflow for exists on GitLab; keep it runnable by hand only.
            rules.append(RuleOut(condition: "$CI_PIPELINE_SOURCE == \"web\""))
            comments.append("ciport: no trigger has a GitLab counterpart; the pipeline runs only when started by hand")
        }
        return (rules, comments)
    }

    /// Rules for branch or tag filters: `!pattern` and `*-ignore` as `when: never` rules first.
    func refRules(_ source: String, _ variable: String, _ include: [String], _ ignore: [String],
                  changes: [String]) -> [RuleOut] {
        var out: [RuleOut] = []
        let negated = include.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        for pat in ignore + negated {
            out.append(RuleOut(condition: "\(source) && \(Self.refMatch(variable, pat))", never: true))
        }
        let positive = include.filter { !$0.hasPrefix("!") }
        if positive.isEmpty {
            out.append(RuleOut(condition: "\(source) && \(variable)", changes: changes))
        }
        for pat in positive {
            out.append(RuleOut(condition: "\(source) && \(Self.refMatch(variable, pat))", changes: changes))
        }
        return out
    }

    /// `$CI_COMMIT_BRANCH == "main"`, `$CI_COMMIT_BRANCH =~ /^release\/[^\/]*$/`, or the default branch.
    static func refMatch(_ variable: String, _ pattern: String) -> String {
        if pattern == "$default-branch" { return "\(variable) == $CI_DEFAULT_BRANCH" }
        if !pattern.contains(where: { "*?+[]!".contains($0) }) {
            return "\(variable) == \"\(pattern.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
        }
        return "\(variable) =~ /^\(globRegex(pattern))$/"
    }

    /// GitHub filter glob → RE2 inside `/…/`: `*` stays within a path segment, `**` crosses them.
    static func globRegex(_ glob: String) -> String {
        var out = ""
        let chars = Array(glob)
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if inClass {
                if c == "]" { inClass = false }
                out += c == "/" ? "\\/" : String(c)
            } else if c == "*" {
                if i + 1 < chars.count, chars[i + 1] == "*" { out += ".*"; i += 1 } else { out += "[^\\/]*" }
            } else if c == "[" {
                inClass = true
                out += "["
            } else if c == "?" || c == "+" {
                out += String(c)  // same meaning in GitHub filters: the previous character 0-1 / 1+ times
            } else if ".^$(){}|\\".contains(c) {
                out += "\\" + String(c)
            } else if c == "/" {
                out += "\\/"
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    // MARK: Global variables and inputs

    mutating func globalVariables() -> (value: YOut, comments: [String])? {
        var vars = YOutMap()
        var comments: [String] = []
        for kv in p.variables {
            if kv.key.isEmpty {
                note("env", kv.pos, .needsReview, "computed env mapping not expanded")
                comments.append("ciport: env computed by an expression (\(kv.value)) must be set by hand")
                continue
            }
            var ns: [String] = []
            let t = text(kv.value, .value, path: "env.\(kv.key)", pos: kv.pos, notes: &ns)
            if Self.isSelfReference(t.text, kv.key) {
                note("env.\(kv.key)", kv.pos, .translated, "a CI/CD variable of the same name supplies it")
                continue
            }
            vars.set(kv.key, .string(t.text), comments: ns)
            ledger.setTarget("env.\(kv.key)", "variables.\(kv.key)")
        }
        for input in p.inputs {
            let key = Self.variableKey(input.name)
            var m = YOutMap()
            var value = input.defaultValue ?? ""
            var ns: [String] = []
            if !input.options.isEmpty {
                if !input.options.contains(value) {
                    value = input.options[0]
                    if input.defaultValue != nil { ns.append("ciport: default '\(input.defaultValue!)' is not among the options") }
                }
                m.set("value", value)
                m.set("options", .strings(Array(NSOrderedSet(array: input.options)) as? [String] ?? input.options))
            } else {
                m.set("value", value)
            }
            var desc = input.description ?? ""
            if input.required == true { desc += desc.isEmpty ? "required" : " (required)" }
            if let type = input.type, type != "string", type != "choice" { desc += " [\(type)]" }
            if !desc.isEmpty { m.set("description", desc) }
            vars.set(key, m.out, comments: ns)
            let path = p.triggers.contains { $0.event == .manual } ? "on.workflow_dispatch.inputs.\(input.name)" : "on.workflow_call.inputs.\(input.name)"
            if input.required == true {
                note(path, input.pos, .approximated, "GitLab prefills the variable but does not enforce 'required'")
            }
            if key != input.name {
                note(path, input.pos, .approximated, "variable named \(key)")
            }
            ledger.setTarget(path, "variables.\(key)")
        }
        return vars.isEmpty ? nil : (vars.out, comments)
    }

    /// An input's name as a variable name (letters, digits and `_`).
    static func variableKey(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// `FOO: $FOO` would only shadow the CI/CD variable `FOO` with itself.
    static func isSelfReference(_ value: String, _ key: String) -> Bool {
        value == "$\(key)" || value == "${\(key)}"
    }
}
