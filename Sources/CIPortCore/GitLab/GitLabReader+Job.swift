import Foundation

extension GitLabReading {
    /// Reads one visible job (after `extends` and `!reference`), applying `default:` as GitLab does.
    mutating func readJob(_ name: String, _ m: YMapping, keyPos: SourcePos) throws(InputError) -> Job {
        var job = Job(id: name, pos: keyPos)
        job.needsDeclared = false
        var only: YMapping.Pair?
        var except: YMapping.Pair?
        var inheritDefault: Set<String>? = nil  // nil: all
        var inheritVariables = true
        var wroteTags = false, idTokens = false
        var pagesPublish: String?
        // Script lines gather here and go into the job once; whether the job wrote each keyword
        // that `default:` fills in is noted on the way (what `m[key] == nil` answered by a scan).
        var steps: [Step] = []
        var wroteServices = false, wroteBeforeScript = false, wroteAfterScript = false, wroteCache = false

        // `inherit:` decides which defaults apply, so read it before anything else.
        if let ip = m.pair("inherit") {
            for q in try mapping(ip.value, "\(name).inherit").pairs {
                var what: String { "\(name).inherit.\(q.key.value)" }
                switch q.key.value {
                case "default":
                    if let b = q.value.scalar?.bool { inheritDefault = b ? nil : [] }
                    else { inheritDefault = Set(try strings(q.value, what)) }
                case "variables":
                    if let b = q.value.scalar?.bool { inheritVariables = b }
                    else {
                        _ = try strings(q.value, what)
                        inheritVariables = false
                        record(what, q.key.pos, .approximated,
                               "GitHub jobs always see workflow `env:`; a job cannot pick some global variables")
                        continue
                    }
                    if !inheritVariables {
                        record(what, q.key.pos, .approximated,
                               "GitHub jobs always see workflow `env:`; the job cannot opt out of global variables")
                        continue
                    }
                default:
                    throw InputError(q.key.pos, "unknown key `\(q.key.value)` in `inherit` (default, variables)")
                }
                record(what, q.key.pos)
            }
        }

        for p in m.pairs {
            let key = p.key.value
            // Built where it is used (a ledger entry, an error); a discarding ledger never builds it.
            var path: String { "\(name).\(key)" }
            let v = p.value
            switch key {
            case "script":
                try readScript(v, path, phase: .main, into: &steps)
            case "before_script":
                wroteBeforeScript = true
                try readScript(v, path, phase: .before, into: &steps)
            case "after_script":
                wroteAfterScript = true
                try readScript(v, path, phase: .after, into: &steps)
            case "stage", "type":
                job.stage = try string(v, path)
                record(path, p.key.pos, .translated, key == "type" ? "deprecated `type:` read as `stage:`" : "")
            case "image":
                job.image = try readImage(v, path)
            case "services":
                wroteServices = true
                job.services = try readServices(v, path)
            case "needs":
                job.needs = try readNeeds(v, path)
                job.needsDeclared = true
            case "dependencies":
                job.dependencies = try strings(v, path)
                record(path, p.key.pos)
            case "rules":
                job.rules = try readRules(v, path)
            case "only": only = p
            case "except": except = p
            case "when":
                job.when = try readWhen(v, path)
                record(path, p.key.pos)
            case "start_in":
                job.startIn = try string(v, path)
                record(path, p.key.pos)
            case "manual_confirmation":
                record(path, p.key.pos, .lost, "GitHub environment approvals have no confirmation message")
            case "parallel":
                job.matrix = try readParallel(v, path)
            case "trigger":
                job.trigger = try readTrigger(v, path)
            case "cache":
                wroteCache = true
                job.caches = try readCaches(v, path)
            case "artifacts":
                job.artifacts = try readArtifacts(v, path)
            case "environment":
                job.environment = try readEnvironment(v, path)
            case "resource_group":
                job.concurrency = Concurrency(group: try string(v, path), cancelInProgress: "false", pos: v.pos)
                record(path, p.key.pos)
            case "interruptible":
                job.interruptible = try bool(v, path)
                record(path, p.key.pos)
            case "retry":
                job.retry = try readRetry(v, path)
            case "timeout":
                let raw = try string(v, path)
                let minutes = GitLabReader.minutes(raw)
                job.timeout = Timeout(minutes: minutes, raw: raw, pos: v.pos)
                if minutes == nil { throw InputError(v.pos, "`timeout` '\(raw)' is not a duration GitLab reads (like 1h 30m)") }
                record(path, p.key.pos)
            case "allow_failure":
                job.allowFailure = try readAllowFailure(v, path)
            case "tags":
                let tags = try strings(v, path)
                job.runsOn = RunsOn(labels: tags, pos: v.pos)
                wroteTags = true
                record(path, p.key.pos)
            case "variables":
                job.variables = try readVariables(v, path)
                for kv in job.variables { record("\(path).\(kv.key)", kv.pos) }
            case "coverage":
                job.coverage = try string(v, path)
                record(path, p.key.pos)
            case "release":
                job.release = try readRelease(v, path)
            case "pages":
                // `pages: true`, or `pages: {publish, path_prefix, expire_in}` (GitLab 17.x).
                if let b = v.scalar?.bool {
                    job.pages = b
                } else {
                    let pm = try mapping(v, path)
                    job.pages = true
                    for q in pm.pairs {
                        switch q.key.value {
                        case "publish": pagesPublish = try string(q.value, "\(path).publish")
                        default:
                            record("\(path).\(q.key.value)", q.key.pos, .lost, "GitHub Pages has no `\(q.key.value)`")
                        }
                    }
                }
                record(path, p.key.pos)
            case "publish":
                pagesPublish = try string(v, path)
                record(path, p.key.pos)
            case "secrets":
                let sm = try mapping(v, path)
                for q in sm.pairs {
                    record("\(path).\(q.key.value)", q.key.pos, .needsReview,
                           "external secret: store it as a GitHub secret and map it with `env: \(q.key.value): ${{ secrets.\(q.key.value) }}`")
                }
            case "id_tokens":
                _ = try mapping(v, path)
                idTokens = true
                record(path, p.key.pos, .needsReview, GitLabReading.idTokensNote)
            case "inherit", "extends":
                continue
            case "identity", "hooks", "dast_configuration", "run", "description":
                record(path, p.key.pos, .lost, "`\(key)` has no GitHub counterpart")
            default:
                record(path, p.key.pos, .lost, "unknown job keyword `\(key)`")
            }
        }

        // `default:` applies to keywords the job does not set, unless `inherit:default` says otherwise.
        func inherits(_ k: String) -> Bool { inheritDefault.map { $0.contains(k) } ?? true }
        // A default that is unset would write back the value the job already has; skipping it
        // saves a checked access to the job's box per keyword.
        let d = pipeline.defaults
        if d.image != nil, job.image == nil, inherits("image") { job.image = d.image }
        if !wroteServices, !d.services.isEmpty, inherits("services") { job.services = d.services }
        if !wroteBeforeScript, !d.beforeSteps.isEmpty, inherits("before_script") { steps = d.beforeSteps + steps }
        if !wroteAfterScript, !d.afterSteps.isEmpty, inherits("after_script") { steps += d.afterSteps }
        job.steps = steps
        if !wroteCache, !d.caches.isEmpty, inherits("cache") { job.caches = d.caches }
        if d.artifacts != nil, job.artifacts == nil, inherits("artifacts") { job.artifacts = d.artifacts }
        if d.retry != nil, job.retry == nil, inherits("retry") { job.retry = d.retry }
        if d.timeout != nil, job.timeout == nil, inherits("timeout") { job.timeout = d.timeout }
        if d.interruptible != nil, job.interruptible == nil, inherits("interruptible") { job.interruptible = d.interruptible }
        if !wroteTags, inherits("tags"), let t = d.runsOn { job.runsOn = t }
        if idTokens || (defaultIDTokens && inherits("id_tokens")) {
            job.permissions = Permissions(scopes: [KeyValue("id-token", "write", pos: job.pos)], pos: job.pos)
        }
        _ = inheritVariables

        if name == "pages" || job.pages {
            job.pages = true
            // GitLab adds the published folder to the artifacts (`public` unless `publish:` says otherwise).
            let dir = pagesPublish ?? "public"
            var a = job.artifacts ?? Artifacts(pos: job.pos)
            if !a.paths.contains(where: { $0.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == dir }) {
                a.paths.append(dir)
            }
            job.artifacts = a
        }
        if only != nil || except != nil {
            if !job.rules.isEmpty {
                throw InputError((only ?? except)!.key.pos, "`only`/`except` cannot be used with `rules` in the same job")
            }
            job.rules = try rulesFromOnlyExcept(job: name, only: only, except: except)
        }
        if !steps.contains(where: { $0.phase == .main }) && job.trigger == nil {
            let fromInclude = ledger.entry("\(name).extends")?.status == .needsReview
            ledger.record("\(name)", at: keyPos, .needsReview, note: fromInclude
                ? "the job's `script:` comes from a template ciport did not fetch; ciport writes a placeholder step"
                : "job has no `script:` (GitLab rejects it); ciport writes a placeholder step")
        } else {
            ledger.record("\(name)", at: keyPos)
        }
        return job
    }

