/// GitLab CI checks, after the GitLab CI YAML reference (docs.gitlab.com/ci/yaml) and the rules
/// GitLab's linter applies when it creates a pipeline.
///
/// Keys are checked where they are written (a typo in a hidden template is reported once, at the
/// template); rules about a whole job (has a script, stage exists, needs resolve) are checked on the
/// job as `extends` resolves it from this file. Whatever an `include:` could supply is a warning.
struct GitLabChecks {
    private(set) var sink = DiagnosticSink()
    private let root: YMapping
    private var hasIncludes = false
    /// Visible jobs in file order.
    private var jobs: [(key: YScalar, map: YMapping)] = []
    /// Their names, in the same order (scanned without copying the jobs).
    private var jobNames: [String] = []
    /// Job numbers by name, built only for files with many jobs (a few are scanned).
    private var jobIndex: [String: Int] = [:]
    /// Hidden jobs (`.name`) whose value is a mapping: templates for `extends`.
    private var templates: [String: YMapping] = [:]
    /// Stage numbers by name, built only for long stage lists (a few are scanned).
    private var stageOrder: [String: Int] = [:]
    private var stageNames: [String] = []
    /// Whether the file declares `stages:`. A file that does not, yet uses stages beyond the
    /// defaults, is a fragment meant to be included by one that does (GitLab's Jobs/ templates).
    private var declaresStages = false
    /// The top-level keys, for `!reference` targets; built on the first reference.
    private var rootKeys: Set<String>?
    /// `extends` resolved: visible jobs by number, templates by name (a template's name starts
    /// with '.', a job's never does, so this is the one name-keyed table it was).
    private var resolvedJobs: [Resolved?] = []
    private var resolvedTemplates: [String: Resolved] = [:]

    static func run(_ root: YMapping) -> DiagnosticSink {
        var c = GitLabChecks(root: root.mergedKeys())
        c.check()
        return c.sink
    }

    private init(root: YMapping) { self.root = root }

    // MARK: Keyword tables

    static let topKeywords: Set<String> = [
        "default", "include", "stages", "variables", "workflow", "image", "services", "before_script",
        "after_script", "cache", "types", "spec", "$schema",
    ]
    static let jobKeywords: Set<String> = [
        "script", "before_script", "after_script", "stage", "type", "image", "services", "needs", "dependencies",
        "rules", "only", "except", "when", "start_in", "allow_failure", "artifacts", "cache", "environment",
        "extends", "tags", "variables", "parallel", "trigger", "retry", "timeout", "interruptible",
        "resource_group", "coverage", "release", "pages", "secrets", "id_tokens", "inherit", "hooks", "identity",
        "manual_confirmation", "dast_configuration", "run", "inputs", "publish",
    ]
    static let defaultKeywords: Set<String> = [
        "after_script", "artifacts", "before_script", "hooks", "cache", "image", "interruptible", "id_tokens",
        "identity", "retry", "services", "tags", "timeout",
    ]
    static let jobWhen = ["on_success", "on_failure", "always", "manual", "delayed"]
    static let ruleWhen = ["on_success", "on_failure", "always", "never", "manual", "delayed"]
    static let ruleKeys: Set<String> = ["if", "changes", "exists", "variables", "when", "start_in", "allow_failure",
                                         "needs", "interruptible"]
    static let workflowRuleKeys: Set<String> = ["if", "changes", "exists", "variables", "when", "auto_cancel"]
    static let artifactsKeys: Set<String> = ["paths", "exclude", "expose_as", "name", "untracked", "when", "access",
                                             "public", "expire_in", "reports"]
    static let reportKeys: Set<String> = [
        "accessibility", "annotations", "api_fuzzing", "junit", "browser_performance", "coverage_report",
        "coverage_fuzzing", "codequality", "dotenv", "lsif", "sast", "dependency_scanning", "container_scanning",
        "dast", "license_management", "license_scanning", "requirements", "secret_detection", "metrics",
        "terraform", "cyclonedx", "sarif", "load_performance", "repository_xray", "performance",
    ]
    static let cacheKeys: Set<String> = ["key", "paths", "policy", "unprotect", "untracked", "when", "fallback_keys"]
    static let environmentKeys: Set<String> = ["name", "url", "on_stop", "action", "auto_stop_in", "kubernetes",
                                               "deployment_tier"]
    static let imageKeys: Set<String> = ["name", "entrypoint", "docker", "kubernetes", "pull_policy"]
    static let serviceKeys: Set<String> = ["name", "entrypoint", "docker", "kubernetes", "pull_policy", "command",
                                           "alias", "variables"]
    static let triggerKeys: Set<String> = ["project", "branch", "strategy", "include", "forward", "inputs"]
    static let retryWhen: Set<String> = [
        "always", "unknown_failure", "script_failure", "api_failure", "stuck_or_timeout_failure",
        "stuck_pending_with_matching_runners", "stuck_pending_no_matching_runners", "no_updates_running",
        "no_updates_canceling", "runner_system_failure", "runner_configuration_error",
        "runner_external_dependency_failure", "runner_interrupted", "runner_unsupported", "stale_schedule",
        "job_execution_timeout", "server_timeout_running", "server_timeout_canceling", "archived_failure",
        "unmet_prerequisites", "scheduler_failure", "data_integrity_failure",
    ]
    static let releaseKeys: Set<String> = ["tag_name", "tag_message", "name", "description", "ref", "milestones",
                                           "released_at", "assets"]
    static let includeKeys: Set<String> = ["local", "project", "file", "ref", "template", "remote", "component",
                                           "rules", "inputs", "integrity", "cache"]
    static let includeSources = ["local", "project", "template", "remote", "component"]
    static let variableKeys: Set<String> = ["value", "description", "options", "expand"]
    static let defaultStages = ["build", "test", "deploy"]
    static let defaultStageNames = [".pre", "build", "test", "deploy", ".post"]
    static let workflowKeys: Set<String> = ["name", "rules", "auto_cancel"]
    static let specKeys: Set<String> = ["inputs", "include", "component"]
    static let alwaysNever = ["always", "never"]
    static let includeRuleKeys: Set<String> = ["if", "exists", "changes", "when"]
    static let pullPolicies = ["always", "never", "if-not-present"]
    static let needKeys: Set<String> = ["job", "artifacts", "optional", "parallel", "pipeline", "project", "ref"]
    static let changesKeys: Set<String> = ["paths", "compare_to"]
    static let existsKeys: Set<String> = ["paths", "project", "ref"]
    static let autoCancelKeys: Set<String> = ["on_new_commit", "on_job_failure"]
    static let onNewCommit = ["conservative", "interruptible", "none"]
    static let onJobFailure = ["none", "all"]
    static let filterKeys: Set<String> = ["refs", "variables", "changes", "kubernetes"]
    static let exitCodesKeys: Set<String> = ["exit_codes"]
    static let artifactsWhen = ["on_success", "on_failure", "always"]
    static let artifactsAccess = ["none", "developer", "maintainer", "all"]
    static let cachePolicies = ["pull", "push", "pull-push"]
    static let cacheKeyKeys: Set<String> = ["files", "prefix", "files_commits"]
    static let environmentActions = ["start", "prepare", "stop", "verify", "access"]
    static let deploymentTiers = ["production", "staging", "testing", "development", "other"]
    static let matrixKeys: Set<String> = ["matrix"]
    static let triggerStrategies = ["depend", "mirror"]
    static let forwardKeys: Set<String> = ["yaml_variables", "pipeline_variables"]
    static let retryKeys: Set<String> = ["max", "when", "exit_codes"]
    static let pagesKeys: Set<String> = ["path_prefix", "expire_in", "publish"]
    static let inheritKeys: Set<String> = ["default", "variables"]
    static let hooksKeys: Set<String> = ["pre_get_sources_script"]
    static let dastKeys: Set<String> = ["site_profile", "scanner_profile"]
    static let identities = ["google_cloud"]
    static let activeOnly = ["active"]

