import Foundation

/// Writes the model as a GitHub Actions workflow.
///
/// GitLab semantics the output keeps: stage order becomes `needs:` (a job waits for the jobs of
/// earlier stages), the implicit clone becomes a checkout step, artifacts of earlier jobs are
/// downloaded, `before_script` and `script` share one shell, `after_script` runs whatever happened.
/// Every approximation is downgraded in the ledger and marked with a `# ciport:` comment.
public enum GitHubWriter {
    public static func write(_ p: Pipeline, options: ConvertOptions, ledger: inout Ledger) -> YOut {
        var w = GitHubWriting(p, options: options, ledger: ledger)
        let out = w.workflow()
        ledger = w.ledger
        return out
    }
}

/// The state of one write.
struct GitHubWriting {
    let p: Pipeline
    let options: ConvertOptions
    var ledger: Ledger
    /// Source job id → GitHub job id (`^[_a-zA-Z][a-zA-Z0-9_-]*$`, unique).
    var ids: [String: String] = [:]
    /// Ledger constructs whose fate the output already explains in a comment.
    var explained: Set<String> = []
    /// Jobs whose GitHub job has an `if:` that can skip it (dependents must not be skipped with them).
    var conditional: Set<String> = []
    /// Jobs moved from a plain base-OS image onto the hosted runner (their scripts get `sudo` for apt).
    var onRunner: Set<String> = []
    /// Jobs that run in a `container:` (where `${{ github.workspace }}` is the runner's path, not the container's).
    var containerJobs: Set<String> = []
    /// Per job on the runner: GitLab service host names that must resolve to localhost.
    var hostAliases: [String: [String]] = [:]
    /// Per job path: the names its scripts may use without `env:` (see `scriptDefinedNames`), and
    /// the number of that set in `nameSets`.
    var scriptNames: [String: (names: Set<String>, id: Int)] = [:]
    var nameSets: [Set<String>: Int] = [:]
    /// Pipeline variables a script may use as `$X` (see `scriptDefinedNames`), found on first use.
    var pipelineDefinedNames: Set<String>?
    /// `isSafeLineEnd` of script lines, by where they were written.
    var safeLineEnds: [SourcePos: (line: String, safe: Bool?)] = [:]
    /// Which of the words `job` looks for each script line mentions (bits), by where it was written.
    var scriptMentions: [SourcePos: (line: String, words: UInt8)] = [:]
    /// `hostedRunner(forBaseImage:)` per image name.
    var hostedRunners: [String: (label: String, exact: Bool)?] = [:]
    /// `shellAssignedNames` of runs of script lines already scanned, by the lines' positions.
    var shellNames: [[SourcePos]: (lines: ArraySlice<String>, names: [String])] = [:]
    /// Script lines already translated, per line and set of defined names, and per line and the
    /// defined names it refers to.
    var scriptLines: [ScriptLineKey: (line: String, translation: ScriptLineTranslation)] = [:]
    var scriptLinesByReferences: [ScriptLineReferenceKey: ScriptLineTranslation] = [:]
    var scriptLinesByPositionAndReferences: [ScriptLineReferenceKey: (line: String, translation: ScriptLineTranslation)] = [:]
    /// The `$` names of each script line (nil: the line has no `$`), by where it was written.
    var scriptLineReferences: [SourcePos: (line: String, references: [String]?)] = [:]
    /// Rule conditions already translated, per condition and the values of the variables they depend on
    /// (workflow rules are asked once per job); `preparedRules` is the part before those values.
    var ruleExpressions: [RuleKey: RuleExpression] = [:]
    var preparedRules: [String: PreparedRule] = [:]
    /// GitLab rule conditions already translated by `Expressions`, before the job's variables apply.
    var conditionTranslations: [String: Expressions.ConditionResult] = [:]
    /// GitHub `if:` expressions already checked (jobs share the workflow's rules), with their error.
    var syntaxErrors: [String: ExpressionError?] = [:]
    /// Long before_scripts that more than one job runs (`sharesLongBeforeScript`), found on first use.
    var sharedBeforeScripts: Set<[BeforeLine]>?
    /// The texts of the steps that save them, with their anchor and the job that writes each in full.
    var beforeScriptAnchors: [(lines: [String], anchor: String, job: String)] = []
    /// Each stage's position in `stageList()` (its first), and how many there are.
    var stageIndexes: [String: Int] = [:]
    var stageCount = 0

    init(_ p: Pipeline, options: ConvertOptions, ledger: Ledger) {
        self.p = p
        self.options = options
        self.ledger = ledger
        var used = Set<String>()
        for j in p.jobs {
            let id = GitHubWriting.jobID(j.id, used: used)
            used.insert(id)
            ids[j.id] = id
        }
        let stages = stageList()
        stageCount = stages.count
        for (i, s) in stages.enumerated() where stageIndexes[s] == nil { stageIndexes[s] = i }
    }

