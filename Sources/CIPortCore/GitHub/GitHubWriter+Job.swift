import Foundation

extension GitHubWriting {
    /// Well-known service ports, published when the job runs on the runner itself (no container),
    /// where services are reached on localhost rather than by host name.
    static let servicePorts: [String: String] = [
        "postgres": "5432", "postgis": "5432", "mysql": "3306", "mariadb": "3306", "redis": "6379",
        "mongo": "27017", "mongodb": "27017", "rabbitmq": "5672", "elasticsearch": "9200",
        "memcached": "11211", "selenium": "4444", "standalone-chrome": "4444", "minio": "9000",
    ]

    /// The name GitLab derives a service's host name from: the image without registry path and tag.
    static func serviceKey(_ s: Service, used: Set<String>) -> String {
        var base: String
        if let alias = s.alias, !alias.isEmpty {
            base = String(alias.split(whereSeparator: { $0 == "," || $0 == " " }).first ?? Substring(alias))
        } else {
            var name = s.image
            if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
            let last = name.split(separator: "/").last.map(String.init) ?? name
            base = String(last.split(separator: ":").first ?? Substring(last))
        }
        return jobID(base, used: used)
    }

    /// Whether an image most likely has bash (images built on Alpine, BusyBox or distroless do not).
    static func imageHasBash(_ image: String) -> Bool {
        let name = image.lowercased()
        let last = name.split(separator: "/").last.map(String.init) ?? name
        let noBash = ["alpine", "busybox", "distroless", "kaniko", "scratch"]
        if noBash.contains(where: { name.contains($0) }) { return false }
        if last.hasPrefix("docker:") || last == "docker" { return false }
        return true
    }

    static func isDockerDaemon(_ image: String) -> Bool {
        let name = image.split(separator: "/").last.map(String.init) ?? image
        return name.hasPrefix("docker:") && name.contains("dind")
    }

    // MARK: job