    /// Cross-references that an included file could satisfy are warnings when the file includes any.
    private var refSeverity: Diagnostic.Severity { hasIncludes ? .warning : .error }
    private var notHere: String { hasIncludes ? "not defined in this file (nor checked in its includes)" : "not defined" }

    // MARK: Top level

    private mutating func check() {
        hasIncludes = root["include"].map { !($0.scalar?.isYAMLNull ?? false) } ?? false
        // At most one job per top-level key: room for all at once (growing allocated three times
        // for a file of four jobs).
        jobs.reserveCapacity(root.pairs.count)
        jobNames.reserveCapacity(root.pairs.count)
        for p in root.pairs {
            let name = p.key.value
            if name.hasPrefix(".") {
                if let m = p.value.mapping { templates[name] = m.mergedKeys() }
                continue
            }
            if Self.isTopKeyword(name) { checkTopKeyword(p.key, p.value); continue }
            guard let m = p.value.mapping else {
                var hint = hint(name, among: Self.topKeywords)
                if hint.isEmpty, p.value.scalar?.isYAMLNull ?? false { hint = " (an empty job; give it a 'script')" }
                sink.error(p.value.scalar?.isYAMLNull ?? false ? p.key.pos : p.value.pos,
                           "job '\(name)' must be a mapping of job keywords, not \(p.value.kindName)\(hint)")
                continue
            }
            jobs.append((p.key, m.mergedKeys()))
            jobNames.append(name)
        }
        if jobs.count > Self.scanLimit {
            jobIndex.reserveCapacity(jobs.count)
            for (i, name) in jobNames.enumerated() { jobIndex[name] = i }
        }
        resolvedJobs = Array(repeating: nil, count: jobs.count)
        setUpStages()
        // A template is only a job's body once a job extends it; before that GitLab ignores it,
        // and so do we (hidden keys also hold plain data for anchors and `!reference`).
        if !templates.isEmpty {
            var usedTemplates = Set<String>()
            for i in jobs.indices { collectTemplates(of: jobs[i].map, into: &usedTemplates, depth: 0) }
            if !usedTemplates.isEmpty {
                for (name, m) in templates.sorted(by: { $0.value.pos < $1.value.pos }) where usedTemplates.contains(name) {
                    checkJobKeys(m, owner: "'\(name)'")
                }
            }
        }
        for i in jobs.indices { checkJobKeys(jobs[i].map, owner: "job '\(jobNames[i])'", isJob: true) }
        for i in jobs.indices { checkJobAsResolved(jobs[i].key) }
        checkNeedsGraph()
    }

    /// Up to this many jobs or stages, a name is found by scanning rather than through a table.
    private static let scanLimit = 12

    /// The number of the last visible job called `name` (as a table filled in file order gives).
    private func jobNumber(_ name: String) -> Int? {
        if jobs.count > Self.scanLimit { return jobIndex[name] }
        var i = jobNames.count
        while i > 0 {
            i -= 1
            if jobNames[i] == name { return i }
        }
        return nil
    }

    /// The number of the first stage called `name`.
    private func stageNumber(_ name: String) -> Int? {
        if stageNames.count > Self.scanLimit { return stageOrder[name] }
        for i in stageNames.indices where stageNames[i] == name { return i }
        return nil
    }

    private mutating func checkTopKeyword(_ key: YScalar, _ value: YNode) {
        if value.isReference { checkReference(value); return }
        switch key.value {
        case "default":
            guard let m = mapping(value, "'default'") else { return }
            checkJobKeys(m.mergedKeys(), owner: "'default'", inDefault: true)
        case "include": checkInclude(value)
        case "stages", "types":
            if key.value == "types" { sink.warning(key.pos, "'types' is deprecated; use 'stages'") }
            checkStringList(value, "'\(key.value)'")
        case "variables": checkVariables(value, owner: "the top level")
        case "workflow": checkWorkflow(value)
        case "spec":
            // `spec:` belongs to a header document (before `---`); here, with job keys, it was
            // meant as a job, which GitLab no longer allows under that name.
            guard let m = mapping(value, "'spec'") else { return }
            checkKeys(m, Self.specKeys, "'spec'")
        case "$schema": break
        default: checkJobValue(key, value, owner: "the top level")
        }
    }

    private mutating func setUpStages() {
        if let v = root["stages"] ?? root["types"], !v.isReference {
            declaresStages = true
            var names: [String] = [".pre"]
            Self.flattenStages(v, into: &names)
            names.append(".post")
            stageNames = names
        } else {
            stageNames = Self.defaultStageNames
        }
        if stageNames.count > Self.scanLimit {
            for (i, s) in stageNames.enumerated() where stageOrder[s] == nil { stageOrder[s] = i }
        }
    }

    /// The names of a `stages:` list (lists nested by anchors flattened), but `.pre` and `.post`.
    private static func flattenStages(_ n: YNode, into names: inout [String]) {
        switch n {
        case .scalar(let s):
            if !s.isYAMLNull, s.value != ".pre", s.value != ".post" { names.append(s.value) }
        case .sequence(let q):
            for item in q.items { flattenStages(item, into: &names) }
        case .mapping: break
        }
    }

    // MARK: Keys of jobs, templates and default

