import Foundation

/// One GitHub job as one GitLab job.
extension GitLabWriterState {
    /// What one job collects while its parts are written, before it is laid out in key order.
    struct JobOut {
        var keyComments: [String] = []
        var entries: [String: (YOut, [String])] = [:]
        var variables: [(key: String, value: String, comments: [String])] = []
        var image: (name: String, why: String, entrypoint: [String]?)?
        var serviceItems: [YOutItem] = []
        var serviceComments: [String] = []
        var idTokens: [KeyValue] = []
        /// Side containers catalog actions need (`docker:dind`).
        var catalogServices: [Service] = []
        /// Actions of this job that publish GitLab Pages.
        var pagesSteps: [String] = []
        var release: Release?
        var caches: [Cache] = []
        var artifacts: Artifacts?
        var script: [YOutItem] = []
        var afterScript: [YOutItem] = []
        /// Service host rewrites: `localhost:5432` → `postgres:5432`.
        var hostRewrites: [(String, String)] = []

        mutating func set(_ key: String, _ value: YOut, _ comments: [String] = []) {
            let old = entries[key]?.1 ?? []
            entries[key] = (value, old + comments.filter { !old.contains($0) })
        }

        mutating func comment(_ key: String, _ c: String) {
            if var e = entries[key] {
                if !e.1.contains(c) { e.1.append(c) }
                entries[key] = e
            }
        }

        func hasVariable(_ key: String) -> String? { variables.first { $0.key == key }?.value }

        mutating func addVariable(_ key: String, _ value: String, _ comments: [String] = []) {
            if let i = variables.firstIndex(where: { $0.key == key }) {
                variables[i].value = value
                variables[i].comments += comments
            } else {
                variables.append((key, value, comments))
            }
        }
    }

    static let keyOrder = [
        "stage", "needs", "image", "services", "id_tokens", "tags", "variables", "rules", "when", "parallel", "trigger",
        "timeout", "allow_failure", "environment", "resource_group", "interruptible", "cache",
        "script", "after_script", "release", "pages", "artifacts",
    ]

    mutating func writeJob(_ job: Job) -> (YOut, [String]) {
        var o = JobOut()
        let jp = "jobs.\(job.id)"
        outputPlan(job)
        o.set("stage", .string(stageOf[job.id] ?? "test"))
        if let n = job.name {
            if n != job.id {
                o.keyComments.append(n)
            }
            note("\(jp).name", job.pos, .approximated, "GitLab shows the job key; the display name is kept as a comment")
        }
        writeNeeds(job, &o)
        writeCondition(job, &o)
        if let perm = job.permissions {
            if Self.permissionsMatter(perm) { o.keyComments.append(permissionsComment(perm)) }
            note("\(jp).permissions", perm.pos, .lost, "GitLab's CI_JOB_TOKEN scopes are project settings, not job YAML")
            for s in perm.scopes { note("\(jp).permissions.\(s.key)", s.pos, .lost, "no token scopes in GitLab CI YAML") }
        }
        if let call = job.uses {
            writeWorkflowCall(job, call, &o)
            return (layout(o), o.keyComments)
        }
        writeServices(job, &o)
        writeVariables(job, &o)
        writeMatrix(job, &o)
        writeSettings(job, &o)
        writeSteps(job, &o)
        jobOutputLines(job, &o)
        chooseToolImage(job, &o)
        writeRunner(job, &o)
        writeCatalogExtras(job, &o)
        if allInterruptible && o.entries["interruptible"] == nil { o.set("interruptible", .bool(true)) }
        finishVariables(&o)
        writeCachesAndArtifacts(job, &o)
        if o.script.isEmpty {
            // GitLab requires a script; a job whose steps were all plumbing still has to run something.
            o.script.append(YOutItem(.string("echo \"Nothing left to run: every step of '\(job.id)' was GitHub plumbing\"")))
        }
        o.set("script", .seq(o.script))
        if !o.afterScript.isEmpty { o.set("after_script", .seq(o.afterScript)) }
        return (layout(o), o.keyComments)
    }