    /// `Expressions.syntaxError` for a GitHub `if:`, once per distinct expression.
    mutating func githubSyntaxError(_ e: String) -> ExpressionError? {
        if let known = syntaxErrors[e] { return known }
        let err = Expressions.syntaxError(in: e, dialect: .github)
        syntaxErrors[e] = .some(err)
        return err
    }

    /// A GitHub job id for a GitLab job name (`test:unit` → `test-unit`, `build image` → `build-image`).
    static func jobID(_ name: String, used: Set<String>) -> String {
        // ASCII letters, digits, `_` and `-` stay; anything else becomes `-`; runs of `-` become
        // one, and none leads or trails.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for u in name.unicodeScalars {
            let keep = u.isASCII && (("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u) || u == "_")
            let b: UInt8 = keep ? UInt8(u.value) : UInt8(ascii: "-")
            if b == UInt8(ascii: "-"), bytes.isEmpty || bytes.last == UInt8(ascii: "-") { continue }
            bytes.append(b)
        }
        if bytes.last == UInt8(ascii: "-") { bytes.removeLast() }
        var s = String(decoding: bytes, as: UTF8.self)
        if s.isEmpty { s = "job" }
        if let f = bytes.first, !((f | 0x20) >= UInt8(ascii: "a") && (f | 0x20) <= UInt8(ascii: "z") || f == UInt8(ascii: "_")) { s = "job-" + s }
        var candidate = s
        var n = 2
        while used.contains(candidate) {
            candidate = "\(s)-\(n)"
            n += 1
        }
        return candidate
    }

    /// Downgrades the first of `candidates` the ledger knows (else records the first) and returns the
    /// `# ciport:` comment for the output, nil when translated.
    @discardableResult
    mutating func mark(_ candidates: [String], at pos: SourcePos, _ status: Fidelity, _ note: String,
                       target: String? = nil) -> String? {
        let construct = candidates.first { ledger.contains($0) } ?? candidates[0]
        ledger.record(construct, at: pos, status, note: note, target: target)
        if let target { ledger.setTarget(construct, target) }
        guard status > .translated else { return nil }
        explained.insert(construct)
        return "ciport: \(note)"
    }

    // MARK: workflow

    mutating func workflow() -> YOut {
        var root = YOutMap()
        root.set("name", p.name.map { value($0, "workflow.name") } ?? GitHubWriting.workflowName(p.pos.file))
        let (on, onComments) = triggers()
        root.set("on", on, comments: onComments)
        root.set("permissions", .map([YOutEntry("contents", .string("read"))]),
                 comments: ["Least privilege: jobs that need more (Pages, releases, packages, OIDC) ask for it themselves."])
        if let c = workflowConcurrency() { root.set("concurrency", c.0, comments: c.1) }
        var env: [YOutEntry] = []
        for kv in p.variables {
            var v = value(kv.value, "variables.\(kv.key)", at: kv.pos, reexported: true)
            if let input = p.inputs.first(where: { $0.name == kv.key }) {
                // A prefilled "Run pipeline" variable: the manual run's input, else its default.
                v = "${{ inputs.\(GitHubWriting.inputName(input.name)) || '\(kv.value.replacingOccurrences(of: "'", with: "''"))' }}"
                ledger.setTarget("variables.\(kv.key)", "on.workflow_dispatch.inputs.\(GitHubWriting.inputName(input.name))")
            } else {
                ledger.setTarget("variables.\(kv.key)", "env.\(kv.key)")
            }
            env.append(YOutEntry(kv.key, .string(v)))
        }
        if !env.isEmpty { root.set("env", .map(env)) }