    /// The keys of a job or template, or of `default` (`inDefault`).
    private mutating func checkJobKeys(_ m: YMapping, owner: String, inDefault: Bool = false, isJob: Bool = false) {
        for p in m.pairs {
            let k = p.key.value
            guard inDefault ? Self.isDefaultKeyword(k) : Self.isJobKeyword(k) else {
                let allowed = inDefault ? Self.defaultKeywords : Self.jobKeywords
                var msg = "unknown key '\(k)' in \(owner)"
                if let s = suggest(k, among: allowed) {
                    msg += " (did you mean '\(s)'?)"
                } else if Self.isJobKeyword(k) {
                    msg += " ('\(k)' cannot be set in 'default')"
                } else if Self.isTopKeyword(k) {
                    msg += " ('\(k)' belongs at the top level)"
                }
                sink.error(p.key.pos, msg)
                continue
            }
            if k == "type" { sink.warning(p.key.pos, "'type' is deprecated; use 'stage'") }
            checkJobValue(p.key, p.value, owner: owner)
        }
        // GitLab deep-merges mappings along `extends`, so a required key may come from a parent.
        if isJob, m["extends"] == nil {
            if let v = m["environment"], let vm = v.mapping, vm.mergedKeys()["name"] == nil {
                sink.error(v.pos, "'environment' of \(owner) has no 'name'")
            }
            if let v = m["image"], let vm = v.mapping, vm.mergedKeys()["name"] == nil { sink.error(v.pos, "'image' of \(owner) has no 'name'") }
        }
        if let only = m.pair("only") ?? m.pair("except"), m["rules"] != nil {
            sink.error(only.key.pos, "'\(only.key.value)' cannot be used together with 'rules' in \(owner)")
        }
    }

    /// The value of one job keyword (also a top-level default such as `image`).
    private mutating func checkJobValue(_ key: YScalar, _ v: YNode, owner: String) {
        if v.isReference { checkReference(v); return }
        // Captures two strings, not the key (a closure copies what it captures).
        let keyName = key.value
        func what() -> String { "'\(keyName)' of \(owner)" }
        switch key.value {
        case "script": checkScript(v, what(), allowEmpty: false)
        case "before_script", "after_script": checkScript(v, what(), allowEmpty: true)
        case "stage", "type", "start_in", "resource_group", "coverage", "manual_confirmation", "publish":
            _ = string(v, what())
        case "timeout":
            // The schema wants text; GitLab's own duration parser is laxer, so this is only a warning.
            if let s = string(v, what()), s.style == .plain, Int(s.value) != nil {
                sink.warning(v.pos, "\(what()) should be a duration such as '1h 30m', not a bare number")
            }
        case "identity": oneOf(v, what(), Self.identities)
        case "when": oneOf(v, what(), Self.jobWhen, note: key.value == "when" && v.string == "never"
                           ? " ('never' is only allowed inside 'rules')" : "")
        case "interruptible": bool(v, what())
        case "image":
            // Jobs and templates may get the image's name from a parent through `extends`.
            checkImage(v, what(), requireName: !(owner.hasPrefix("job '") || owner.hasPrefix("'.")))
        case "services": checkServices(v, what())
        case "needs": checkNeedsShape(v, what())
        case "dependencies": checkStringList(v, what())
        case "tags": checkStringList(v, what(), nested: true)
        case "extends": checkStringList(v, what(), allowScalar: true)
        case "rules": checkRules(v, what(), owner: owner, keys: Self.ruleKeys, isKey: Self.isRuleKey, when: Self.ruleWhen)
        case "only", "except": checkFilter(v, what())
        case "allow_failure": checkAllowFailure(v, what())
        case "artifacts": checkArtifacts(v, what())
        case "cache": checkCache(v, what())
        case "environment": checkEnvironment(v, what())
        case "variables": checkVariables(v, owner: owner)
        case "parallel": checkParallel(v, what())
        case "trigger": checkTrigger(v, what())
        case "retry": checkRetry(v, what())
        case "release":
            guard let m = mapping(v, what()) else { return }
            checkKeys(m, Self.releaseKeys, what())
        case "pages":
            if v.nonNullScalar?.bool != nil { return }
            guard let m = mapping(v, what(), expected: "true, false or a mapping") else { return }
            checkKeys(m, Self.pagesKeys, what())
        case "inherit":
            guard let m = mapping(v, what()) else { return }
            checkKeys(m, Self.inheritKeys, what())
            for p in m.pairs where p.value.nonNullScalar?.bool == nil {
                checkStringList(p.value, "'inherit:\(p.key.value)' of \(owner)", expected: "true, false or a list of names")
            }
        case "hooks":
            guard let m = mapping(v, what()) else { return }
            checkKeys(m, Self.hooksKeys, what())
            if let s = m["pre_get_sources_script"] { checkScript(s, "'hooks:pre_get_sources_script' of \(owner)", allowEmpty: true) }
        case "dast_configuration":
            guard let m = mapping(v, what()) else { return }
            checkKeys(m, Self.dastKeys, what())
        case "secrets", "id_tokens", "inputs": _ = mapping(v, what())
        case "run": if v.sequence == nil { sink.error(v.pos, "\(what()) must be a list of steps, not \(v.kindName)") }
        default: break
        }
    }

    // MARK: Value shapes

    private mutating func checkScript(_ v: YNode, _ what: @autoclosure () -> String, allowEmpty: Bool) {
        switch v {
        case .scalar(let s):
            if s.isYAMLNull || (!allowEmpty && s.value.isEmpty) {
                if !allowEmpty { sink.error(v.pos, "\(what()) is empty; give it at least one command") }
            }
        case .sequence(let q):
            if q.items.isEmpty, !allowEmpty { sink.error(v.pos, "\(what()) is an empty list; give it at least one command") }
            checkScriptItems(q, what(), depth: 0)
        case .mapping:
            sink.error(v.pos, "\(what()) must be a string or a list of strings, not a mapping")
        }
    }

    private mutating func checkScriptItems(_ q: YSequence, _ what: @autoclosure () -> String, depth: Int) {
        for item in q.items {
            if item.isReference { checkReference(item); continue }
            switch item {
            case .scalar: continue
            case .sequence(let inner) where depth < 10: checkScriptItems(inner, what(), depth: depth + 1)
            case .sequence: sink.error(item.pos, "\(what()) nests lists more than 10 levels deep")
            case .mapping(let m):
                // `- echo key: value` parses as a mapping; the usual fix is quoting the line.
                let first = m.pairs.first.map { "'\($0.key.value): …'" } ?? "this item"
                sink.error(item.pos, "\(what()) has a mapping item (\(first)); quote a command that contains ': '")
            }
        }
    }