    func layout(_ o: JobOut) -> YOut {
        var m = YOutMap()
        for k in Self.keyOrder {
            if let (v, c) = o.entries[k] { m.set(k, v, comments: c) }
        }
        return m.out
    }

    // MARK: needs and conditions

    mutating func writeNeeds(_ job: Job, _ o: inout JobOut) {
        let needs = validNeeds[job.id] ?? []
        guard !needs.isEmpty else { return }
        var items: [YOutItem] = []
        var comments: [String] = []
        for (i, n) in job.needs.enumerated() where needs.contains(n) {
            let name = names[n.job] ?? n.job
            // A needed job that rules may leave out would make GitLab refuse the whole pipeline.
            if jobMayBeSkipped(n.job) {
                items.append(YOutItem(.map([YOutEntry("job", .string(name)), YOutEntry("optional", .bool(true))])))
                note("jobs.\(job.id).needs[\(i)]", n.pos, .approximated,
                     "optional: '\(n.job)' may not run; GitHub would skip '\(job.id)' then, GitLab runs it")
                comments.append("ciport: '\(name)' is optional here because its rules may leave it out")
            } else {
                items.append(YOutItem(.string(name)))
            }
            ledger.setTarget("jobs.\(job.id).needs[\(i)]", "\(names[job.id] ?? job.id).needs")
        }
        o.set("needs", .seq(items), comments)
    }

    func jobMayBeSkipped(_ id: String) -> Bool {
        guard let j = p.job(id), let c = j.condition else { return false }
        let r = Expressions.translateCondition(c.expression, options: Expressions.Options(inputs: .variable))
        return r.expression != nil && !r.untranslated
    }

    mutating func writeCondition(_ job: Job, _ o: inout JobOut) {
        guard let c = job.condition else { return }
        let path = "jobs.\(job.id).if"
        let r = Expressions.translateCondition(c.expression, options: expr)
        var comments: [String] = []
        if r.untranslated {
            // GitLab would read GitHub syntax as a broken rule; running the job anyway could deploy
            // when GitHub would not. It waits for a person instead.
            let n = r.notes.isEmpty ? "condition needs review" : r.notes.joined(separator: "; ")
            note(path, c.pos, r.fidelity > .needsReview ? r.fidelity : .needsReview, "\(n); the job runs only when started by hand",
                 target: "\(names[job.id] ?? job.id).when")
            o.set("when", .string("manual"), ["ciport: needs-review: GitHub ran this job only if: \(c.expression) (\(n)); "
                + "it waits to be started by hand until that is written as rules:if"])
            return
        }
        if r.fidelity != .translated {
            let n = r.notes.isEmpty ? "condition needs review" : r.notes.joined(separator: "; ")
            note(path, c.pos, r.fidelity, n)
            comments.append("ciport: \(r.fidelity.rawValue): if: \(c.expression) (\(n))")
        }
        if let e = r.expression {
            var rule = YOutMap()
            rule.set("if", e)
            // `delayed` needs a start_in nothing in GitHub provides.
            if let w = r.when, w != .onSuccess, w != .delayed { rule.set("when", w.rawValue) }
            o.set("rules", .seq([YOutItem(rule.out)]), comments)
            conditionalJobs.insert(job.id)
            ledger.setTarget(path, "\(names[job.id] ?? job.id).rules")
        } else if let w = r.when {
            if w != .onSuccess, w != .delayed { o.set("when", .string(w.rawValue), comments) }
            ledger.setTarget(path, "\(names[job.id] ?? job.id).when")
        } else if !comments.isEmpty {
            o.keyComments += comments
        }
    }

    // MARK: reusable workflows