    // MARK: scripts

    /// `script` lines as steps: a string or a list, nested lists flattened; each line is recorded.
    func readScriptLines(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [(String, SourcePos)] {
        if case .mapping = n {
            throw InputError(n.pos, "`\(path())` must be a string or a list of strings, got a mapping")
        }
        var out: [(String, SourcePos)] = []
        for item in try flattened(n, path()) {
            guard let s = item.scalar else {
                throw InputError(item.pos, "`\(path())` lines must be strings; this one is \(item.kindName)")
            }
            if s.isNull { continue }
            out.append((s.value, s.pos))
        }
        return out
    }

    mutating func readScript(_ n: YNode, _ path: @autoclosure () -> String, phase: Step.Phase) throws(InputError) -> [Step] {
        var steps: [Step] = []
        try readScript(n, path(), phase: phase, into: &steps)
        return steps
    }

    /// `readScript` appending to `steps`. A list of plain scalars (nearly every `script:`) is read
    /// in place: `readScriptLines` would return the same lines in the same order with no error,
    /// after copying the list twice. Anything else (a single string, nested lists, a bad item)
    /// still goes through it, so its errors come out as before.
    mutating func readScript(_ n: YNode, _ path: @autoclosure () -> String, phase: Step.Phase,
                             into steps: inout [Step]) throws(InputError) {
        let before = steps.count
        /// One line as a step of this phase, recorded at its index among the lines read.
        func add(_ line: String, _ pos: SourcePos) {
            var step = Step(.run(line), pos: pos)
            step.phase = phase
            record("\(path())[\(steps.count - before)]", pos)
            steps.append(step)
        }
        if case .sequence(let q) = n, q.items.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
            steps.reserveCapacity(steps.count + q.items.count)
            for item in q.items {
                if case .scalar(let s) = item, !s.isNull { add(s.value, s.pos) }
            }
        } else {
            for (line, pos) in try readScriptLines(n, path()) { add(line, pos) }
        }
        if steps.count == before { record(path(), n.pos) }
    }