    private mutating func checkImage(_ v: YNode, _ what: @autoclosure () -> String, requireName: @autoclosure () -> Bool) {
        if v.scalar != nil { _ = string(v, what()); return }
        guard let m = mapping(v, what(), expected: "an image name or a mapping with 'name'") else { return }
        checkKeys(m, Self.imageKeys, what())
        // In a job or template, 'name' may come from a parent through `extends` (checkJobKeys).
        if m["name"] == nil, requireName() { sink.error(v.pos, "\(what()) has no 'name'") }
        if let pp = m["pull_policy"] { checkPullPolicy(pp, what()) }
    }

    private mutating func checkPullPolicy(_ v: YNode, _ what: @autoclosure () -> String) {
        let allowed = Self.pullPolicies
        if v.sequence != nil {
            for item in v.sequence!.items { oneOf(item, "'pull_policy' of \(what())", allowed) }
        } else {
            oneOf(v, "'pull_policy' of \(what())", allowed)
        }
    }

    private mutating func checkServices(_ v: YNode, _ what: @autoclosure () -> String) {
        guard let q = list(v, what()) else { return }
        for item in q.items {
            if item.isReference { checkReference(item); continue }
            if item.scalar != nil { _ = string(item, "a service in \(what())"); continue }
            guard let m = mapping(item, "a service in \(what())", expected: "an image name or a mapping with 'name'") else { continue }
            checkKeys(m, Self.serviceKeys, "a service in \(what())")
            if m["name"] == nil { sink.error(item.pos, "a service in \(what()) has no 'name'") }
            if let c = m["command"] { checkScript(c, "'command' of a service in \(what())", allowEmpty: true) }
            if let e = m["entrypoint"] { checkScript(e, "'entrypoint' of a service in \(what())", allowEmpty: true) }
            if let vars = m["variables"] { checkVariables(vars, owner: "a service in \(what())") }
            if let pp = m["pull_policy"] { checkPullPolicy(pp, "a service in \(what())") }
        }
    }

    private mutating func checkNeedsShape(_ v: YNode, _ what: @autoclosure () -> String) {
        guard let q = list(v, what()) else { return }
        for item in q.items {
            if item.isReference { checkReference(item); continue }
            switch item {
            case .scalar(let s):
                if s.isYAMLNull { sink.error(item.pos, "\(what()) has an empty entry") }
            case .mapping(let m):
                checkKeys(m, Self.needKeys, "an entry of \(what())")
                if let job = m["job"] { _ = string(job, "'job' in \(what())") } else {
                    sink.error(item.pos, "an entry of \(what()) has no 'job'")
                }
                if let a = m["artifacts"] { bool(a, "'artifacts' in \(what())") }
                if let o = m["optional"] { bool(o, "'optional' in \(what())") }
                if let p = m["parallel"] { checkParallel(p, "'parallel' in \(what())", matrixOnly: true) }
            case .sequence:
                sink.error(item.pos, "an entry of \(what()) must be a job name or a mapping with 'job', not a list")
            }
        }
    }

    private mutating func checkRules(_ v: YNode, _ what: @autoclosure () -> String, owner: @autoclosure () -> String, keys: Set<String>,
                                    isKey: (String) -> Bool, when: [String]) {
        if v.scalar?.isYAMLNull ?? false { return }
        guard let q = list(v, what()) else { return }
        for (i, item) in q.items.enumerated() {
            if item.isReference { checkReference(item); continue }
            func rule() -> String { "rule \(i + 1) of \(owner())" }
            guard let m = mapping(item, rule()) else { continue }
            let m2 = m  // `mapping` merged it already
            checkKeys(m2, keys, rule(), isAllowed: isKey)
            for p in m2.pairs {
                let keyName = p.key.value
                func w() -> String { "'\(keyName)' in \(rule())" }
                if p.value.isReference { checkReference(p.value); continue }
                switch p.key.value {
                case "if": _ = string(p.value, w())
                case "when": oneOf(p.value, w(), when)
                case "start_in": _ = string(p.value, w())
                case "allow_failure", "interruptible": bool(p.value, w())
                case "variables": checkVariables(p.value, owner: rule())
                case "changes", "exists":
                    if let cm = p.value.mapping {
                        checkKeys(cm, p.key.value == "changes" ? Self.changesKeys : Self.existsKeys, w())
                        if cm["paths"] == nil { sink.error(p.value.pos, "\(w()) has no 'paths'") }
                        if let paths = cm["paths"] { checkStringList(paths, "'paths' of \(w())") }
                    } else {
                        checkStringList(p.value, w(), allowScalar: true)
                    }
                case "needs": checkNeedsShape(p.value, w())
                case "auto_cancel": checkAutoCancel(p.value, w())
                default: break
                }
            }
            if m2["when"]?.string == "delayed", m2["start_in"] == nil {
                sink.error(item.pos, "\(rule()) is 'when: delayed' but has no 'start_in'")
            }
        }
    }

    private mutating func checkAutoCancel(_ v: YNode, _ what: @autoclosure () -> String) {
        guard let m = mapping(v, what()) else { return }
        checkKeys(m, Self.autoCancelKeys, what())
        if let x = m["on_new_commit"] { oneOf(x, "'on_new_commit' of \(what())", Self.onNewCommit) }
        if let x = m["on_job_failure"] { oneOf(x, "'on_job_failure' of \(what())", Self.onJobFailure) }
    }

    private mutating func checkFilter(_ v: YNode, _ what: @autoclosure () -> String) {
        switch v {
        case .scalar, .sequence: checkStringList(v, what(), allowScalar: true)
        case .mapping(let m):
            checkKeys(m, Self.filterKeys, what())
            for p in m.pairs where p.key.value != "kubernetes" { checkStringList(p.value, "'\(p.key.value)' of \(what())", allowScalar: true) }
            if let k = m["kubernetes"] { oneOf(k, "'kubernetes' of \(what())", Self.activeOnly) }
        }
    }

    private mutating func checkAllowFailure(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.nonNullScalar?.bool != nil { return }
        guard let m = mapping(v, what(), expected: "true, false or a mapping with 'exit_codes'") else { return }
        checkKeys(m, Self.exitCodesKeys, what())
        guard let codes = m["exit_codes"] else { sink.error(v.pos, "\(what()) has no 'exit_codes'"); return }
        checkIntOrIntList(codes, "'exit_codes' of \(what())")
    }

