import Foundation

/// One before_script line and where it was written (two jobs share a before_script when they
/// run the same lines from the same place).
struct BeforeLine: Hashable, Sendable {
    var text: String
    var pos: SourcePos

    /// By position only: lines can be long, and equal lines at one position are the common case.
    func hash(into h: inout Hasher) { h.combine(pos) }
}

extension GitHubWriting {
    /// A step mapping from ordered entries, skipping empty ones.
    static func step(_ entries: [(String, YOut?)], comments: [String] = []) -> YOutItem {
        var m: [YOutEntry] = []
        for (k, v) in entries {
            guard let v else { continue }
            m.append(YOutEntry(k, v))
        }
        return YOutItem(.map(m), comments: comments)
    }

    static func block(_ lines: [String]) -> YOut { .string(lines.joined(separator: "\n")) }

    /// The variable's value as the job sees it (job variables over global ones).
    func variable(_ name: String, in j: Job) -> String? {
        j.variables.last { $0.key == name }?.value ?? p.variables.last { $0.key == name }?.value
    }

    /// Artifact name for a job: unique per run, as upload-artifact v4 requires (matrix copies add their index).
    func artifactName(_ j: Job) -> String {
        let id = ids[j.id] ?? j.id
        return j.matrix != nil ? "\(id)--${{ strategy.job-index }}" : id
    }

    /// The folder upload-artifact makes the artifact's root (the paths' least common ancestor), so
    /// downloads land where GitLab would have put the files.
    static func artifactRoot(_ paths: [String]) -> String {
        var prefixes: [[Substring]] = []
        for raw in paths {
            let path = raw.hasPrefix("./") ? String(raw.dropFirst(2)) : raw
            var comps = path.split(separator: "/")
            if let glob = comps.firstIndex(where: { GitHubWriting.includes($0, "*") || GitHubWriting.includes($0, "?") || GitHubWriting.includes($0, "[") }) {
                comps = Array(comps[..<glob])
            } else if paths.count == 1 {
                // One folder becomes the root itself; one file is stored under its parent.
                let looksLikeFile = !raw.hasSuffix("/") && (comps.last.map { GitHubWriting.includes($0, ".") } ?? false)
                if looksLikeFile { comps = Array(comps.dropLast()) }
            } else {
                comps = Array(comps.dropLast())
            }
            prefixes.append(comps)
        }
        guard var common = prefixes.first else { return "." }
        for p in prefixes.dropFirst() {
            var n = 0
            while n < common.count, n < p.count, common[n] == p[n] { n += 1 }
            common = Array(common[..<n])
        }
        return common.isEmpty ? "." : common.joined(separator: "/")
    }

    /// Days an artifact is kept, from GitLab's `expire_in` (GitHub allows 1 to 90).
    static func retentionDays(_ expireIn: String) -> (days: Int, exact: Bool)? {
        if expireIn == "never" { return (90, false) }
        guard let minutes = GitLabReader.minutes(expireIn) else { return nil }
        let days = Int((Double(minutes) / 1440).rounded(.up))
        return (min(max(days, 1), 90), days >= 1 && days <= 90 && minutes % 1440 == 0)
    }

    // MARK: steps