    mutating func job(_ j: Job, needs: [String], condition jc: JobCondition) -> YOutEntry {
        let id = ids[j.id] ?? j.id
        let target = "jobs.\(id)"
        var m = YOutMap()
        var jobComments: [String] = []
        ledger.setTarget(j.id, target)
        if id != j.id { m.set("name", j.id) }
        if !needs.isEmpty { m.set("needs", .strings(needs.compactMap { ids[$0] })) }

        // if:
        var cond = jc
        if cond.expression != nil || !needs.isEmpty {
            // A skipped need skips its dependents on GitHub; GitLab runs them (the job just was not created).
            if !cond.hasStatus, needs.contains(where: { conditional.contains($0) }) {
                cond.expression = "!cancelled() && !failure()" + (cond.expression.map { " && \(GitHubWriting.parenthesized($0))" } ?? "")
            }
        }
        if let e = cond.expression {
            m.set("if", e.hasPrefix("!") ? "${{ \(e) }}" : e, comments: cond.comments)
        } else if !cond.comments.isEmpty {
            jobComments += cond.comments
        }

        // A child pipeline: a reusable workflow call, which has no runner or steps of its own.
        if let t = j.trigger {
            writeTrigger(t, job: j, into: &m)
            return YOutEntry(id, m.out, comments: jobComments + unexplainedComments(prefixes: [j.id], exact: []))
        }

        let (runsOn, runsOnComment) = runsOn(j)
        m.set("runs-on", runsOn, comments: runsOnComment.map { [$0] } ?? [])

        // permissions: only what the job needs beyond the workflow's `contents: read`.
        var perms: [(String, String)] = [("contents", "read")]
        var permWhy: [String] = []
        func grant(_ k: String, _ v: String, _ why: String) {
            if let i = perms.firstIndex(where: { $0.0 == k }) { perms[i].1 = v } else { perms.append((k, v)) }
            if !permWhy.contains(why) { permWhy.append(why) }
        }
        if j.pages { grant("pages", "write", "Pages deployment"); grant("id-token", "write", "Pages deployment") }
        if j.release != nil { grant("contents", "write", "creating a release") }
        for s in j.permissions?.scopes ?? [] { grant(s.key, s.value, "OIDC token (`id_tokens:`)") }
        let scriptText = j.steps.compactMap(\.script).joined(separator: "\n")
        if scriptText.contains("CI_REGISTRY_PASSWORD") || scriptText.contains("CI_JOB_TOKEN") && scriptText.contains("docker") {
            grant("packages", "write", "pushing images to ghcr.io")
        }
        if perms.count > 1 || perms[0].1 != "read" {
            m.set("permissions", .map(perms.map { YOutEntry($0.0, .string($0.1)) }),
                  comments: ["Needed for \(permWhy.joined(separator: ", "))."])
        }

        // environment (and manual / delayed jobs, which GitHub gates through environments).
        var envComments: [String] = []
        var envName: String?
        var envURL: String?
        if let e = j.environment {
            envName = value(e.name, "\(j.id).environment.name", at: e.pos)
            envURL = e.url.map { value($0, "\(j.id).environment.url", at: e.pos) }
            mark(["\(j.id).environment"], at: e.pos, .translated, "", target: "\(target).environment")
            if let a = e.action, a != "start" {
                let note = a == "stop" ? "`action: stop`: GitHub environments are not stopped; delete the deployment yourself"
                    : "`action: \(a)`: GitHub records a deployment for every job that names an environment"
                if let c = mark(["\(j.id).environment.action"], at: e.pos, .approximated, note) { envComments.append(c) }
            }
            if let s = e.onStop, let c = mark(["\(j.id).environment.on_stop"], at: e.pos, .approximated,
                                               "`on_stop: \(s)`: GitHub does not run a job when an environment stops") { envComments.append(c) }
            if e.autoStopIn != nil, let c = mark(["\(j.id).environment.auto_stop_in"], at: e.pos, .lost,
                                                 "GitHub environments do not stop by themselves") { envComments.append(c) }
            if e.deploymentTier != nil, let c = mark(["\(j.id).environment.deployment_tier"], at: e.pos, .lost,
                                                     "GitHub environments have no tier") { envComments.append(c) }
        }
        if cond.manual {
            envName = envName ?? "manual-\(id)"
            if let c = mark(["\(j.id).when", "\(j.id).rules", "\(j.id).only"], at: j.pos, .needsReview,
                            "GitLab `when: manual`: add required reviewers to environment `\(envName!)` (Settings → Environments) so a person starts this job") {
                envComments.append(c)
            }
        }
        if let d = cond.delayed {
            envName = envName ?? "delayed-\(id)"
            if let c = mark(["\(j.id).when", "\(j.id).start_in", "\(j.id).rules"], at: j.pos, .approximated,
                            "GitLab `when: delayed` (start_in \(d)): set a wait timer on environment `\(envName!)`") {
                envComments.append(c)
            }
        }
        if j.pages {
            if envName != nil, envName != "github-pages" {
                envComments.append(mark(["\(j.id).environment"], at: j.pos, .approximated,
                                        "GitHub Pages deploys to the `github-pages` environment; `\(envName!)` is replaced") ?? "")
            }
            envName = "github-pages"
            envURL = "${{ steps.deployment.outputs.page_url }}"
        }
        if let name = envName {
            if let url = envURL {
                m.set("environment", .map([YOutEntry("name", .string(name)), YOutEntry("url", .string(url))]),
                      comments: envComments.filter { !$0.isEmpty })
            } else {
                m.set("environment", .string(name), comments: envComments.filter { !$0.isEmpty })
            }
        }

        if let c = j.concurrency {
            let group = value(c.group, "\(j.id).resource_group", at: c.pos)
            let cm = mark(["\(j.id).resource_group"], at: c.pos, .approximated,
                          "GitLab `resource_group` queues every job; GitHub keeps one waiting and cancels older waiting ones",
                          target: "\(target).concurrency")
            m.set("concurrency", .map([YOutEntry("group", .string(group)), YOutEntry("cancel-in-progress", .bool(false))]),
                  comments: cm.map { [$0] } ?? [])
        }
        if let t = j.timeout, let minutes = t.minutes {
            mark(["\(j.id).timeout", "default.timeout"], at: t.pos, .translated, "", target: "\(target).timeout-minutes")
            m.set("timeout-minutes", .int(minutes))
        }
        if let a = j.allowFailure, a.allowed {
            var comments: [String] = []
            if !a.exitCodes.isEmpty, let c = mark(["\(j.id).allow_failure"], at: a.pos, .approximated,
                                                  "GitLab allows failure only for exit codes \(a.exitCodes.map(String.init).joined(separator: ", ")); GitHub for any") {
                comments.append(c)
            } else {
                mark(["\(j.id).allow_failure"], at: a.pos, .translated, "", target: "\(target).continue-on-error")
            }
            m.set("continue-on-error", .bool(true), comments: comments)
        } else if cond.allowFailure {
            let c = mark(["\(j.id).rules"], at: j.pos, .approximated, "`rules:allow_failure` applies whichever rule matched")
            m.set("continue-on-error", .bool(true), comments: c.map { [$0] } ?? [])
        }
        if let r = j.retry, r.max > 0 {
            if let c = mark(["\(j.id).retry", "default.retry"], at: r.pos, .lost,
                            "`retry: \(r.max)` dropped: GitHub does not retry jobs; re-run failed jobs, or retry the flaky command in the script") {
                jobComments.append(c)
            }
        }
        if j.coverage != nil, let c = mark(["\(j.id).coverage"], at: j.pos, .lost,
                                           "`coverage:` regex dropped: GitHub does not parse coverage from logs (upload a report, e.g. to Codecov)") {
            jobComments.append(c)
        }

        // strategy
        var matrixEnv: [KeyValue] = []
        if let mx = j.matrix { m.set("strategy", strategy(mx, job: j, env: &matrixEnv)) }

        // container and services
        let dind = j.services.contains { GitHubWriting.isDockerDaemon($0.image) }
        var containerComments: [String] = []
        var hasContainer = false
        if let img = j.image {
            let clientOnly = dind && (img.name.split(separator: "/").last.map { $0 == "docker" || $0.hasPrefix("docker:") } ?? false)
            if clientOnly {
                if let c = mark(["\(j.id).image", "default.image", "image"], at: img.pos, .approximated,
                                "the `docker` client image is not used: GitHub runners have Docker; the job runs on the runner") {
                    jobComments.append(c)
                }
            } else {
                hasContainer = true
                m.set("container", container(img, job: j, dind: dind, comments: &containerComments), comments: containerComments)
                // GitLab runs scripts with bash (`set -eo pipefail`) when the image has it, else sh;
                // GitHub's container default is `sh -e`, so scripts using `source` or `[[` would break.
                if GitHubWriting.imageHasBash(img.name) {
                    m.set("defaults", .map([YOutEntry("run", .map([YOutEntry("shell", .string("bash"))]))]),
                          comments: ["GitLab runs job scripts with bash when the image has it."])
                }
            }
        }
        if !j.services.isEmpty {
            var svcs: [YOutEntry] = []
            var used = Set<String>()
            var svcComments: [String] = []
            for (i, s) in j.services.enumerated() {
                let path = ["\(j.id).services[\(i)]", "default.services[\(i)]", "services[\(i)]"]
                if GitHubWriting.isDockerDaemon(s.image) {
                    if let c = mark(path, at: s.pos, .approximated,
                                    hasContainer ? "docker:dind dropped: the job container gets the runner's Docker socket instead"
                                        : "docker:dind dropped: GitHub runners have Docker") {
                        svcComments.append(c)
                    }
                    continue
                }
                let key = GitHubWriting.serviceKey(s, used: used)
                used.insert(key)
                var sm = YOutMap()
                sm.set("image", value(s.image, path[0], at: s.pos))
                if !s.env.isEmpty {
                    sm.set("env", .map(s.env.map { YOutEntry($0.key, .string(value($0.value, "\(path[0]).variables", at: $0.pos))) }))
                }
                if !s.entrypoint.isEmpty {
                    sm.set("options", "--entrypoint \(s.entrypoint[0])")
                }
                var notes: [String] = []
                var status = Fidelity.translated
                if !s.command.isEmpty {
                    status = .lost
                    notes.append("service `command:` (\(s.command.joined(separator: " "))) dropped: GitHub services run the image's default command")
                }
                if s.entrypoint.count > 1 {
                    status = max(status, .approximated)
                    notes.append("only the first word of `entrypoint:` is kept")
                }
                if hasContainer {
                    let gitlabName = s.alias ?? GitHubWriting.gitlabHostName(s.image)
                    if gitlabName != key {
                        status = max(status, .approximated)
                        notes.append("GitLab reached this service as `\(gitlabName)`; here its host name is `\(key)`")
                    }
                } else {
                    let base = GitHubWriting.gitlabHostName(s.image).split(separator: "-").last.map(String.init) ?? ""
                    if let port = GitHubWriting.servicePorts[key] ?? GitHubWriting.servicePorts[base] {
                        sm.set("ports", .strings(["\(port):\(port)"]))
                    }
                    status = max(status, .approximated)
                    notes.append("the job runs on the runner, not in a container: reach `\(key)` at localhost (published ports), not by host name")
                }
                let c = mark(path, at: s.pos, status, notes.joined(separator: "; "), target: "\(target).services.\(key)")
                svcs.append(YOutEntry(key, sm.out, comments: c.map { [$0] } ?? []))
            }
            if !svcs.isEmpty { m.set("services", .map(svcs), comments: svcComments) } else { jobComments += svcComments }
        }

        // env: job variables, matrix values, and what `parallel:` gives GitLab scripts.
        var env: [YOutEntry] = []
        for kv in j.variables {
            if dind, kv.key == "DOCKER_HOST" {
                if let c = mark(["\(j.id).variables.DOCKER_HOST"], at: kv.pos, .lost,
                                "DOCKER_HOST pointed at the docker:dind service, which is not used") { jobComments.append(c) }
                continue
            }
            let v = value(kv.value, "\(j.id).variables.\(kv.key)", at: kv.pos, reexported: true)
            ledger.setTarget("\(j.id).variables.\(kv.key)", "\(target).env.\(kv.key)")
            env.append(YOutEntry(kv.key, .string(v)))
        }
        for kv in matrixEnv where !env.contains(where: { $0.key == kv.key }) { env.append(YOutEntry(kv.key, .string(kv.value))) }
        if let e = j.environment, scriptText.contains("CI_ENVIRONMENT_NAME"), !env.contains(where: { $0.key == "CI_ENVIRONMENT_NAME" }) {
            env.append(YOutEntry("CI_ENVIRONMENT_NAME", .string(value(e.name))))
        }
        if scriptText.contains("CI_JOB_STAGE"), !env.contains(where: { $0.key == "CI_JOB_STAGE" }) {
            env.append(YOutEntry("CI_JOB_STAGE", .string(j.stage ?? "test")))
        }
        if !env.isEmpty { m.set("env", .map(env)) }

        m.set("steps", .seq(steps(j, target: target, hasContainer: hasContainer, jobComments: &jobComments)))
        return YOutEntry(id, m.out, comments: jobComments + unexplainedComments(prefixes: [j.id], exact: []))
    }