    private mutating func checkIntOrIntList(_ v: YNode, _ what: @autoclosure () -> String) {
        let items = v.sequence?.items ?? [v]
        for item in items where item.scalar?.int == nil {
            sink.error(item.pos, "\(what()) must be an exit code or a list of exit codes, not \(describe(item))")
        }
    }

    private mutating func checkArtifacts(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.scalar?.isYAMLNull ?? false { return }
        guard let m = mapping(v, what()) else { return }
        let m2 = m  // `mapping` merged it already
        checkKeys(m2, Self.artifactsKeys, what())
        for p in m2.pairs {
            let keyName = p.key.value
            func w() -> String { "'\(keyName)' of \(what())" }
            if p.value.isReference { checkReference(p.value); continue }
            switch p.key.value {
            case "paths", "exclude": checkStringList(p.value, w())
            case "when": oneOf(p.value, w(), Self.artifactsWhen)
            case "access": oneOf(p.value, w(), Self.artifactsAccess)
            case "untracked", "public": bool(p.value, w())
            case "name", "expire_in", "expose_as": _ = string(p.value, w())
            case "reports":
                guard let r = mapping(p.value, w()) else { continue }
                checkKeys(r, Self.reportKeys, w())
            default: break
            }
        }
    }

    private mutating func checkCache(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.scalar?.isYAMLNull ?? false { return }
        if let q = v.sequence {
            for item in q.items {
                if item.isReference { checkReference(item); continue }
                checkCacheItem(item, what())
            }
        } else {
            checkCacheItem(v, what())
        }
    }

    private mutating func checkCacheItem(_ v: YNode, _ what: @autoclosure () -> String) {
        guard let m = mapping(v, what(), expected: "a mapping or a list of mappings") else { return }
        let m2 = m  // `mapping` merged it already
        checkKeys(m2, Self.cacheKeys, what())
        for p in m2.pairs {
            let keyName = p.key.value
            func w() -> String { "'\(keyName)' of \(what())" }
            if p.value.isReference { checkReference(p.value); continue }
            switch p.key.value {
            case "paths", "fallback_keys": checkStringList(p.value, w())
            case "when": oneOf(p.value, w(), Self.artifactsWhen)
            case "policy":
                // A variable such as $CACHE_POLICY is expanded at run time.
                if let s = p.value.string, s.hasPrefix("$") { continue }
                oneOf(p.value, w(), Self.cachePolicies)
            case "untracked", "unprotect": bool(p.value, w())
            case "key":
                if let km = p.value.mapping {
                    checkKeys(km, Self.cacheKeyKeys, w())
                    if let f = km["files"] { checkStringList(f, "'files' of \(w())") }
                } else {
                    _ = string(p.value, w())
                }
            default: break
            }
        }
    }

    private mutating func checkEnvironment(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.scalar != nil { _ = string(v, what()); return }
        guard let m = mapping(v, what(), expected: "a name or a mapping with 'name'") else { return }
        checkKeys(m, Self.environmentKeys, what())
        if let a = m["action"] { oneOf(a, "'action' of \(what())", Self.environmentActions) }
        if let t = m["deployment_tier"] {
            oneOf(t, "'deployment_tier' of \(what())", Self.deploymentTiers)
        }
        if let x = m["name"] { _ = string(x, "'name' of \(what())") }
        if let x = m["url"] { _ = string(x, "'url' of \(what())") }
        if let x = m["on_stop"] { _ = string(x, "'on_stop' of \(what())") }
        if let x = m["auto_stop_in"] { _ = string(x, "'auto_stop_in' of \(what())") }
    }

    private mutating func checkVariables(_ v: YNode, owner: @autoclosure () -> String) {
        if v.scalar?.isYAMLNull ?? false { return }
        guard let m = mapping(v, "'variables' of \(owner())") else { return }
        for p in m.pairs {  // `mapping` merged it already
            switch p.value {
            case .scalar: continue
            case .mapping(let vm):
                checkKeys(vm, Self.variableKeys, "variable '\(p.key.value)' of \(owner())", isAllowed: Self.isVariableKey)
                if let o = vm["options"] { checkStringList(o, "'options' of variable '\(p.key.value)'") }
                if let e = vm["expand"] { bool(e, "'expand' of variable '\(p.key.value)'") }
            case .sequence:
                if p.value.isReference { checkReference(p.value); continue }
                sink.error(p.value.pos, "variable '\(p.key.value)' of \(owner()) must be a string or a mapping with 'value', not a list")
            }
        }
    }

    private mutating func checkParallel(_ v: YNode, _ what: @autoclosure () -> String, matrixOnly: Bool = false) {
        if !matrixOnly, let s = v.nonNullScalar {
            if ValidationSupport.hasInput(s.value) { return }
            guard let n = s.int else {
                sink.error(v.pos, "\(what()) must be a number from 1 to 200 or a mapping with 'matrix', not \(describe(v))")
                return
            }
            if n < 1 || n > 200 { sink.error(v.pos, "\(what()) must be from 1 to 200, not \(n)") }
            return
        }
        guard let m = mapping(v, what(), expected: matrixOnly ? "a mapping with 'matrix'" : "a number or a mapping with 'matrix'") else { return }
        checkKeys(m, Self.matrixKeys, what())
        guard let matrix = m["matrix"] else { sink.error(v.pos, "\(what()) has no 'matrix'"); return }
        if matrix.isReference { checkReference(matrix); return }
        guard let q = list(matrix, "'matrix' of \(what())") else { return }
        if q.items.count > 200 { sink.error(matrix.pos, "'matrix' of \(what()) has \(q.items.count) entries; at most 200 are allowed") }
        for item in q.items {
            if item.isReference { checkReference(item); continue }
            guard let row = mapping(item, "an entry of 'matrix' of \(what())") else { continue }
            for p in row.mergedKeys().pairs {
                if p.value.mapping != nil {
                    sink.error(p.value.pos, "matrix variable '\(p.key.value)' must be a value or a list of values, not a mapping")
                } else if let vals = p.value.sequence {
                    for x in vals.items where x.scalar == nil && !x.isReference {
                        sink.error(x.pos, "matrix variable '\(p.key.value)' must list plain values, not \(x.kindName)")
                    }
                }
            }
        }
    }