        let order = stageNeeds()
        var conditions: [String: JobCondition] = [:]
        for j in p.jobs {
            let c = condition(j)
            conditions[j.id] = c
            if let e = c.expression, e != "always()" { conditional.insert(j.id) }
        }
        var jobs: [YOutEntry] = []
        for j in p.jobs { jobs.append(job(j, needs: order[j.id] ?? [], condition: conditions[j.id] ?? JobCondition())) }
        if jobs.isEmpty {
            // GitHub needs at least one job; a GitLab file of templates only (meant for `include:`) has none.
            jobs.append(YOutEntry("no-jobs", .map([
                YOutEntry("runs-on", .string("ubuntu-latest")),
                YOutEntry("steps", .seq([YOutItem(.map([
                    YOutEntry("run", .string("echo 'The GitLab file defines no jobs of its own (templates only).'")),
                ]))])),
            ]), comments: ["ciport: the GitLab file defines only templates (hidden jobs) or includes; this placeholder keeps the workflow valid"]))
        }
        let jobIDs = Set(p.jobs.map(\.id))
        root.set("jobs", .map(jobs), comments: unexplainedComments(prefixes: [""]) { GitHubWriting.isTopLevelConstruct($0, jobIDs: jobIDs) })
        assignTargets()
        return root.out
    }

    /// Gives every construct that reached the output without a precise place the job it went to
    /// (or `jobs` for settings every job inherits), so the ledger says where everything went.
    mutating func assignTargets() {
        // Longest first, so that `build:linux` wins over `build` (ids and lengths only: jobs are big to copy).
        let byLength = p.jobs.map { ($0.id, $0.id.count) }.sorted { $0.1 > $1.1 }.map(\.0)
        for i in ledger.entries.indices where ledger.entries[i].target == nil && ledger.entries[i].status != .lost {
            let construct = ledger.entries[i].construct
            guard !construct.hasPrefix(".") else { continue }
            if let id = byLength.first(where: { GitHubWriting.isConstruct(construct, under: $0) }) {
                ledger.setTarget(construct, "jobs.\(ids[id] ?? id)")
            } else if !construct.hasPrefix("include") && !GitHubWriting.includes(construct, ":include") {
                ledger.setTarget(construct, "jobs")
            }
        }
    }

    static func workflowName(_ file: String) -> String {
        // `lastPathComponent` without NSString: what follows the last `/` (trailing ones aside).
        var base = GitHubWriting.lastPart(of: file, "/") ?? (file == "/" ? "/" : "")
        for suffix in [".gitlab-ci.yml", ".gitlab-ci.yaml", ".yml", ".yaml"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        if base.isEmpty || base == ".gitlab-ci" || base == "-" { return "CI" }
        return base
    }

    static func inputName(_ s: String) -> String { jobID(s, used: []) }

    /// Top-level GitLab keys that are not jobs.
    static let topLevelKeys: Set<String> = ["variables", "workflow", "include", "default", "stages", "types", "spec", "image",
                                            "services", "before_script", "after_script", "cache"]

    /// Whether a ledger construct lies outside any job (`variables.X`, `workflow.rules[0]`,
    /// `include[1]`); asked only of the constructs that need a comment.
    static func isTopLevelConstruct(_ construct: String, jobIDs: Set<String>) -> Bool {
        let head = GitHubWriting.firstPart(of: construct, ".") ?? construct
        let base = GitHubWriting.firstPart(of: head, "[") ?? head
        if GitHubWriting.topLevelKeys.contains(base) || GitHubWriting.includes(construct, ":include") { return true }
        return !jobIDs.contains(head) && !GitHubWriting.includes(construct, ".")
    }

    /// Comments for downgraded constructs the output has not explained yet (reader-only losses such
    /// as `secrets:` or `hooks:`), so that no loss goes unmentioned.
    mutating func unexplainedComments(prefixes: [String], exact: Set<String>) -> [String] {
        unexplainedComments(prefixes: prefixes) { exact.contains($0) }
    }

    mutating func unexplainedComments(prefixes: [String], exact: (String) -> Bool) -> [String] {
        var out: [String] = []
        // Entries read in place: most are translated, and copying each (every job asks) was most of the cost.
        for i in ledger.entries.indices where ledger.entries[i].status > .translated {
            let construct = ledger.entries[i].construct
            guard !explained.contains(construct) else { continue }
            let matches = exact(construct)
                || prefixes.contains { !$0.isEmpty && GitHubWriting.isConstruct(construct, under: $0) }
            guard matches else { continue }
            explained.insert(construct)
            out.append("ciport: \(construct) (\(ledger.entries[i].status.rawValue)): \(ledger.entries[i].note)")
        }
        return out
    }

    // MARK: on

    mutating func triggers() -> (YOut, [String]) {
        var comments: [String] = []
        var triggers = p.triggers
        if triggers.isEmpty {
            triggers = [Trigger(event: .push, rawEvent: "push", pos: p.pos),
                        Trigger(event: .pullRequest, rawEvent: "merge_request_event", pos: p.pos),
                        Trigger(event: .manual, rawEvent: "web", pos: p.pos)]
            if p.dialect == .gitlab {
                comments.append("ciport: GitLab starts this pipeline on every push (merge request and \"Run pipeline\" runs where jobs allow); narrow the events if that is too often")
            }
        }
        // Jobs that only run on schedules need a schedule to run at all.
        let mentionsSchedule = p.jobs.contains { $0.rules.contains { r in
            r.condition.map { GitHubWriting.includes($0, "\"schedule\"") || GitHubWriting.includes($0, "'schedule'") } == true
        } }
        if mentionsSchedule, !triggers.contains(where: { $0.event == .schedule }) {
            triggers.append(Trigger(event: .schedule, rawEvent: "schedule", pos: p.pos))
        }
        var on = YOutMap()
        for t in triggers {
            switch t.event {
            case .push, .pullRequest, .pullRequestTarget:
                let key = t.event == .push ? "push" : t.event == .pullRequest ? "pull_request" : "pull_request_target"
                var m = YOutMap()
                if !t.branches.isEmpty { m.set("branches", .strings(t.branches)) }
                if !t.branchesIgnore.isEmpty { m.set("branches-ignore", .strings(t.branchesIgnore)) }
                if !t.tags.isEmpty { m.set("tags", .strings(t.tags)) }
                if !t.tagsIgnore.isEmpty { m.set("tags-ignore", .strings(t.tagsIgnore)) }
                if !t.paths.isEmpty { m.set("paths", .strings(t.paths)) }
                if !t.pathsIgnore.isEmpty { m.set("paths-ignore", .strings(t.pathsIgnore)) }
                if !t.types.isEmpty { m.set("types", .strings(t.types)) }
                if on[key] == nil { on.set(key, m.out) }
            case .schedule:
                let known = t.cron != nil
                var items: [YOutItem] = []
                if case .seq(let xs)? = on["schedule"] { items = xs }
                items.append(YOutItem(.map([YOutEntry("cron", .string(t.cron ?? "0 3 * * *"))])))
                on.set("schedule", .seq(items), comments: known ? [] : [
                    "ciport: GitLab keeps schedules in the project's settings, not in the file; set the real time here",
                ])
            case .manual:
                on.set("workflow_dispatch", dispatchInputs())
            case .call:
                on.set("workflow_call", .map([]), comments: ["ciport: a GitLab child or downstream pipeline: callers use `uses:` with this file"])
            case .api:
                on.set("repository_dispatch", .map([]), comments: ["ciport: GitLab API/trigger-token pipelines: start this with the repository_dispatch API"])
            case .release:
                on.set("release", .map([YOutEntry("types", .strings(["published"]))]))
            case .workflowRun:
                on.set("workflow_run", .map([YOutEntry("workflows", .strings(t.workflows.isEmpty ? ["CI"] : t.workflows))]))
            case .other:
                comments.append("ciport: GitLab pipeline source `\(t.rawEvent)` has no GitHub event")
            }
        }
        if !p.inputs.isEmpty, on["workflow_dispatch"] == nil { on.set("workflow_dispatch", dispatchInputs()) }
        if on.isEmpty { on.set("workflow_dispatch", .map([])) }
        return (on.out, comments)
    }

    mutating func dispatchInputs() -> YOut {
        guard !p.inputs.isEmpty else { return .map([]) }
        var inputs: [YOutEntry] = []
        for i in p.inputs {
            var m = YOutMap()
            m.set("description", i.description ?? i.name)
            m.set("required", .bool(i.required ?? false))
            let type: String
            switch i.type {
            case "boolean": type = "boolean"
            case "number": type = "number"
            default: type = i.options.isEmpty ? "string" : "choice"
            }
            m.set("type", type)
            if let d = i.defaultValue {
                m.set("default", type == "boolean" ? .bool(d == "true") : type == "number" && Double(d) != nil ? .raw(d) : .string(d))
            }
            if type == "choice" { m.set("options", .strings(i.options)) }
            var comments: [String] = []
            if i.type == "array" {
                comments.append(mark(["spec.inputs.\(i.name)"], at: i.pos, .approximated, "GitHub inputs have no array type: a comma-separated string") ?? "")
            }
            inputs.append(YOutEntry(GitHubWriting.inputName(i.name), m.out, comments: comments.filter { !$0.isEmpty }))
            ledger.setTarget("spec.inputs.\(i.name)", "on.workflow_dispatch.inputs.\(GitHubWriting.inputName(i.name))")
        }
        return .map([YOutEntry("inputs", .map(inputs))])
    }

    // MARK: concurrency

    /// GitLab cancels `interruptible` jobs of superseded pipelines; GitHub cancels whole runs.
    mutating func workflowConcurrency() -> (YOut, [String])? {
        let interruptible = p.jobs.filter { $0.interruptible == true }
        guard !interruptible.isEmpty else { return nil }
        if interruptible.count == p.jobs.count {
            for j in interruptible { mark(["\(j.id).interruptible", "default.interruptible"], at: j.pos, .translated, "", target: "concurrency") }
            return (.map([
                YOutEntry("group", .string("${{ github.workflow }}-${{ github.ref }}")),
                YOutEntry("cancel-in-progress", .bool(true)),
            ]), ["GitLab `interruptible:` on every job: a newer run on the same ref cancels this one."])
        }
        for j in interruptible {
            mark(["\(j.id).interruptible", "default.interruptible"], at: j.pos, .approximated,
                 "GitHub cancels whole runs, and some jobs here are not interruptible: runs are not cancelled")
        }
        return nil
    }
}