    mutating func writeWorkflowCall(_ job: Job, _ call: WorkflowCall, _ o: inout JobOut) {
        let path = "jobs.\(job.id).uses"
        for w in call.with {
            var ns: [String] = []
            let t = text(w.value, .value, path: "jobs.\(job.id).with.\(w.key)", pos: w.pos, notes: &ns)
            o.addVariable(Self.variableKey(w.key), t.text, ns)
        }
        if call.secretsInherit || !call.secrets.isEmpty {
            note("jobs.\(job.id).secrets", call.pos, .approximated, "child pipelines read the project's CI/CD variables")
        }
        if call.ref.hasPrefix("./") {
            // `./.github/workflows/deploy.yml` → `.gitlab/ci/deploy.yml`, converted separately.
            let base = (call.ref as NSString).lastPathComponent
            let stem = (base as NSString).deletingPathExtension
            let target = ".gitlab/ci/\(stem).yml"
            o.set("trigger", .map([
                YOutEntry("include", .seq([YOutItem(.map([YOutEntry("local", .string(target))]))])),
                YOutEntry("strategy", .string("depend")),
            ]), ["ciport: convert \(call.ref) with ciport and commit it as \(target)"])
            note(path, call.pos, .needsReview, "runs \(target) as a child pipeline; convert \(call.ref) to that file",
                 target: "\(names[job.id] ?? job.id).trigger")
        } else {
            o.script = [YOutItem(.string(Self.failLine("reusable workflow \(call.ref) has no GitLab counterpart; port it by hand", windows: false)))]
            o.set("script", .seq(o.script), ["ciport: lost: reusable workflow \(call.ref); include a GitLab CI/CD component or template instead"])
            note(path, call.pos, .lost, "remote reusable workflows cannot run on GitLab; the job fails until it is replaced")
            for w in call.with { note("jobs.\(job.id).with.\(w.key)", w.pos, .lost, "input of a reusable workflow that is not run") }
        }
        finishVariables(&o)
    }

    // MARK: runner and image