    mutating func steps(_ j: Job, target: String, hasContainer: Bool, jobComments: inout [String]) -> [YOutItem] {
        var out: [YOutItem] = []
        func at() -> String { "\(target).steps[\(out.count)]" }

        // GitLab clones the repository before every job; GitHub does what the steps say.
        let strategy = variable("GIT_STRATEGY", in: j)
        if strategy != "none", p.dialect == .gitlab {
            var with: [YOutEntry] = []
            if let depth = variable("GIT_DEPTH", in: j), let d = Int(depth) { with.append(YOutEntry("fetch-depth", .int(d))) }
            switch variable("GIT_SUBMODULE_STRATEGY", in: j) {
            case "recursive": with.append(YOutEntry("submodules", .string("recursive")))
            case "normal": with.append(YOutEntry("submodules", .bool(true)))
            default: break
            }
            // GitLab's clone cannot push either: keep the token out of .git/config (and out of artifacts).
            with.append(YOutEntry("persist-credentials", .bool(false)))
            out.append(GitHubWriting.step([("uses", .string("actions/checkout@v4")), ("with", .map(with))]))
        }

        // On the runner, services listen on localhost; GitLab's scripts use their host names.
        let hosts = (hostAliases[j.id] ?? []).filter { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") } }
        if !hosts.isEmpty {
            out.append(GitHubWriting.step([
                ("name", .string("Reach services by their GitLab host names")),
                ("run", .string("echo \"127.0.0.1 \(hosts.joined(separator: " "))\" | sudo tee -a /etc/hosts")),
            ]))
        }

        // Artifacts of earlier jobs, where GitLab would have restored them.
        for src in artifactSources(j) {
            guard let a = src.artifacts else { continue }
            let root = GitHubWriting.artifactRoot(a.paths.map { value($0, step: j) })
            let name = artifactName(src)
            // GitLab skips artifacts of jobs that did not run or failed allowedly; download-artifact fails on them.
            let maybeMissing = conditional.contains(src.id) || isOptionalManual(src) || src.allowFailure?.allowed == true
                || src.when == .onFailure || src.when == .always
            let soft: YOut? = maybeMissing ? .bool(true) : nil
            if src.matrix != nil {
                out.append(GitHubWriting.step([
                    ("name", .string("Download artifacts of \(src.id)")),
                    ("continue-on-error", soft),
                    ("uses", .string("actions/download-artifact@v4")),
                    ("with", .map([YOutEntry("pattern", .string("\(ids[src.id] ?? src.id)--*")),
                                   YOutEntry("merge-multiple", .bool(true)),
                                   YOutEntry("path", .string(root))])),
                ]))
            } else {
                out.append(GitHubWriting.step([
                    ("name", .string("Download artifacts of \(src.id)")),
                    ("continue-on-error", soft),
                    ("uses", .string("actions/download-artifact@v4")),
                    ("with", .map([YOutEntry("name", .string(name)), YOutEntry("path", .string(root))])),
                ]))
            }
        }

        // Caches: restore before the script; `policy: push` saves after it.
        var saves: [YOutItem] = []
        for (i, c) in j.caches.enumerated() {
            let paths = ledger.contains("\(j.id).cache") || ledger.entry("\(j.id).cache[\(i)]") != nil
                ? ["\(j.id).cache[\(i)]", "\(j.id).cache"] : ["default.cache[\(i)]", "default.cache", "cache"]
            if let item = cache(c, job: j, paths: paths, target: at(), saves: &saves, jobComments: &jobComments) {
                out.append(item)
            }
        }

        let exports = derivedVariableExports(j)
        // before_script and script share one shell in GitLab (an `export` in one reaches the other).
        let main = j.steps.filter { $0.phase != .after }
        var pending: [Step] = []
        func flushRun(_ out: inout [YOutItem], _ w: inout GitHubWriting) {
            guard !pending.isEmpty else { return }
            let hasBefore = pending.contains { $0.phase == .before }
            // A long before_script that other jobs share is written once, as a step that saves it
            // to a file (the same step in every job: one YAML anchor), and sourced by the script step.
            let toFile = hasBefore && w.sharesLongBeforeScript(j)
            let fileStep = out.count
            let (run, env, comments, before) = w.script(pending, jobPath: j.id, stepTarget: "\(target).steps[\(out.count + (toFile ? 1 : 0))]",
                                                         exports: exports, beforeFile: toFile ? GitHubWriting.beforeScriptFile : nil,
                                                         beforeTarget: "\(target).steps[\(fileStep)]")
            if let before { out.append(w.beforeScriptStep(before, job: j)) }
            out.append(GitHubWriting.step([
                ("name", .string(hasBefore ? "before_script and script" : "script")),
                ("env", env.isEmpty ? nil : .map(env.map { YOutEntry($0.key, .string($0.value)) })),
                ("run", .string(run)),
            ], comments: comments))
            pending = []
        }
        for s in main {
            if s.script != nil {
                pending.append(s)
            } else {
                flushRun(&out, &self)
                out.append(usesStep(s))
            }
        }
        flushRun(&out, &self)
        if main.isEmpty {
            out.append(GitHubWriting.step([("run", .string("echo 'This GitLab job had no script.'"))],
                                          comments: ["ciport: the GitLab job has no `script:`"]))
        }

        if j.pages, let a = j.artifacts {
            let dir = a.paths.first { $0.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == "public" } ?? a.paths.last ?? "public"
            mark(["\(j.id).pages", j.id], at: j.pos, .translated, "", target: at())
            out.append(GitHubWriting.step([
                ("uses", .string("actions/upload-pages-artifact@v3")),
                ("with", .map([YOutEntry("path", .string(dir))])),
            ], comments: ["GitLab Pages publishes `\(dir)`; GitHub Pages (Settings → Pages → Source: GitHub Actions) takes it from here."]))
            out.append(GitHubWriting.step([("id", .string("deployment")), ("uses", .string("actions/deploy-pages@v4"))]))
        }

        if let r = j.release {
            var with: [YOutEntry] = [YOutEntry("tag_name", .string(value(r.tagName, "\(j.id).release.tag_name", at: r.pos, step: j)))]
            if let n = r.name { with.append(YOutEntry("name", .string(value(n, "\(j.id).release.name", at: r.pos, step: j)))) }
            if let d = r.description {
                // GitLab reads a description naming a file as that file's content.
                let looksLikeFile = !d.contains("\n") && !d.contains(" ") && (d.hasSuffix(".md") || d.hasPrefix("./"))
                with.append(YOutEntry(looksLikeFile ? "body_path" : "body", .string(value(d, "\(j.id).release.description", at: r.pos, step: j))))
            }
            if let ref = r.ref { with.append(YOutEntry("target_commitish", .string(value(ref, "\(j.id).release.ref", at: r.pos, step: j)))) }
            mark(["\(j.id).release"], at: r.pos, .translated, "", target: at())
            out.append(GitHubWriting.step([
                ("name", .string("Create release")),
                ("uses", .string("softprops/action-gh-release@v2")),
                ("with", .map(with)),
            ]))
        }

        // Reports GitLab reads itself: a dotenv report passes variables to later jobs.
        let reports = j.artifacts?.reports ?? []
        if let dotenv = reports.first(where: { $0.key == "dotenv" }) {
            let files = dotenv.value.split(separator: "\n").map(String.init)
            let c = mark(["\(j.id).artifacts.reports.dotenv"], at: dotenv.pos, .needsReview,
                         "dotenv report: its variables become step outputs here; declare them under the job's `outputs:` and read them as needs.\(ids[j.id] ?? j.id).outputs.NAME", target: at())
            out.append(GitHubWriting.step([
                ("id", .string("dotenv")),
                ("name", .string("Pass dotenv report to later jobs")),
                ("if", .string("always()")),
                ("env", .map([YOutEntry("DOTENV_FILES", .string(files.joined(separator: " ")))])),
                ("run", .string("for f in $DOTENV_FILES; do if [ -f \"$f\" ]; then cat \"$f\" >> \"$GITHUB_OUTPUT\"; fi; done")),
            ], comments: c.map { [$0] } ?? []))
        }

        let after = j.steps.filter { $0.phase == .after }
        if !after.isEmpty {
            let (run, env, comments) = script(after, jobPath: j.id, stepTarget: at(), exports: exports)
            out.append(GitHubWriting.step([
                ("name", .string("after_script")),
                ("if", .string("always()")),
                ("timeout-minutes", .int(5)),
                ("env", env.isEmpty ? nil : .map(env.map { YOutEntry($0.key, .string($0.value)) })),
                ("run", .string(run)),
            ], comments: ["GitLab runs after_script in its own shell, whatever the job's result, for at most 5 minutes."] + comments))
        }

        if let a = j.artifacts { out += uploads(a, job: j, target: target, startIndex: out.count) }
        out += saves
        return out
    }

    // MARK: shared before_script

    /// Where a shared before_script is saved for the job's script step.
    static let beforeScriptFile = "$RUNNER_TEMP/before_script.sh"

    /// Source text from which a before_script is worth one shared step rather than a copy in
    /// every job's script (Auto DevOps' 2018 template shares 20 KB of shell functions).
    static let sharedBeforeScriptBytes = 1024

    /// Whether `j`'s before_script is long and some other job runs the same lines (the same
    /// source lines: a `default:` or top-level before_script, or one inherited by `extends:`).
    /// Jobs on Windows runners keep the inline script (PowerShell has no here-documents).
    mutating func sharesLongBeforeScript(_ j: Job) -> Bool {
        if sharedBeforeScripts == nil {
            var counts: [[BeforeLine]: Int] = [:]
            for job in p.jobs {
                let lines = GitHubWriting.beforeLines(job)
                guard lines.reduce(0, { $0 + $1.text.utf8.count }) >= GitHubWriting.sharedBeforeScriptBytes else { continue }
                counts[lines, default: 0] += 1
            }
            sharedBeforeScripts = Set(counts.filter { $0.value > 1 }.keys)
        }
        guard p.dialect == .gitlab, !(j.runsOn?.labels.contains { $0.lowercased().contains("windows") } ?? false) else { return false }
        return sharedBeforeScripts?.contains(GitHubWriting.beforeLines(j)) ?? false
    }

    static func beforeLines(_ j: Job) -> [BeforeLine] {
        j.steps.compactMap { s in s.phase == .before ? s.script.map { BeforeLine(text: $0, pos: s.pos) } : nil }
    }

    /// The step that saves a shared before_script to `beforeScriptFile`: written in full (with an
    /// anchor) in the first job, an alias of it in the jobs after.
    mutating func beforeScriptStep(_ lines: [String], job j: Job) -> YOutItem {
        // Jobs share the translated lines themselves, so comparing them is cheap.
        if let known = beforeScriptAnchors.first(where: { $0.lines == lines }) {
            return YOutItem(.alias(known.anchor), comments: ["before_script: the step written out in job `\(known.job)`"])
        }
        let text = lines.joined(separator: "\n")
        // A here-document delimiter no line of the script is.
        var delimiter = "CIPORT_BEFORE_SCRIPT"
        var n = 1
        while GitHubWriting.hasLine(text, delimiter) {
            delimiter = "CIPORT_BEFORE_SCRIPT_\(n)"
            n += 1
        }
        let value = YOut.map([
            YOutEntry("name", .string("before_script (saved for the next step)")),
            YOutEntry("run", .string("cat > \"\(GitHubWriting.beforeScriptFile)\" <<'\(delimiter)'\n\(text)\n\(delimiter)")),
        ])
        let anchor = beforeScriptAnchors.isEmpty ? "before_script" : "before_script-\(beforeScriptAnchors.count + 1)"
        beforeScriptAnchors.append((lines, anchor, ids[j.id] ?? j.id))
        return YOutItem(value, comments: [
            "GitLab runs this before_script in the job's shell before its script: saved to a file here and sourced by the next step; the other jobs that share it repeat this step as *\(anchor).",
        ], anchor: anchor)
    }

    /// Whether one of the lines of `text` is exactly `line` (an ASCII line without line breaks).
    static func hasLine(_ text: String, _ line: String) -> Bool {
        FastText.withBytes(text) { b in
            FastText.withBytes(line) { l in
                var from = 0
                while let at = FastText.find(l, in: b, from: from) {
                    let end = at + l.count
                    if (at == 0 || b[at - 1] == 0x0A) && (end == b.count || b[end] == 0x0A) { return true }
                    from = at + 1
                }
                return false
            }
        }
    }

    /// A GitHub action step kept from a GitHub-read model.
    func usesStep(_ s: Step) -> YOutItem {
        GitHubWriting.step([
            ("id", s.id.map { .string($0) }),
            ("name", s.name.map { .string($0) }),
            ("if", s.condition.map { .string($0.expression) }),
            ("uses", .string(s.actionRef ?? "")),
            ("with", s.with.isEmpty ? nil : .map(s.with.map { YOutEntry($0.key, .string($0.value)) })),
            ("env", s.env.isEmpty ? nil : .map(s.env.map { YOutEntry($0.key, .string($0.value)) })),
        ])
    }

    // MARK: cache

    mutating func cache(_ c: Cache, job j: Job, paths: [String], target: String, saves: inout [YOutItem],
                        jobComments: inout [String]) -> YOutItem? {
        guard !c.paths.isEmpty else {
            if let cm = mark(paths, at: c.pos, .lost, "cache without `paths:` (untracked files only) has no GitHub counterpart") {
                jobComments.append(cm)
            }
            return nil
        }
        let construct = paths.first { ledger.contains($0) } ?? paths[0]
        var notes: [String] = []
        var status = Fidelity.translated
        var key: String
        var restore: [String] = []
        if !c.keyFiles.isEmpty {
            let prefix = c.keyPrefix.map { value($0, construct, at: c.pos, step: j) } ?? "cache"
            let files = c.keyFiles.map { "'\(FastText.replacing("'", with: "''", in: $0))'" }.joined(separator: ", ")
            key = "\(prefix)-${{ hashFiles(\(files)) }}"
            restore = ["\(prefix)-"]
        } else {
            // GitLab overwrites a cache key on every save; GitHub keys are immutable, so the run id makes
            // each save new and `restore-keys` finds the latest.
            var base = value(c.key ?? "default", construct, at: c.pos, step: j)
            // A key made of `$CI_PROJECT_DIR` alone is one constant per project.
            if base == "." || base.isEmpty { base = "workspace" }
            key = "\(base)-${{ github.run_id }}"
            restore = ["\(base)-"]
        }
        for fk in c.fallbackKeys { restore.append("\(value(fk, construct, at: c.pos, step: j))-") }
        if c.untracked == true {
            status = .approximated
            notes.append("`untracked: true` dropped: only the listed paths are cached")
        }
        if let w = c.when, w != "on_success" {
            status = .approximated
            notes.append("`when: \(w)`: actions/cache saves only when the job succeeds")
        }
        let comment = mark([construct], at: c.pos, status, notes.joined(separator: "; "), target: target)
        var with: [YOutEntry] = [
            YOutEntry("path", GitHubWriting.block(c.paths.map { value($0, construct, at: c.pos, step: j) })),
            YOutEntry("key", .string(key)),
        ]
        let restoreEntry = YOutEntry("restore-keys", GitHubWriting.block(restore))
        switch c.policy ?? "pull-push" {
        case "pull":
            return GitHubWriting.step([("name", .string("Restore cache")), ("uses", .string("actions/cache/restore@v4")),
                                       ("with", .map(with + [restoreEntry]))], comments: comment.map { [$0] } ?? [])
        case "push":
            saves.append(GitHubWriting.step([("name", .string("Save cache")), ("uses", .string("actions/cache/save@v4")),
                                             ("with", .map(with))], comments: comment.map { [$0] } ?? []))
            return nil
        default:
            with.append(restoreEntry)
            return GitHubWriting.step([("name", .string("Cache")), ("uses", .string("actions/cache@v4")), ("with", .map(with))],
                                      comments: comment.map { [$0] } ?? [])
        }
    }

    // MARK: artifacts

    mutating func uploads(_ a: Artifacts, job j: Job, target: String, startIndex: Int) -> [YOutItem] {
        var out: [YOutItem] = []
        let path = ["\(j.id).artifacts", "default.artifacts"]
        var cond: String?
        switch a.when ?? "on_success" {
        case "always": cond = "always()"
        case "on_failure": cond = "failure()"
        default: cond = nil
        }
        var retention: YOut?
        var notes: [String] = []
        var status = Fidelity.translated
        if let e = a.expireIn {
            if let r = GitHubWriting.retentionDays(e) {
                retention = .int(r.days)
                if !r.exact {
                    status = .approximated
                    notes.append("`expire_in: \(e)` → \(r.days) days (GitHub keeps artifacts 1 to 90 whole days)")
                }
            } else {
                status = .approximated
                notes.append("`expire_in: \(e)` not understood: the repository's default retention applies")
            }
        }
        if !a.paths.isEmpty {
            if a.untracked == true {
                status = max(status, .approximated)
                notes.append("`untracked: true` dropped: only the listed paths are uploaded")
            }
            if a.exposeAs != nil {
                status = max(status, .lost)
                notes.append("`expose_as` dropped: GitHub does not link artifacts from pull requests")
            }
            if a.name != nil {
                status = max(status, .approximated)
                notes.append("`name:` not used: artifacts are named after the job so later jobs can download them")
            }
            let hidden = a.paths.contains { $0.split(separator: "/").contains { $0.hasPrefix(".") && $0 != "." && $0 != ".." } }
            var with: [YOutEntry] = [
                YOutEntry("name", .string(artifactName(j))),
                YOutEntry("path", GitHubWriting.block(a.paths.map { value($0, path[0], at: a.pos, step: j) }
                                                      + a.exclude.map { "!" + value($0, path[0], at: a.pos, step: j) })),
            ]
            if let retention { with.append(YOutEntry("retention-days", retention)) }
            if hidden { with.append(YOutEntry("include-hidden-files", .bool(true))) }
            let c = mark(path, at: a.pos, status, notes.joined(separator: "; "), target: "\(target).steps[\(startIndex)]")
            out.append(GitHubWriting.step([
                ("name", .string("Upload artifacts")),
                ("if", cond.map { .string($0) }),
                ("uses", .string("actions/upload-artifact@v4")),
                ("with", .map(with)),
            ], comments: c.map { [$0] } ?? []))
        }
        // Reports GitLab renders in merge requests: kept as a downloadable artifact.
        let files = a.reports.filter { $0.key != "dotenv" }
        if !files.isEmpty {
            var reportPaths: [String] = []
            for r in files {
                reportPaths += r.value.split(separator: "\n").map { value(String($0), step: j) }
                mark(["\(j.id).artifacts.reports.\(r.key)", "default.artifacts.reports.\(r.key)"], at: r.pos, .approximated,
                     "GitLab shows `\(r.key)` reports in merge requests; here they are an artifact (a test-reporter action can show them)",
                     target: "\(target).steps[\(startIndex + out.count)]")
            }
            if !reportPaths.isEmpty {
                out.append(GitHubWriting.step([
                    ("name", .string("Upload reports")),
                    ("if", .string("always()")),
                    ("uses", .string("actions/upload-artifact@v4")),
                    ("with", .map([
                        YOutEntry("name", .string(j.matrix != nil ? "\(ids[j.id] ?? j.id)-reports--${{ strategy.job-index }}" : "\(ids[j.id] ?? j.id)-reports")),
                        YOutEntry("path", GitHubWriting.block(reportPaths)),
                    ])),
                ], comments: ["ciport: GitLab reads \(files.map(\.key).joined(separator: ", ")) reports itself; here they are only uploaded"]))
            }
        }
        return out
    }
}