    /// GitLab's host name for a service image without `alias` (`tutum/wordpress` → `tutum-wordpress`).
    static func gitlabHostName(_ image: String) -> String {
        var name = image
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name.replacingOccurrences(of: "/", with: "-")
    }

    mutating func runsOn(_ j: Job) -> (YOut, String?) {
        guard let r = j.runsOn, !r.labels.isEmpty else { return (.string("ubuntu-latest"), nil) }
        let labels = r.labels.map { value($0, "\(j.id).tags", at: r.pos) }
        let path = ["\(j.id).tags", "default.tags"]
        // GitLab.com's hosted runners have GitHub-hosted counterparts.
        if labels.allSatisfy({ $0.hasPrefix("saas-") || $0.hasPrefix("gitlab-org") }) {
            let os = labels.contains { $0.contains("macos") } ? "macos-latest" : labels.contains { $0.contains("windows") } ? "windows-latest" : "ubuntu-latest"
            let c = mark(path, at: r.pos, .approximated, "GitLab.com runner tags \(labels.joined(separator: ", ")) → GitHub-hosted \(os)")
            return (.string(os), c)
        }
        let c = mark(path, at: r.pos, .approximated,
                     "runner tags become self-hosted runner labels: register runners with \(labels.joined(separator: ", "))",
                     target: "jobs.\(ids[j.id] ?? j.id).runs-on")
        return (.strings(["self-hosted"] + labels), c)
    }

