import Foundation

/// Steps → `script:` / `after_script:` entries.
///
/// GitHub runs each step in a fresh shell that stops at the first failing command; GitLab runs all
/// `script:` entries in one shell with `set -e`. So a step's environment becomes job variables
/// (or exports in a subshell when steps disagree), `working-directory` a `cd` that later steps
/// undo, and `continue-on-error` a child shell whose failure is reported and ignored.
extension GitLabWriterState {
    /// Files that stand in for GitHub's step-to-step channels, under the project directory.
    static let shims: [(variable: String, file: String)] = [
        ("GITHUB_OUTPUT", stepOutputFile),
        ("GITHUB_ENV", ".ciport-env"),
        ("GITHUB_PATH", ".ciport-path"),
        ("GITHUB_STEP_SUMMARY", ".ciport-summary.md"),
    ]

    static let reloadEnv = #"while IFS='=' read -r k v; do [ -n "$k" ] && export "$k=$v"; done < "$GITHUB_ENV""#
    static let reloadPath = #"if [ -s "$GITHUB_PATH" ]; then export PATH="$(tr '\n' ':' < "$GITHUB_PATH")$PATH"; fi"#

    mutating func writeSteps(_ job: Job, _ o: inout JobOut) {
        let windows = Self.isWindows(job)
        let allScripts = job.steps.compactMap(\.script).joined(separator: "\n")
        var touched: [String] = []
        for shim in Self.shims where FastText.contains(allScripts, shim.variable) {
            o.addVariable(shim.variable, "$CI_PROJECT_DIR/\(shim.file)")
            touched.append(shim.variable)
        }
        if !touched.isEmpty && !windows {
            o.script.append(YOutItem(.string("touch " + touched.map { "\"$\($0)\"" }.joined(separator: " "))))
        }
        let defaultDir = job.workingDirectory ?? p.defaults.workingDirectory
        let defaultShell = job.shell ?? p.defaults.shell
        var currentDir: String?

        for (i, step) in job.steps.enumerated() {
            let sp = stepPath(job, step, index: i)
            var comments: [String] = []
            if let n = step.name {
                // The name is only a comment here, so its expressions are translated quietly.
                comments.append(FastText.contains(n, "${{") ? Expressions.translateText(n, context: .value, options: expr).text : n)
            }
            var body: [String] = []
            // The condition decides first: a step that never runs adds nothing (not even artifacts),
            // and an always()/failure() upload keeps its artifacts under that condition.
            let cond = step.condition.map { Expressions.translateCondition($0.expression, options: runtimeExpr) }
            if cond?.when == .never && cond?.untranslated == false {
                note("\(sp).if", step.condition!.pos, .lost, "condition is never true; step left out")
                continue
            }

            switch step.action {
            case .run(let raw):
                var ns: [String] = []
                let t = text(raw, .script, path: "\(sp).run", pos: step.pos, matrix: true, notes: &ns)
                comments += ns
                for kv in t.env { o.addVariable(kv.key, kv.value) }
                var script = Self.trimTrailingNewlines(t.text)
                let shell = step.shell ?? defaultShell
                if !windows {
                    script = wrapShell(script, shell: shell, path: "\(sp).shell", pos: step.pos, comments: &comments)
                } else if let shell, !["pwsh", "powershell"].contains(shell) {
                    note("\(sp).shell", step.pos, .needsReview, "GitLab Windows runners run PowerShell")
                    comments.append("ciport: needs-review: shell '\(shell)' on a Windows runner")
                }
                if let c = step.continueOnError, c != "false" {
                    if c == "true" && !windows {
                        let label = Self.shellSafe(step.name ?? step.id ?? "step \(i + 1)")
                        script = "bash -e <<'CIPORT_STEP' || echo \"ciport: '\(label)' failed; continuing (continue-on-error)\" >&2\n\(script)\nCIPORT_STEP"
                        note("\(sp).continue-on-error", step.pos, .approximated, "runs in a child bash whose failure is ignored")
                    } else {
                        note("\(sp).continue-on-error", step.pos, .needsReview, "continue-on-error '\(c)' not applied")
                        comments.append("ciport: needs-review: continue-on-error '\(c)' not applied")
                    }
                }
                script = stepEnvironment(job, step, sp, script, &o, &comments)
                // working-directory applies to run steps only; actions always start in the workspace.
                var dir = step.workingDirectory ?? defaultDir
                if let d = dir, FastText.contains(d, "${{") {
                    dir = text(d, .script, path: "\(sp).working-directory", pos: step.pos, matrix: true, notes: &comments).text
                }
                if dir != currentDir {
                    body.append(Self.cd(dir, windows: windows))
                    currentDir = dir
                }
                body.append(script)
                if FastText.contains(raw, "GITHUB_ENV") && !windows { body.append(Self.reloadEnv) }
                if FastText.contains(raw, "GITHUB_PATH") && !windows { body.append(Self.reloadPath) }
                if !windows { body += (outputReloads[step.pos] ?? []).map { Self.reloadOutput($0.name, $0.output) } }
            case .uses(let ref):
                if currentDir != nil {
                    body.append(Self.cd(nil, windows: windows))
                    currentDir = nil
                }
                body += actionLines(job, step, ref, sp, when: cond?.untranslated == true ? nil : cond?.when, &o, &comments)
                for e in outputExports[step.pos] ?? [] {
                    body.append("export \(e.name)=\"\(FastText.escapingQuotes(e.value))\"")
                }
            }
            if let t = step.timeoutMinutes {
                note("\(sp).timeout-minutes", step.pos, .lost, "GitLab has no per-step timeout; the job's timeout applies")
                comments.append("ciport: lost: step timeout \(t) minutes")
            }
            guard !body.isEmpty else {
                // A step with no lines (a setup action) still has to say what a person must do.
                for c in comments where c.hasPrefix("ciport:") && !o.keyComments.contains(c) { o.keyComments.append(c) }
                continue
            }
            // A step's condition guards all of its lines; always()/failure() steps go to after_script.
            var after = false
            if let c = step.condition, let r = cond {
                var guards: [String] = []
                var ok = !r.untranslated
                if ok && (r.when == .always || r.when == .onFailure) {
                    after = true
                    if r.when == .onFailure { guards.append("[ \"$CI_JOB_STATUS\" = \"failed\" ]") }
                    note("\(sp).if", c.pos, .approximated, "runs in after_script (a separate shell after the script)")
                }
                if ok, let e = r.expression {
                    if !windows, let g = ShellCondition.translate(e) { guards.append(g) } else { ok = false }
                }
                if !ok {
                    // Running a step GitHub might have skipped (a deploy, a publish) is the worse mistake.
                    let n = r.notes.isEmpty ? "not turned into a shell test" : r.notes.joined(separator: "; ")
                    note("\(sp).if", c.pos, r.fidelity > .needsReview ? r.fidelity : .needsReview, "step condition \(n); the step is skipped until it is rewritten")
                    comments.append("ciport: needs-review: skipped; GitHub ran it only if: \(c.expression) (\(n))")
                    guards = [windows ? "$false" : "false"]
                    after = false
                } else if r.fidelity != .translated, !r.notes.isEmpty {
                    note("\(sp).if", c.pos, r.fidelity, r.notes.joined(separator: "; "))
                }
                if !guards.isEmpty {
                    let test = guards.count == 1 ? guards[0] : guards.map { "{ \($0); }" }.joined(separator: " && ")
                    body = windows ? ["if (\(test)) {\n" + body.joined(separator: "\n") + "\n}"]
                                   : ["if \(test); then\n" + body.joined(separator: "\n") + "\nfi"]
                }
            }
            var unique: [String] = []
            for c in comments where !unique.contains(c) { unique.append(c) }
            let items = body.enumerated().map { YOutItem(.string($1), comments: $0 == 0 ? unique : []) }
            if after { o.afterScript += items } else { o.script += items }
            ledger.setTarget(sp, "\(names[job.id] ?? job.id).\(after ? "after_script" : "script")")
        }
    }