    // MARK: image and services

    mutating func readImage(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Image {
        if case .scalar = n {
            record(path(), n.pos)
            return Image(name: try string(n, path()), pos: n.pos)
        }
        let m = try mapping(n, path())
        guard let nameNode = m["name"] else { throw InputError(m.pos, "`\(path())` needs `name:`") }
        var img = Image(name: try string(nameNode, "\(path()).name"), pos: nameNode.pos)
        for p in m.pairs {
            switch p.key.value {
            case "name": continue
            case "entrypoint": img.entrypoint = try strings(p.value, "\(path()).entrypoint")
            case "pull_policy": img.pullPolicy = try strings(p.value, "\(path()).pull_policy")
            case "docker", "kubernetes":
                record("\(path()).\(p.key.value)", p.key.pos, .lost, "executor options have no GitHub counterpart")
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `\(path())` (name, entrypoint, pull_policy)")
            }
            record("\(path()).\(p.key.value)", p.key.pos)
        }
        record(path(), n.pos)
        return img
    }

    mutating func readServices(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [Service] {
        var out: [Service] = []
        for (i, item) in try sequence(n, path()).enumerated() {
            var ip: String { "\(path())[\(i)]" }
            if case .scalar = item {
                out.append(Service(image: try string(item, ip), pos: item.pos))
                record(ip, item.pos)
                continue
            }
            let m = try mapping(item, ip)
            guard let nameNode = m["name"] else { throw InputError(m.pos, "`\(ip)` needs `name:`") }
            var svc = Service(image: try string(nameNode, "\(ip).name"), pos: item.pos)
            for p in m.pairs {
                var what: String { "\(ip).\(p.key.value)" }
                switch p.key.value {
                case "name": continue
                case "alias": svc.alias = try string(p.value, what)
                case "entrypoint": svc.entrypoint = try strings(p.value, what)
                case "command": svc.command = try strings(p.value, what)
                case "variables": svc.env = try readVariables(p.value, what)
                case "pull_policy", "docker", "kubernetes":
                    record(what, p.key.pos, .lost, "executor options have no GitHub counterpart")
                    continue
                default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in a service")
                }
            }
            out.append(svc)
            record(ip, item.pos)
        }
        return out
    }

    // MARK: needs

    mutating func readNeeds(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [Need] {
        var out: [Need] = []
        for (i, item) in try sequence(n, path()).enumerated() {
            var ip: String { "\(path())[\(i)]" }
            if case .scalar = item {
                out.append(Need(job: try string(item, ip), pos: item.pos))
                record(ip, item.pos)
                continue
            }
            let m = try mapping(item, ip)
            var need: Need
            if let j = m["job"] {
                need = Need(job: try string(j, "\(ip).job"), pos: item.pos)
            } else if let pl = m["pipeline"] {
                need = Need(job: "", pos: item.pos)
                need.project = "pipeline:" + (try string(pl, "\(ip).pipeline"))
            } else {
                throw InputError(m.pos, "`\(ip)` needs `job:` (or `pipeline:`)")
            }
            for p in m.pairs {
                var what: String { "\(ip).\(p.key.value)" }
                switch p.key.value {
                case "job", "pipeline": continue
                case "optional": need.optional = try bool(p.value, what)
                case "artifacts": need.artifacts = try bool(p.value, what)
                case "project":
                    let project = try string(p.value, what)
                    need.project = need.project.map { $0 + " project:" + project } ?? project
                case "ref": need.project = (need.project ?? "") + "@" + (try string(p.value, what))
                case "parallel":
                    record(what, p.key.pos, .approximated, "GitHub needs the whole matrix job, not one of its variants")
                default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in a need (job, optional, artifacts, project, pipeline)")
                }
            }
            if need.project != nil {
                record(ip, item.pos, .lost, "a need on another pipeline or project (\(need.project!)) has no GitHub counterpart")
            } else {
                record(ip, item.pos)
            }
            out.append(need)
        }
        return out
    }

    // MARK: when, parallel, trigger

    func readWhen(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> When {
        let s = try string(n, path())
        guard let w = When(rawValue: s) else {
            throw InputError(n.pos, "`\(path())` '\(s)' is not one of on_success, on_failure, always, manual, delayed, never")
        }
        return w
    }

    mutating func readParallel(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Matrix {
        var mx = Matrix(pos: n.pos)
        if n.scalar != nil {
            let count = try int(n, path())
            guard (1...200).contains(count) else { throw InputError(n.pos, "`\(path())` must be between 1 and 200") }
            mx.parallelCount = count
            record(path(), n.pos)
            return mx
        }
        let m = try mapping(n, path())
        guard let matrixNode = m["matrix"], m.pairs.count == 1 else {
            throw InputError(m.pos, "`\(path())` must be a number or `matrix:`")
        }
        var rows: [[Matrix.Axis]] = []
        for (i, entry) in try sequence(matrixNode, "\(path()).matrix").enumerated() {
            var axes: [Matrix.Axis] = []
            for p in try mapping(entry, "\(path()).matrix[\(i)]").pairs {
                axes.append(Matrix.Axis(name: p.key.value, values: try strings(p.value, "\(path()).matrix[\(i)].\(p.key.value)"),
                                        pos: p.key.pos))
            }
            rows.append(axes)
            record("\(path()).matrix[\(i)]", entry.pos)
        }
        if rows.count == 1 {
            mx.axes = rows[0]
        } else {
            // GitLab's matrix is a list of matrices; GitHub's `include:` lists single combinations.
            for axes in rows {
                var combos: [[KeyValue]] = [[]]
                for axis in axes {
                    var next: [[KeyValue]] = []
                    for c in combos { for v in axis.values { next.append(c + [KeyValue(axis.name, v, pos: axis.pos)]) } }
                    combos = next
                }
                mx.include += combos
            }
        }
        record(path(), n.pos)
        return mx
    }

    mutating func readTrigger(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> DownstreamPipeline {
        var t = DownstreamPipeline(pos: n.pos)
        if n.scalar != nil {
            t.project = try string(n, path())
            record(path(), n.pos)
            return t
        }
        let m = try mapping(n, path())
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "project": t.project = try string(p.value, what)
            case "branch": t.branch = try string(p.value, what)
            case "strategy": t.strategy = try string(p.value, what)
            case "include":
                if p.value.mapping == nil, let s = try? strings(p.value, what) {
                    t.include = s
                } else {
                    let items: [YNode] = p.value.sequence?.items ?? [p.value]
                    for item in items {
                        if let s = item.string { t.include.append(s); continue }
                        let im = try mapping(item, what)
                        if let l = im["local"] ?? im["template"] ?? im["remote"] ?? im["component"] ?? im["artifact"] {
                            t.include.append(try string(l, what))
                        } else if let f = im["file"] {
                            t.include += try strings(f, what)
                        } else {
                            throw InputError(im.pos, "`\(what)` entry needs local, template, remote, artifact or file")
                        }
                    }
                }
            case "forward":
                record(what, p.key.pos, .approximated, "reusable workflows get inputs and secrets only when passed explicitly")
                continue
            case "inputs":
                record(what, p.key.pos, .needsReview, "pass these as `with:` inputs of the called workflow")
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `trigger` (include, project, branch, strategy, forward)")
            }
            record(what, p.key.pos)
        }
        record(path(), n.pos)
        return t
    }

    // MARK: cache, artifacts

    mutating func readCaches(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [Cache] {
        if case .sequence(let q) = n {
            var out: [Cache] = []
            for (i, item) in q.items.enumerated() { out.append(try readCache(item, "\(path())[\(i)]")) }
            return out
        }
        if let s = n.scalar, s.isNull { return [] }
        return [try readCache(n, path())]
    }

    private mutating func readCache(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Cache {
        let m = try mapping(n, path())
        var c = Cache(pos: n.pos)
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "key":
                if let km = p.value.mapping {
                    for q in km.merged().pairs {
                        switch q.key.value {
                        case "files": c.keyFiles = try strings(q.value, "\(what).files")
                        case "prefix": c.keyPrefix = try string(q.value, "\(what).prefix")
                        case "files_commits":
                            c.keyFiles = try strings(q.value, "\(what).files_commits")
                            record("\(what).files_commits", q.key.pos, .approximated, "keyed on file contents, not on the commits that changed them")
                        default: throw InputError(q.key.pos, "unknown key `\(q.key.value)` in `cache:key` (files, prefix)")
                        }
                    }
                } else {
                    c.key = try string(p.value, what)
                }
            case "paths": c.paths = try strings(p.value, what)
            case "policy": c.policy = try string(p.value, what)
            case "untracked": c.untracked = try bool(p.value, what)
            case "when": c.when = try string(p.value, what)
            case "fallback_keys": c.fallbackKeys = try strings(p.value, what)
            case "unprotect":
                _ = try bool(p.value, what)
                record(what, p.key.pos, .lost, "GitHub caches are scoped by branch, not by protection")
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `cache` (key, paths, policy, untracked, when, fallback_keys)")
            }
            record(what, p.key.pos)
        }
        record(path(), n.pos)
        return c
    }

    mutating func readArtifacts(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Artifacts {
        let m = try mapping(n, path())
        var a = Artifacts(pos: n.pos)
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "paths": a.paths = try strings(p.value, what)
            case "exclude": a.exclude = try strings(p.value, what)
            case "expire_in": a.expireIn = try string(p.value, what)
            case "when": a.when = try string(p.value, what)
            case "name": a.name = try string(p.value, what)
            case "untracked": a.untracked = try bool(p.value, what)
            case "expose_as": a.exposeAs = try string(p.value, what)
            case "public", "access":
                record(what, p.key.pos, .lost, "GitHub artifacts are readable by whoever can read the repository")
                continue
            case "reports":
                for q in try mapping(p.value, what).pairs {
                    var rp: String { "\(what).\(q.key.value)" }
                    if let cm = q.value.mapping {
                        // coverage_report: {coverage_format, path}
                        var paths: [String] = []
                        if let pn = cm["path"] { paths = try strings(pn, "\(rp).path") }
                        a.reports.append(KeyValue(q.key.value, paths.joined(separator: "\n"), pos: q.key.pos))
                    } else {
                        a.reports.append(KeyValue(q.key.value, try strings(q.value, rp).joined(separator: "\n"), pos: q.key.pos))
                    }
                    record(rp, q.key.pos)
                }
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `artifacts`")
            }
            record(what, p.key.pos)
        }
        record(path(), n.pos)
        return a
    }

    // MARK: environment, retry, allow_failure, release

    mutating func readEnvironment(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Environment {
        if n.scalar != nil {
            record(path(), n.pos)
            return Environment(name: try string(n, path()), pos: n.pos)
        }
        let m = try mapping(n, path())
        guard let nameNode = m["name"] else { throw InputError(m.pos, "`\(path())` needs `name:`") }
        var e = Environment(name: try string(nameNode, "\(path()).name"), pos: n.pos)
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "name": continue
            case "url": e.url = try string(p.value, what)
            case "action": e.action = try string(p.value, what)
            case "on_stop": e.onStop = try string(p.value, what)
            case "auto_stop_in": e.autoStopIn = try string(p.value, what)
            case "deployment_tier": e.deploymentTier = try string(p.value, what)
            case "kubernetes":
                record(what, p.key.pos, .lost, "GitHub environments are not tied to a Kubernetes namespace")
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `environment`")
            }
            record(what, p.key.pos)
        }
        record(path(), n.pos)
        return e
    }

    mutating func readRetry(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Retry {
        if n.scalar != nil {
            let r = Retry(max: try int(n, path()), pos: n.pos)
            record(path(), n.pos)
            return r
        }
        let m = try mapping(n, path())
        var r = Retry(max: 0, pos: n.pos)
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "max": r.max = try int(p.value, what)
            case "when": r.when = try strings(p.value, what)
            case "exit_codes": r.exitCodes = try ints(p.value, what)
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `retry` (max, when, exit_codes)")
            }
        }
        record(path(), n.pos)
        return r
    }

    mutating func readAllowFailure(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> AllowFailure {
        if n.scalar != nil {
            record(path(), n.pos)
            return AllowFailure(allowed: try bool(n, path()), pos: n.pos)
        }
        let m = try mapping(n, path())
        guard let codes = m["exit_codes"], m.pairs.count == 1 else {
            throw InputError(m.pos, "`\(path())` must be true, false or {exit_codes: …}")
        }
        record(path(), n.pos)
        return AllowFailure(allowed: true, exitCodes: try ints(codes, "\(path()).exit_codes"), pos: n.pos)
    }

    mutating func readRelease(_ n: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Release {
        let m = try mapping(n, path())
        guard let tag = m["tag_name"] else { throw InputError(m.pos, "`\(path())` needs `tag_name:`") }
        var r = Release(tagName: try string(tag, "\(path()).tag_name"), pos: n.pos)
        for p in m.pairs {
            var what: String { "\(path()).\(p.key.value)" }
            switch p.key.value {
            case "tag_name": break
            case "name": r.name = try string(p.value, what)
            case "description": r.description = try string(p.value, what)
            case "ref": r.ref = try string(p.value, what)
            case "tag_message", "milestones", "released_at", "assets":
                record(what, p.key.pos, .lost, "not carried over to the GitHub release")
                continue
            default: throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `release`")
            }
            record(what, p.key.pos)
        }
        record(path(), n.pos)
        return r
    }
}