    mutating func container(_ img: Image, job j: Job, dind: Bool, comments: inout [String]) -> YOut {
        let path = ["\(j.id).image", "default.image", "image"]
        let name = value(img.name, path.first { ledger.entry($0) != nil } ?? path[0], at: img.pos)
        var m = YOutMap()
        m.set("image", name)
        if img.name.hasPrefix("$CI_REGISTRY") || img.name.hasPrefix("${CI_REGISTRY") {
            m.set("credentials", .map([
                YOutEntry("username", .string("${{ github.actor }}")),
                YOutEntry("password", .string("${{ secrets.GITHUB_TOKEN }}")),
            ]))
        }
        if dind {
            m.set("volumes", .strings(["/var/run/docker.sock:/var/run/docker.sock"]))
        }
        var notes: [String] = []
        var status = Fidelity.translated
        if let ep = img.entrypoint, !(ep.isEmpty || ep == [""]) {
            status = .approximated
            notes.append("image `entrypoint:` \(ep) not applied: GitHub starts job containers with its own command")
        }
        if !img.pullPolicy.isEmpty {
            status = max(status, .approximated)
            notes.append("`pull_policy` dropped: GitHub pulls the image for every job")
        }
        if let c = mark(path, at: img.pos, status, notes.joined(separator: "; "), target: "jobs.\(ids[j.id] ?? j.id).container") {
            comments.append(c)
        }
        if m.entries.count == 1 { return .string(name) }
        return m.out
    }