    private mutating func checkTrigger(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.scalar != nil { _ = string(v, what()); return }
        guard let m = mapping(v, what(), expected: "a project path or a mapping") else { return }
        checkKeys(m, Self.triggerKeys, what())
        if m["project"] == nil, m["include"] == nil { sink.error(v.pos, "\(what()) needs 'project' or 'include'") }
        if m["project"] != nil, m["include"] != nil { sink.error(v.pos, "\(what()) cannot have both 'project' and 'include'") }
        if let s = m["strategy"] { oneOf(s, "'strategy' of \(what())", Self.triggerStrategies) }
        if let f = m["forward"], let fm = mapping(f, "'forward' of \(what())") {
            checkKeys(fm, Self.forwardKeys, "'forward' of \(what())")
            for p in fm.pairs { bool(p.value, "'\(p.key.value)' of 'forward' of \(what())") }
        }
        if let inc = m["include"], inc.scalar == nil { checkInclude(inc, what: "'include' of \(what())", child: true) }
    }

    private mutating func checkRetry(_ v: YNode, _ what: @autoclosure () -> String) {
        if let s = v.nonNullScalar {
            guard let n = s.int, (0...2).contains(n) else {
                sink.error(v.pos, "\(what()) must be 0, 1 or 2, or a mapping with 'max', not \(describe(v))")
                return
            }
            return
        }
        guard let m = mapping(v, what(), expected: "0, 1, 2 or a mapping with 'max'") else { return }
        checkKeys(m, Self.retryKeys, what())
        if let mx = m["max"], !(mx.scalar?.int.map { (0...2).contains($0) } ?? false) {
            sink.error(mx.pos, "'max' of \(what()) must be 0, 1 or 2, not \(describe(mx))")
        }
        if let w = m["when"] {
            for item in w.sequence?.items ?? [w] {
                guard let s = item.nonNullScalar else { sink.error(item.pos, "'when' of \(what()) must list failure reasons"); continue }
                if !Self.retryWhen.contains(s.value) {
                    sink.error(item.pos, "unknown failure reason '\(s.value)' in 'when' of \(what())"
                               + hint(s.value, among: Self.retryWhen))
                }
            }
        }
        if let c = m["exit_codes"] { checkIntOrIntList(c, "'exit_codes' of \(what())") }
    }

    private mutating func checkInclude(_ v: YNode, what: @autoclosure () -> String = "'include'", child: Bool = false) {
        let items = v.sequence?.items ?? [v]
        for item in items {
            if item.isReference { checkReference(item); continue }
            if item.scalar != nil { _ = string(item, "an entry of \(what())"); continue }
            guard let m = mapping(item, "an entry of \(what())", expected: "a path or a mapping") else { continue }
            var keys = Self.includeKeys
            if child { keys.insert("artifact"); keys.insert("job") }
            checkKeys(m, keys, "an entry of \(what())")
            let sources = (Self.includeSources + (child ? ["artifact"] : [])).filter { m[$0] != nil }
            if sources.isEmpty {
                sink.error(item.pos, "an entry of \(what()) needs one of 'local', 'project', 'template', 'remote' or 'component'")
            } else if sources.count > 1 {
                sink.error(item.pos, "an entry of \(what()) has both '\(sources[0])' and '\(sources[1])'")
            }
            if m["project"] != nil, m["file"] == nil { sink.error(item.pos, "an entry of \(what()) with 'project' needs 'file'") }
            if let r = m["rules"] {
                checkRules(r, "'rules' of an entry of \(what())", owner: "an entry of \(what())", keys: Self.includeRuleKeys,
                           isKey: { Self.includeRuleKeys.contains($0) }, when: Self.alwaysNever)
            }
        }
    }

    private mutating func checkWorkflow(_ v: YNode) {
        guard let m = mapping(v, "'workflow'") else { return }
        checkKeys(m, Self.workflowKeys, "'workflow'")
        if let n = m["name"] { _ = string(n, "'workflow:name'") }
        if let r = m["rules"] { checkRules(r, "'workflow:rules'", owner: "'workflow'", keys: Self.workflowRuleKeys, isKey: Self.isWorkflowRuleKey,
                                                 when: Self.alwaysNever) }
        if let a = m["auto_cancel"] { checkAutoCancel(a, "'workflow:auto_cancel'") }
    }

    /// `!reference [job, key, …]`: a list of one to ten names whose first names a top-level entry.
    private mutating func checkReference(_ v: YNode) {
        guard let q = v.sequence, !q.items.isEmpty, q.items.count <= 10,
              q.items.allSatisfy({ $0.nonNullScalar != nil }) else {
            sink.error(v.pos, "'!reference' takes a list of one to ten names, such as [.setup, script]")
            return
        }
        let target = q.items[0].string!
        if rootKeys == nil { rootKeys = Set(root.keys) }
        if !rootKeys!.contains(target) {
            sink.add(q.items[0].pos, refSeverity, "'!reference' to '\(target)', which is \(notHere)"
                     + hint(target, among: root.keys))
        }
    }

    // MARK: Whole jobs, as `extends` resolves them

    /// A job's keys after `extends` (top-level keys only: enough for the rules checked on whole jobs).
    /// A mapping that extends nothing is its own table (the last of a repeated key wins, as when
    /// its pairs filled a table); one that extends others gets a table of its own.
    private struct Resolved {
        var own: YMapping?
        var values: [String: YMapping.Pair] = [:]
        /// False when some ancestor is not in this file, so missing keys prove nothing.
        var complete = true

        subscript(key: String) -> YMapping.Pair? {
            guard let own else { return values[key] }
            var i = own.pairs.count
            while i > 0 {
                i -= 1
                if own.pairs[i].key.value == key { return own.pairs[i] }
            }
            return nil
        }

        func has(_ key: String) -> Bool { self[key] != nil }

        /// Copies every key into `table`, later ones over earlier ones.
        func merge(into table: inout [String: YMapping.Pair]) {
            if let own {
                for p in own.pairs { table[p.key.value] = p }
            } else {
                table.merge(values) { _, new in new }
            }
        }
    }

    private func cachedResolution(_ name: String) -> Resolved? {
        if name.hasPrefix(".") { return resolvedTemplates[name] }
        guard let i = jobNumber(name) else { return nil }
        return resolvedJobs[i]
    }

    private mutating func cache(_ r: Resolved, as name: String) {
        if name.hasPrefix(".") {
            resolvedTemplates[name] = r
        } else if let i = jobNumber(name) {
            resolvedJobs[i] = r
        }
    }