    mutating func writeRunner(_ job: Job, _ o: inout JobOut) {
        let jp = "jobs.\(job.id)"
        if let c = job.image {
            var ns: [String] = []
            let t = text(c.name, .value, path: "\(jp).container", pos: c.pos, matrix: true, notes: &ns)
            o.set("image", .string(t.text), ns)
            ledger.setTarget("\(jp).container", "\(names[job.id] ?? job.id).image")
            if !c.credentials.isEmpty {
                note("\(jp).container.credentials", c.pos, .needsReview, "set DOCKER_AUTH_CONFIG for a private registry")
                o.comment("image", "ciport: registry credentials → set the DOCKER_AUTH_CONFIG CI/CD variable")
                for kv in c.credentials { note("\(jp).container.credentials.\(kv.key)", kv.pos, .needsReview, "see DOCKER_AUTH_CONFIG") }
            }
            if let opts = c.options {
                note("\(jp).container.options", c.pos, .lost, "docker options are runner configuration on GitLab")
                o.comment("image", "ciport: lost: container options '\(opts)' (runner configuration on GitLab)")
            }
            if !c.ports.isEmpty { note("\(jp).container.ports", c.pos, .lost, "a job container publishes no ports on GitLab") }
            if !c.volumes.isEmpty {
                note("\(jp).container.volumes", c.pos, .lost, "volumes are runner configuration on GitLab")
                o.comment("image", "ciport: lost: container volumes \(c.volumes)")
            }
        } else if let img = o.image {
            if let e = img.entrypoint {
                o.set("image", .map([YOutEntry("name", .string(img.name)), YOutEntry("entrypoint", .strings(e))]))
            } else {
                o.set("image", .string(img.name))
            }
        }
        guard let r = job.runsOn else {
            if o.entries["image"] == nil { o.set("image", .string("ubuntu:24.04")) }
            return
        }
        let path = "\(jp).runs-on"
        let labels = r.labels.map { $0.lowercased() }
        if labels.contains(where: { FastText.contains($0, "${{") }) {
            note(path, r.pos, .needsReview, "runner chosen by an expression; GitLab runner tags must be set by hand")
            if o.entries["image"] == nil { o.set("image", .string("ubuntu:24.04")) }
            o.comment("image", "ciport: runs-on \(r.labels.joined(separator: ", ")) is chosen at run time; pick runner tags per matrix entry")
            return
        }
        if r.group == nil, let first = labels.first, labels.count == 1 || !labels.contains("self-hosted") {
            if first.hasPrefix("ubuntu") {
                if o.entries["image"] == nil {
                    let version = first.dropFirst("ubuntu-".count)
                    let tag = version.first?.isNumber == true ? String(version.prefix(5)) : "24.04"
                    // Said once per file: the same holds for every job on this image.
                    o.set("image", .string("ubuntu:\(tag)"), runnerImageNoted ? [] : ["ciport: \(r.labels[0]) → ubuntu:\(tag); GitHub's runner image has far more tools preinstalled"])
                    runnerImageNoted = true
                    note(path, r.pos, .approximated, "GitHub-hosted \(r.labels[0]) → a shared runner with image ubuntu:\(tag)")
                } else {
                    note(path, r.pos, .translated, "GitHub-hosted Linux runner → GitLab shared runners")
                }
                return
            }
            if first.hasPrefix("windows") {
                o.set("tags", .strings(["saas-windows-medium-amd64"]), ["ciport: \(r.labels[0]) → GitLab's Windows runners (beta); scripts run in PowerShell"])
                note(path, r.pos, .approximated, "GitHub-hosted Windows → GitLab SaaS Windows runner tag")
                return
            }
            if first.hasPrefix("macos") {
                o.set("tags", .strings(["saas-macos-medium-m1"]), ["ciport: \(r.labels[0]) → GitLab's macOS runners (Premium); check the Xcode image"])
                if o.entries["image"] == nil { o.set("image", .string("macos-14-xcode-15")) }
                note(path, r.pos, .approximated, "GitHub-hosted macOS → GitLab SaaS macOS runner tag")
                return
            }
        }
        var tags = r.labels.filter { $0.lowercased() != "self-hosted" }
        if let g = r.group { tags.insert(g, at: 0) }
        if tags.isEmpty { tags = ["self-hosted"] }
        o.set("tags", .strings(tags), ["ciport: register GitLab runners with these tags (from runs-on)"])
        note(path, r.pos, .approximated, "self-hosted runner labels → GitLab runner tags")
        if o.entries["image"] == nil && tags.contains(where: { FastText.contains($0.lowercased(), "linux") }) {
            o.set("image", .string("ubuntu:24.04"))
        }
    }

    // MARK: services

    mutating func writeServices(_ job: Job, _ o: inout JobOut) {
        guard !job.services.isEmpty else { return }
        var items: [YOutItem] = []
        var comments: [String] = []
        for s in job.services {
            let alias = Self.hostName(s.alias ?? "service")
            let path = "jobs.\(job.id).services.\(s.alias ?? alias)"
            guard !s.image.isEmpty else {
                note(path, s.pos, .lost, "a service with an empty image is GitHub's way to switch it off")
                continue
            }
            var m = YOutMap()
            var ns: [String] = []
            m.set("name", text(s.image, .value, path: "\(path).image", pos: s.pos, matrix: true, notes: &ns).text)
            m.set("alias", alias)
            var vars = YOutMap()
            for kv in s.env {
                let t = text(kv.value, .value, path: "\(path).env.\(kv.key)", pos: kv.pos, matrix: true, notes: &ns)
                vars.set(kv.key, .string(t.text))
            }
            if !vars.isEmpty { m.set("variables", vars.out) }
            items.append(YOutItem(m.out, comments: ns))
            ledger.setTarget(path, "\(names[job.id] ?? job.id).services")
            if !s.ports.isEmpty {
                note("\(path).ports", s.pos, .approximated, "GitLab services listen on host '\(alias)', not on mapped localhost ports")
                for port in s.ports {
                    let parts = port.split(separator: ":").map(String.init)
                    let container = (parts.last ?? port).split(separator: "/").first.map(String.init) ?? port
                    let host = parts.count >= 2 ? parts[parts.count - 2] : container
                    o.hostRewrites.append(("localhost:\(host)", "\(alias):\(container)"))
                    o.hostRewrites.append(("127.0.0.1:\(host)", "\(alias):\(container)"))
                }
                if job.image == nil {
                    comments.append("ciport: GitHub reached '\(s.alias ?? alias)' on localhost (ports \(s.ports.joined(separator: ", "))); GitLab jobs use host '\(alias)' (variables rewritten, scripts not)")
                }
            }
            if let opts = s.options {
                note("\(path).options", s.pos, .lost, "docker options (health checks) are not set per service on GitLab; the runner waits for exposed ports")
                comments.append("ciport: lost: \(s.alias ?? alias) options '\(opts)'")
            }
            if !s.credentials.isEmpty {
                note("\(path).credentials", s.pos, .needsReview, "set DOCKER_AUTH_CONFIG for a private registry")
                comments.append("ciport: \(alias) registry credentials → DOCKER_AUTH_CONFIG CI/CD variable")
            }
        }
        o.serviceItems += items
        o.serviceComments += comments
    }