    static func isWindows(_ job: Job) -> Bool {
        job.runsOn?.labels.first?.lowercased().hasPrefix("windows") == true
    }

    /// A script line that stops the job with a message, in the runner's shell.
    static func failLine(_ message: String, windows: Bool) -> String {
        windows ? "throw \"ciport: \(message.replacingOccurrences(of: "\"", with: "`\"").replacingOccurrences(of: "$", with: "`$"))\""
                : "echo \"ciport: \(shellSafe(message))\" >&2; exit 1"
    }

    static func trimTrailingNewlines(_ s: String) -> String {
        var t = s
        while let last = t.last, last == "\n" || last == " " || last == "\r" { t.removeLast() }
        return t
    }

    /// `cd` to a step's directory relative to the checkout, or back to the checkout.
    static func cd(_ dir: String?, windows: Bool) -> String {
        let root = windows ? "$env:CI_PROJECT_DIR" : "$CI_PROJECT_DIR"
        guard let dir, !dir.isEmpty, dir != "." else { return "cd \"\(root)\"" }
        let safe = dir.replacingOccurrences(of: "\"", with: "\\\"")
        if dir.hasPrefix("/") || dir.hasPrefix("$") || dir.hasPrefix("~") { return "cd \"\(safe)\"" }
        return "cd \"\(root)/\(safe)\""
    }

    /// Runs a step's script with the shell it asked for.
    mutating func wrapShell(_ script: String, shell: String?, path: String, pos: SourcePos,
                            comments: inout [String]) -> String {
        guard let shell else { return script }
        let name = shell.split(separator: " ").first.map(String.init) ?? shell
        switch name {
        case "bash", "sh":
            if shell.contains("{0}") {
                note(path, pos, .approximated, "custom shell options '\(shell)' not kept")
            }
            return script
        case "python":
            note(path, pos, .approximated, "python step → python3 reading the script from a here-document")
            return "python3 - <<'CIPORT_PY'\n\(script)\nCIPORT_PY"
        case "pwsh", "powershell":
            note(path, pos, .approximated, "PowerShell step → pwsh on a Linux image (needs pwsh installed)")
            return "pwsh -NoProfile -NonInteractive -Command \"$(cat <<'CIPORT_PWSH'\n\(script)\nCIPORT_PWSH\n)\""
        default:
            note(path, pos, .needsReview, "shell '\(shell)' has no GitLab counterpart; the script runs in the default shell")
            comments.append("ciport: needs-review: shell '\(shell)'")
            return script
        }
    }

    /// A step's `env:` as job variables when no other step or the workflow sets them differently,
    /// else as exports in a subshell around the step.
    mutating func stepEnvironment(_ job: Job, _ step: Step, _ sp: String, _ script: String,
                                  _ o: inout JobOut, _ comments: inout [String]) -> String {
        var exports: [String] = []
        for kv in step.env {
            var ns: [String] = []
            let t = text(kv.value, .value, path: "\(sp).env.\(kv.key)", pos: kv.pos, matrix: true, notes: &ns)
            comments += ns
            if kv.key.isEmpty {
                note("\(sp).env", kv.pos, .needsReview, "computed env mapping not expanded")
                comments.append("ciport: needs-review: env computed by \(kv.value)")
                continue
            }
            if Self.isSelfReference(t.text, kv.key) { continue }
            let global = p.variables.first { $0.key == kv.key }
            let clash = (o.hasVariable(kv.key).map { $0 != t.text } ?? false) || (global != nil && global?.value != kv.value)
            let usedElsewhere = job.steps.contains { s in s.pos != step.pos && s.env.contains { $0.key == kv.key && $0.value != kv.value } }
            // Job variables are set when the job starts, before any step has produced an output.
            let runtimeValue = FastText.readsStepOutput(kv.value)
            if clash || usedElsewhere || runtimeValue {
                let v = FastText.escapingForDoubleQuotes(t.text)
                exports.append("export \(kv.key)=\"\(v)\"")
                ledger.setTarget("\(sp).env.\(kv.key)", "\(names[job.id] ?? job.id).script")
            } else {
                o.addVariable(kv.key, t.text)
                note("\(sp).env.\(kv.key)", kv.pos, .approximated, "set for the whole job, not one step",
                     target: "\(names[job.id] ?? job.id).variables.\(kv.key)")
            }
        }
        guard !exports.isEmpty else { return script }
        return "(\n" + exports.joined(separator: "\n") + "\n" + script + "\n)"
    }

    /// The lines a `uses:` step becomes: the catalog's translation, or a line that fails the job
    /// until a person replaces it (a migrated pipeline that silently skips a deploy step is worse).
    mutating func actionLines(_ job: Job, _ step: Step, _ ref: String, _ sp: String, when: When? = nil,
                              _ o: inout JobOut, _ comments: inout [String]) -> [String] {
        let up = "\(sp).uses"
        guard let tr = options.catalog.translate(step, dialect: .github, expressions: expr) else {
            note(up, step.pos, .lost, "action \(ref) is not in the catalog; the job fails until the step is replaced")
            for w in step.with { note("\(sp).with.\(w.key)", w.pos, .lost, "input of an action that was not translated") }
            let inputs = step.with.isEmpty ? "" : " (with: \(step.with.map(\.key).joined(separator: ", ")))"
            comments.append("ciport: lost: action \(ref)\(inputs) has no GitLab translation; replace the next line")
            return [Self.failLine("replace action \(ref) by hand", windows: Self.isWindows(job))]
        }
        if tr.fidelity != .translated || !tr.notes.isEmpty {
            note(up, step.pos, tr.fidelity, tr.notes.joined(separator: "; "))
        }
        if tr.fidelity != .translated {
            comments.append("ciport: \(tr.fidelity.rawValue): \(ref)" + (tr.notes.isEmpty ? "" : ": " + tr.notes.joined(separator: "; ")))
        }
        for kv in tr.variables where o.hasVariable(kv.key) == nil { o.addVariable(kv.key, kv.value) }
        let action = String(ref.split(separator: "@").first ?? Substring(ref))
        if let img = tr.image, job.image == nil, o.image == nil {
            o.image = (img, action, tr.imageEntrypoint)
        } else if let img = tr.image, let cur = job.image?.name ?? o.image?.name, cur != img {
            imageConflict(job, step, up, action: action, current: cur, wanted: img, &o, &comments)
        }
        o.caches += tr.caches
        for s in tr.services where !o.catalogServices.contains(where: { $0.image == s.image }) { o.catalogServices.append(s) }
        for t in tr.idTokens where !o.idTokens.contains(where: { $0.key == t.key }) { o.idTokens.append(t) }
        if tr.pages { o.pagesSteps.append(action) }
        if let r = tr.release {
            if o.release != nil {
                note(up, step.pos, .needsReview, "a second release in one job; GitLab's release: makes one")
                comments.append("ciport: needs-review: a second release in this job is not created")
            } else {
                o.release = r
            }
        }
        if var a = tr.artifacts {
            switch when {
            case .always?: a.when = "always"
            case .onFailure?: a.when = "on_failure"
            default: break
            }
            mergeArtifacts(&o, a)
        }
        if tr.fetchesArtifacts && (validNeeds[job.id] ?? []).isEmpty {
            note(up, step.pos, .needsReview, "GitLab fetches artifacts only from jobs listed in needs")
            comments.append("ciport: needs-review: artifacts come from jobs listed in needs:")
        }
        if tr.implicit {
            ledger.setTarget(up, "(implicit on GitLab)")
            return []
        }
        return tr.script
    }
}