    private mutating func resolve(_ name: String, _ m: YMapping, visiting: inout [String]) -> Resolved {
        if let r = cachedResolution(name) { return r }
        let ext = m.pair("extends")
        guard let ext, !ext.value.isReference else {
            // Nothing to merge: the mapping is its own table.
            let r = Resolved(own: m, complete: ext == nil)
            cache(r, as: name)
            return r
        }
        // The chain starts with the job itself; a job that extends nothing never allocates it.
        if visiting.isEmpty { visiting.append(name) }
        var r = Resolved()
        r.values.reserveCapacity(m.pairs.count)  // one table, not one per doubling
        let parents = ext.value.sequence?.items ?? [ext.value]
        for p in parents {
            guard let pname = p.nonNullScalar?.value else { r.complete = false; continue }
            if ValidationSupport.hasInput(pname) { r.complete = false; continue }
            if let i = visiting.firstIndex(of: pname) {
                let cycle = (visiting[i...] + [pname]).joined(separator: " → ")
                sink.error(p.pos, "'extends' cycle: \(cycle)")
                r.complete = false
                continue
            }
            guard let pm = templates[pname] ?? jobNumber(pname).map({ jobs[$0].map }) else {
                let others = (Array(templates.keys) + jobs.map(\.key.value)).filter { $0 != name }
                sink.add(p.pos, refSeverity, "'\(name)' extends '\(pname)', which is \(notHere)"
                         + hint(pname, among: others))
                r.complete = false
                continue
            }
            if visiting.count > 50 { r.complete = false; continue } // GitLab stops at 11 levels
            visiting.append(pname)
            let pr = resolve(pname, pm, visiting: &visiting)
            visiting.removeLast()
            // Later parents override earlier ones, as GitLab merges them.
            pr.merge(into: &r.values)
            r.complete = r.complete && pr.complete
        }
        for p in m.pairs { r.values[p.key.value] = p }
        cache(r, as: name)
        return r
    }

    private func stageOf(_ r: Resolved) -> (name: String, pos: SourcePos?)? {
        guard let p = r["stage"] ?? r["type"] else { return ("test", nil) }
        guard let s = p.value.nonNullScalar, !p.value.isReference, !ValidationSupport.hasInput(s.value) else { return nil }
        return (s.value, p.value.pos)
    }

    /// The stage number of a resolved job, when its stage is known and declared.
    private func stageNumber(of r: Resolved) -> Int? {
        guard let p = r["stage"] ?? r["type"] else { return stageNumber("test") }
        guard let s = p.value.nonNullScalar, !p.value.isReference, !ValidationSupport.hasInput(s.value) else { return nil }
        return stageNumber(s.value)
    }

    private mutating func checkJobAsResolved(_ key: YScalar) {
        let name = key.value
        let job = jobNumber(name)!
        let r: Resolved
        if let cached = resolvedJobs[job] {
            r = cached
        } else {
            var visiting: [String] = []  // `[name]`, made by `resolve` once a job extends something
            r = resolve(name, jobs[job].map, visiting: &visiting)
        }
        if !r.has("script"), !r.has("trigger"), !r.has("run"), r.complete {
            sink.add(key.pos, refSeverity, "job '\(name)' has no 'script', 'trigger' or 'run'"
                     + (hasIncludes ? " in this file" : ""))
        }
        if let t = r["trigger"], r.has("script") {
            sink.error(t.key.pos, "job '\(name)' has both 'trigger' and 'script'; a trigger job runs no script")
        }
        if let w = r["when"], let ws = w.value.string {
            if ws == "delayed", !r.has("start_in") {
                sink.error(w.value.pos, "job '\(name)' is 'when: delayed' but has no 'start_in'")
            }
            if ws != "delayed", Self.jobWhen.contains(ws), let si = r["start_in"] {
                sink.error(si.key.pos, "'start_in' of job '\(name)' only applies to 'when: delayed'")
            }
        }
        if let (stage, pos) = stageOf(r), stageNumber(stage) == nil, pos != nil || r.complete {
            let hint = hint(stage, among: stageNames)
            if let pos {
                // Name the job only when the stage is its own: an inherited one is reported once, at the template.
                let own = jobs[job].map["stage"]?.pos == pos || jobs[job].map["type"]?.pos == pos
                let subject = own ? "stage '\(stage)' of job '\(name)'" : "stage '\(stage)'"
                if declaresStages {
                    sink.add(pos, refSeverity, "\(subject) is not in 'stages'\(hint)")
                } else {
                    sink.warning(pos, "\(subject) is not a default stage, and this file has no 'stages'"
                                 + " (valid only when included by a file that declares it)\(hint)")
                }
            } else {
                sink.add(key.pos, refSeverity, "job '\(name)' has no 'stage', and the default stage 'test' is not in 'stages'")
            }
        }
    }

    private struct Need {
        var job: String
        var pos: SourcePos
        var optional: Bool
    }

    /// Needs on jobs of this project's pipeline (cross-project and parent-pipeline needs are skipped).
    private func needs(_ r: Resolved) -> [Need]? {
        guard let v = r["needs"]?.value, let q = v.sequence, !v.isReference else { return nil }
        var out: [Need] = []
        out.reserveCapacity(q.items.count)
        for item in q.items where !item.isReference {
            if let s = item.nonNullScalar {
                out.append(Need(job: s.value, pos: item.pos, optional: false))
            } else if let m = item.mapping, m["project"] == nil, m["pipeline"] == nil, let j = m["job"]?.nonNullScalar {
                out.append(Need(job: j.value, pos: j.pos, optional: m["optional"]?.scalar?.bool ?? false))
            }
        }
        return out
    }