    /// A service key as a DNS label GitLab accepts as an alias.
    static func hostName(_ s: String) -> String {
        let h = String(s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
        return h.isEmpty ? "service" : h
    }

    // MARK: variables

    mutating func writeVariables(_ job: Job, _ o: inout JobOut) {
        let jp = "jobs.\(job.id)"
        for kv in job.image?.env ?? [] {
            var ns: [String] = []
            let t = text(kv.value, .value, path: "\(jp).container.env.\(kv.key)", pos: kv.pos, matrix: true, notes: &ns)
            o.addVariable(kv.key, t.text, ns)
        }
        for kv in job.variables {
            if kv.key.isEmpty {
                note("\(jp).env", kv.pos, .needsReview, "computed env mapping not expanded")
                o.keyComments.append("ciport: env computed by an expression (\(kv.value)) must be set by hand")
                continue
            }
            var ns: [String] = []
            let t = text(kv.value, .value, path: "\(jp).env.\(kv.key)", pos: kv.pos, matrix: true, notes: &ns)
            if Self.isSelfReference(t.text, kv.key) {
                note("\(jp).env.\(kv.key)", kv.pos, .translated, "a CI/CD variable of the same name supplies it")
                continue
            }
            o.addVariable(kv.key, t.text, ns)
            ledger.setTarget("\(jp).env.\(kv.key)", "\(names[job.id] ?? job.id).variables.\(kv.key)")
        }
    }

    mutating func finishVariables(_ o: inout JobOut) {
        guard !o.variables.isEmpty else { return }
        var m = YOutMap()
        var rewritten = false
        // A bare host (`DB_HOST: 127.0.0.1`) names the service too when only one service publishes ports.
        let aliases = Set(o.hostRewrites.compactMap { $0.1.split(separator: ":").first.map(String.init) })
        for v in o.variables {
            var value = v.value
            for (from, to) in o.hostRewrites where FastText.contains(value, from) {
                value = value.replacingOccurrences(of: from, with: to)
                rewritten = true
            }
            if aliases.count == 1, value == "localhost" || value == "127.0.0.1" {
                value = aliases.first!
                rewritten = true
            }
            m.set(v.key, .string(value), comments: v.comments)
        }
        o.set("variables", m.out, rewritten ? ["ciport: localhost service addresses rewritten to service aliases"] : [])
    }

    // MARK: matrix

    mutating func writeMatrix(_ job: Job, _ o: inout JobOut) {
        guard let mx = job.matrix else { return }
        let sp = "jobs.\(job.id).strategy"
        let mp = "\(sp).matrix"
        if mx.failFast != false {
            note("\(sp).fail-fast", mx.pos, .approximated, "GitLab does not cancel the other matrix jobs when one fails")
        }
        if let n = mx.maxParallel {
            note("\(sp).max-parallel", mx.pos, .lost, "GitLab runs matrix jobs as runners allow")
            o.keyComments.append("ciport: lost: max-parallel \(n)")
        }
        if let e = mx.expression {
            note(mp, mx.pos, .needsReview, "a matrix computed at run time (\(e)) cannot be written as parallel:matrix")
            o.keyComments.append("ciport: needs-review: matrix computed by '\(e)'; write parallel:matrix by hand or generate a child pipeline")
            return
        }
        if mx.axes.contains(where: { $0.values.contains { FastText.contains($0, "${{") } }) {
            note(mp, mx.pos, .needsReview, "matrix values computed by expressions")
            o.keyComments.append("ciport: needs-review: matrix values are expressions; write parallel:matrix by hand")
            return
        }
        guard !mx.axes.isEmpty || !mx.include.isEmpty else { return }
        var items: [YOutItem] = []
        if mx.include.isEmpty && mx.exclude.isEmpty {
            var m = YOutMap()
            for a in mx.axes {
                m.set(Expressions.variableName(forMatrixAxis: a.name), .strings(a.values))
            }
            items.append(YOutItem(m.out))
        } else {
            for combo in Self.expandMatrix(mx) {
                var m = YOutMap()
                for (k, v) in combo { m.set(Expressions.variableName(forMatrixAxis: k), .string(v)) }
                items.append(YOutItem(m.out))
            }
            if !mx.include.isEmpty { ledger.setTarget("\(mp).include", "parallel.matrix") }
            if !mx.exclude.isEmpty { ledger.setTarget("\(mp).exclude", "parallel.matrix") }
        }
        let total = items.count == 1 ? mx.axes.reduce(1) { $0 * max($1.values.count, 1) } : items.count
        if total > 200 || items.isEmpty {
            note(mp, mx.pos, .needsReview, "\(total) combinations; GitLab allows at most 200 parallel jobs")
            o.keyComments.append("ciport: needs-review: matrix of \(total) combinations is over GitLab's limit of 200")
            return
        }
        o.set("parallel", .map([YOutEntry("matrix", .seq(items))]))
        ledger.setTarget(mp, "\(names[job.id] ?? job.id).parallel.matrix")
    }

    /// GitHub's matrix expansion: the product of the axes minus `exclude`, then each `include` row
    /// either extends the combinations it matches or is added as a combination of its own.
    static func expandMatrix(_ mx: Matrix) -> [[(String, String)]] {
        var combos: [[(String, String)]] = [[]]
        for a in mx.axes {
            combos = combos.flatMap { c in a.values.map { c + [(a.name, $0)] } }
        }
        if mx.axes.isEmpty { combos = [] }
        combos.removeAll { c in
            mx.exclude.contains { row in row.allSatisfy { kv in c.contains { $0.0 == kv.key && $0.1 == kv.value } } }
        }
        let axisNames = Set(mx.axes.map(\.name))
        let original = combos
        for row in mx.include {
            var matched = false
            // Only the original combinations are extended: one an earlier row added stays as it
            // is (GitHub's rule; iterating every combination read `original` past its end).
            for i in original.indices {
                // A row extends a combination when none of its values would overwrite an original axis value.
                let conflicts = row.contains { kv in axisNames.contains(kv.key) && original[i].contains { $0.0 == kv.key && $0.1 != kv.value } }
                if conflicts { continue }
                matched = true
                for kv in row {
                    if let j = combos[i].firstIndex(where: { $0.0 == kv.key }) {
                        if !axisNames.contains(kv.key) { combos[i][j].1 = kv.value }
                    } else {
                        combos[i].append((kv.key, kv.value))
                    }
                }
            }
            if !matched { combos.append(row.map { ($0.key, $0.value) }) }
        }
        return combos
    }

    // MARK: timeout, allow_failure, environment, concurrency, outputs

    mutating func writeSettings(_ job: Job, _ o: inout JobOut) {
        let jp = "jobs.\(job.id)"
        let key = names[job.id] ?? job.id
        if let t = job.timeout {
            if let m = t.minutes, m > 0 {
                o.set("timeout", .string("\(m) minutes"))
                ledger.setTarget("\(jp).timeout-minutes", "\(key).timeout")
            } else {
                note("\(jp).timeout-minutes", t.pos, .needsReview, "timeout computed by an expression; GitLab's default applies")
                o.keyComments.append("ciport: needs-review: timeout-minutes '\(t.raw)' not kept")
            }
        }
        if let af = job.allowFailure {
            if let e = af.expression {
                note("\(jp).continue-on-error", af.pos, .needsReview, "continue-on-error computed by an expression")
                o.keyComments.append("ciport: needs-review: continue-on-error '\(e)'; use rules:allow_failure")
            } else if af.allowed {
                o.set("allow_failure", .bool(true))
                ledger.setTarget("\(jp).continue-on-error", "\(key).allow_failure")
            }
        }
        if let env = job.environment {
            var ns: [String] = []
            let name = text(env.name, .value, path: "\(jp).environment", pos: env.pos, matrix: true, notes: &ns).text
            var m = YOutMap()
            m.set("name", name)
            if let url = env.url {
                let u = text(url, .value, path: "\(jp).environment.url", pos: env.pos, matrix: true, notes: &ns).text
                if FastText.isURLOrVariable(u), !FastText.contains(u, "${{") {
                    m.set("url", u)
                } else {
                    note("\(jp).environment.url", env.pos, .needsReview, "URL known only at run time; GitLab reads it from a dotenv variable")
                    ns.append("ciport: needs-review: environment url '\(url)' → write it to a dotenv report and use url: $VAR")
                }
            }
            o.set("environment", m.entries.count == 1 ? .string(name) : m.out, ns)
            ledger.setTarget("\(jp).environment", "\(key).environment")
        }
        if let c = job.concurrency {
            var ns: [String] = []
            let g = text(c.group, .value, path: "\(jp).concurrency.group", pos: c.pos, matrix: true, notes: &ns).text
            o.set("resource_group", .string(g), ns + ["ciport: concurrency → resource_group queues jobs one at a time; it never cancels"])
            note("\(jp).concurrency", c.pos, .approximated, "resource_group queues jobs; it never cancels a running one")
            if let cancel = c.cancelInProgress, cancel != "false" {
                o.set("interruptible", .bool(true))
                note("\(jp).concurrency.cancel-in-progress", c.pos, cancel == "true" ? .approximated : .needsReview,
                     "interruptible: GitLab cancels it only when a newer pipeline starts on the same ref")
            }
        }
    }


    // MARK: caches and artifacts

    mutating func mergeArtifacts(_ o: inout JobOut, _ a: Artifacts) {
        guard var cur = o.artifacts else { o.artifacts = a; return }
        cur.paths += a.paths.filter { !cur.paths.contains($0) }
        cur.exclude += a.exclude.filter { !cur.exclude.contains($0) }
        cur.reports += a.reports.filter { !cur.reports.contains($0) }
        cur.name = cur.name ?? a.name
        cur.expireIn = cur.expireIn ?? a.expireIn
        // One artifacts: per GitLab job: uploads kept under different conditions are kept always.
        if (cur.when ?? "on_success") != (a.when ?? "on_success") { cur.when = "always" }
        o.artifacts = cur
    }

    mutating func writeCachesAndArtifacts(_ job: Job, _ o: inout JobOut) {
        let caches = Array(o.caches.prefix(4))
        if o.caches.count > 4 {
            o.keyComments.append("ciport: \(o.caches.count) caches; GitLab keeps at most 4 per job")
        }
        let cacheItems: [YOut] = caches.compactMap { c in
            var m = YOutMap()
            if !c.keyFiles.isEmpty {
                var k = YOutMap()
                k.set("files", .strings(Array(c.keyFiles.prefix(10))))
                if let pre = c.keyPrefix ?? c.key { k.set("prefix", Self.cacheKey(pre)) }
                m.set("key", k.out)
            } else if let key = c.key {
                m.set("key", Self.cacheKey(key))
            }
            guard !c.paths.isEmpty || c.untracked == true else { return nil }
            if !c.paths.isEmpty { m.set("paths", .strings(c.paths)) }
            if let u = c.untracked { m.set("untracked", .bool(u)) }
            if let pol = c.policy, ["pull", "push", "pull-push"].contains(pol) { m.set("policy", pol) }
            if let w = c.when, ["on_success", "on_failure", "always"].contains(w) { m.set("when", w) }
            let fallback = (c.fallbackKeys + c.restoreKeys).map(Self.cacheKey)
            if !fallback.isEmpty { m.set("fallback_keys", .strings(fallback)) }
            return m.out
        }
        if cacheItems.count == 1 { o.set("cache", cacheItems[0]) } else if !cacheItems.isEmpty { o.set("cache", .seq(cacheItems.map { YOutItem($0) })) }

        guard let a = o.artifacts else { return }
        var m = YOutMap()
        if let n = a.name { m.set("name", n) }
        if !a.paths.isEmpty { m.set("paths", .strings(a.paths)) }
        if !a.exclude.isEmpty && !a.paths.isEmpty { m.set("exclude", .strings(a.exclude)) }
        if !a.reports.isEmpty {
            var r = YOutMap()
            var grouped: [(String, [String])] = []
            for kv in a.reports {
                if let i = grouped.firstIndex(where: { $0.0 == kv.key }) { grouped[i].1.append(kv.value) } else { grouped.append((kv.key, [kv.value])) }
            }
            for (k, v) in grouped {
                switch k {
                case "coverage_report":
                    // GitLab wants the format beside the path; the catalog may write `cobertura:path`.
                    let parts = v[0].split(separator: ":", maxSplits: 1).map(String.init)
                    let known = parts.count == 2 && ["cobertura", "jacoco"].contains(parts[0])
                    r.set(k, .map([YOutEntry("coverage_format", .string(known ? parts[0] : "cobertura")),
                                   YOutEntry("path", .string(known ? parts[1] : v[0]))]))
                case "accessibility", "annotations", "browser_performance":
                    r.set(k, .string(v[0]))
                case _ where Self.reportTypes.contains(k):
                    r.set(k, .strings(v))
                default:
                    note("jobs.\(job.id)", job.pos, .lost, "GitLab has no '\(k)' artifact report")
                }
            }
            if !r.isEmpty { m.set("reports", r.out) }
        }
        if let u = a.untracked { m.set("untracked", .bool(u)) }
        if let w = a.when, ["on_success", "on_failure", "always"].contains(w) { m.set("when", w) }
        if let e = a.expireIn { m.set("expire_in", e) }
        if let x = a.exposeAs { m.set("expose_as", x) }
        if !m.isEmpty { o.set("artifacts", m.out) }
    }

    static let reportTypes: Set<String> = [
        "api_fuzzing", "junit", "coverage_fuzzing", "codequality", "dotenv", "lsif", "sast", "dependency_scanning",
        "container_scanning", "dast", "license_scanning", "requirements", "secret_detection", "metrics", "terraform",
        "cyclonedx", "sarif", "load_performance", "repository_xray",
    ]

    /// GitLab cache keys cannot hold `/` nor be `.` or `..`.
    static func cacheKey(_ s: String) -> String {
        var k = FastText.isPlainASCII(s, avoiding: { $0 == 0x2F }) ? s : s.replacingOccurrences(of: "/", with: "-")
        if k.isEmpty || k == "." || k == ".." { k = "cache" }
        return k
    }

    /// Text safe inside a double-quoted shell string.
    static func shellSafe(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "`", with: "\\`")
    }
}