    mutating func strategy(_ mx: Matrix, job j: Job, env: inout [KeyValue]) -> YOut {
        var matrix = YOutMap()
        if let n = mx.parallelCount {
            matrix.set("ci_node_index", .seq((1...max(n, 1)).map { YOutItem(.raw(String($0))) }))
            env.append(KeyValue("CI_NODE_INDEX", "${{ matrix.ci_node_index }}", pos: mx.pos))
            env.append(KeyValue("CI_NODE_TOTAL", String(n), pos: mx.pos))
        }
        var names: [String] = []
        for a in mx.axes {
            matrix.set(a.name, .strings(a.values))
            names.append(a.name)
        }
        if !mx.include.isEmpty {
            var rows: [YOutItem] = []
            for row in mx.include {
                rows.append(YOutItem(.map(row.map { YOutEntry($0.key, .string($0.value)) })))
                for kv in row where !names.contains(kv.key) { names.append(kv.key) }
            }
            matrix.set("include", .seq(rows))
        }
        // GitLab exposes matrix values as variables of the same name.
        for n in names { env.append(KeyValue(n, "${{ matrix.\(n) }}", pos: mx.pos)) }
        mark(["\(j.id).parallel"], at: mx.pos, .translated, "", target: "jobs.\(ids[j.id] ?? j.id).strategy")
        return .map([
            YOutEntry("fail-fast", .bool(false)),
            YOutEntry("matrix", matrix.out),
        ])
    }

    mutating func writeTrigger(_ t: DownstreamPipeline, job j: Job, into m: inout YOutMap) {
        let path = "\(j.id).trigger"
        var ref: String
        var note: String
        if let local = t.include.first {
            var base = (local as NSString).lastPathComponent
            for suffix in [".gitlab-ci.yml", ".yml", ".yaml"] where base.hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
                break
            }
            let file = GitHubWriting.jobID(base.isEmpty ? "child" : base, used: [])
            ref = "./.github/workflows/\(file).yml"
            note = "child pipeline \(t.include.joined(separator: ", ")): convert it too, as \(ref) with `on: workflow_call`"
        } else {
            let project = t.project ?? "unknown/project"
            let parts = project.split(separator: "/")
            let repo = parts.count >= 2 ? "\(parts.first!)/\(parts.last!)" : "\(project)/\(project)"
            ref = "\(repo)/.github/workflows/ci.yml@\(t.branch ?? "main")"
            note = "downstream project \(project): call its workflow (made reusable with `on: workflow_call`), or dispatch it with the API"
        }
        if t.strategy != "depend" {
            note += "; GitLab did not wait for it (no `strategy: depend`), GitHub does"
        }
        let c = mark([path], at: t.pos, .needsReview, note, target: "jobs.\(ids[j.id] ?? j.id).uses")
        m.set("uses", ref, comments: c.map { [$0] } ?? [])
        for kv in j.variables {
            mark(["\(j.id).variables.\(kv.key)"], at: kv.pos, .needsReview,
                 "trigger variables go to the child pipeline: declare them as `workflow_call` inputs and pass them with `with:`")
        }
    }
}