    private mutating func checkNeedsGraph() {
        func names() -> [String] { jobNames }
        var hasEdge = false
        var onlyBackward = true  // every need on an earlier job: no cycle can close
        for i in jobs.indices {
            let jobName = jobNames[i]
            guard let r = cachedResolution(jobName) else { continue }
            let ns = needs(r)
            let deps = r["dependencies"]?.value.sequence
            if ns == nil, deps == nil { continue }
            let myStage = stageNumber(of: r)
            for n in ns ?? [] {
                if ValidationSupport.hasInput(n.job) { continue }
                guard let t = jobNumber(n.job) ?? jobNumber(baseName(n.job)) else {
                    if n.optional { continue }
                    let hidden = templates[n.job] != nil
                    let hint = hidden ? " (hidden jobs never run)" : hint(n.job, among: names())
                    sink.add(n.pos, hidden ? .error : refSeverity,
                             "job '\(jobName)' needs '\(n.job)', which is \(hidden ? "a hidden job" : notHere)\(hint)")
                    continue
                }
                hasEdge = true
                if t >= i { onlyBackward = false }
                if let mine = myStage, let tr = cachedResolution(jobNames[t]), let theirs = stageNumber(of: tr),
                   theirs > mine {
                    sink.error(n.pos, "job '\(jobName)' (stage '\(stageNames[mine])') needs '\(jobNames[t])', "
                               + "which is in the later stage '\(stageNames[theirs])'")
                }
            }
            // dependencies: a subset of needs when the job has needs, else jobs of earlier stages.
            guard let deps else { continue }
            let needed = ns.map { Set($0.map(\.job)) }
            for d in deps.items {
                guard let dn = d.nonNullScalar?.value, !d.isReference, !ValidationSupport.hasInput(dn) else { continue }
                guard let t = jobNumber(dn) ?? jobNumber(baseName(dn)) else {
                    sink.add(d.pos, refSeverity, "job '\(jobName)' depends on '\(dn)', which is \(notHere)"
                             + hint(dn, among: names()))
                    continue
                }
                if let needed {
                    if !needed.contains(dn) {
                        sink.error(d.pos, "job '\(jobName)' depends on '\(dn)', which is not in its 'needs'")
                    }
                } else if let mine = myStage, let tr = cachedResolution(jobNames[t]), let theirs = stageNumber(of: tr),
                          theirs >= mine {
                    // A later stage is an error; the same stage GitLab has accepted in some versions,
                    // but the artifacts are not there yet when the job starts.
                    let msg = "job '\(jobName)' depends on '\(dn)', which is not in an earlier stage"
                    if theirs > mine {
                        sink.error(d.pos, msg)
                    } else {
                        sink.warning(d.pos, msg + " (add it to 'needs' or move it to an earlier stage)")
                    }
                }
            }
        }
        if !hasEdge || onlyBackward { return }  // no cycle: jobs only need earlier ones
        // A cycle is possible: the same edges, in the same order, gathered now (most files need
        // only earlier jobs and never build the graph). Unknown names were reported above.
        var edges: [[(to: Int, pos: SourcePos)]] = Array(repeating: [], count: jobs.count)
        for i in jobs.indices {
            guard let r = cachedResolution(jobNames[i]), let ns = needs(r) else { continue }
            for n in ns {
                if ValidationSupport.hasInput(n.job) { continue }
                guard let t = jobNumber(n.job) ?? jobNumber(baseName(n.job)) else { continue }
                edges[i].append((t, n.pos))
            }
        }
        for c in needsCycles(edges, names: names()) { sink.error(c.pos, "'needs' cycle: \(c.cycle)") }
    }

    /// GitLab names parallel jobs "build 1/3"; a need may name one instance.
    private func baseName(_ s: String) -> String {
        guard let sp = s.lastIndex(of: " "), s[s.index(after: sp)...].utf8.contains(UInt8(ascii: "/")) else { return s }
        return String(s[..<sp])
    }

    private func collectTemplates(of m: YMapping, into used: inout Set<String>, depth: Int) {
        guard depth < 50, let ext = m["extends"] else { return }
        for p in ext.sequence?.items ?? [ext] {
            guard let n = p.string, let t = templates[n], used.insert(n).inserted else { continue }
            collectTemplates(of: t, into: &used, depth: depth + 1)
        }
        // A visible parent's own templates are reached when that job is visited.
    }

    // MARK: Primitive expectations

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
        for p in m.pairs where !allowed.contains(p.key.value) && p.key.value != "<<" {
            sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(what())" + hint(p.key.value, among: allowed))
        }
    }

    /// `checkKeys` with a faster membership test that answers as `allowed.contains`.
    private mutating func checkKeys(_ m: YMapping, _ allowed: Set<String>, _ what: @autoclosure () -> String,
                                    isAllowed: (String) -> Bool) {
        for p in m.pairs where !isAllowed(p.key.value) && p.key.value != "<<" {
            sink.error(p.key.pos, "unknown key '\(p.key.value)' in \(what())" + hint(p.key.value, among: allowed))
        }
    }

    private func describe(_ v: YNode) -> String {
        if let s = v.nonNullScalar { return "'\(s.value.count > 40 ? String(s.value.prefix(40)) + "…" : s.value)'" }
        return v.kindName
    }

    @discardableResult
    private mutating func string(_ v: YNode, _ what: @autoclosure () -> String) -> YScalar? {
        if v.isReference { checkReference(v); return nil }
        guard let s = v.nonNullScalar else {
            sink.error(v.pos, "\(what()) must be a string, not \(v.kindName)")
            return nil
        }
        return s
    }

    private mutating func bool(_ v: YNode, _ what: @autoclosure () -> String) {
        if v.isReference { checkReference(v); return }
        if v.nonNullScalar?.bool == nil { sink.error(v.pos, "\(what()) must be true or false, not \(describe(v))") }
    }

    private mutating func oneOf(_ v: YNode, _ what: @autoclosure () -> String, _ allowed: [String], note: String = "") {
        if v.isReference { checkReference(v); return }
        guard let s = string(v, what()) else { return }
        if ValidationSupport.hasInput(s.value) || allowed.contains(s.value) { return }
        let extra = note.isEmpty ? hint(s.value, among: allowed) : note
        sink.error(v.pos, "\(what()) must be one of \(allowed.joined(separator: ", ")), not '\(s.value)'\(extra)")
    }

    private mutating func mapping(_ v: YNode, _ what: @autoclosure () -> String, expected: String = "a mapping") -> YMapping? {
        if v.isReference { checkReference(v); return nil }
        guard let m = v.mapping else {
            sink.error(v.pos, "\(what()) must be \(expected), not \(v.kindName)")
            return nil
        }
        return m.mergedKeys()
    }

    private mutating func list(_ v: YNode, _ what: @autoclosure () -> String) -> YSequence? {
        if v.isReference { checkReference(v); return nil }
        guard let q = v.sequence else {
            sink.error(v.pos, "\(what()) must be a list, not \(v.kindName)")
            return nil
        }
        return q
    }

    /// A list of strings (lists nested by anchors flattened when `nested`), or one string when `allowScalar`.
    private mutating func checkStringList(_ v: YNode, _ what: @autoclosure () -> String, allowScalar: Bool = false, nested: Bool = true,
                                          expected: String? = nil) {
        if v.isReference { checkReference(v); return }
        switch v {
        case .scalar(let s):
            if allowScalar, !s.isYAMLNull { return }
            sink.error(v.pos, "\(what()) must be \(expected ?? "a list of strings"), not \(v.kindName)")
        case .mapping:
            sink.error(v.pos, "\(what()) must be \(expected ?? "a list of strings"), not a mapping")
        case .sequence(let q):
            for item in q.items {
                if item.isReference { checkReference(item); continue }
                if item.nonNullScalar != nil { continue }
                if nested, item.sequence != nil { checkStringList(item, what(), nested: false); continue }
                sink.error(item.pos, "\(what()) must list strings, not \(item.kindName)")
            }
        }
    }
}
