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
            let last = GitHubWriting.lastPart(of: name, "/") ?? name
            base = GitHubWriting.firstPart(of: last, ":") ?? last
        }
        return jobID(base, used: used)
    }

    /// Whether an image most likely has bash (images built on Alpine, BusyBox or distroless do not).
    static func imageHasBash(_ image: String) -> Bool {
        let name = image.lowercased()
        let last = GitHubWriting.lastPart(of: name, "/") ?? name
        let noBash = ["alpine", "busybox", "distroless", "kaniko", "scratch"]
        if noBash.contains(where: { GitHubWriting.includes(name, $0) }) { return false }
        if last.hasPrefix("docker:") || last == "docker" { return false }
        return true
    }

    /// The words `job` looks for in scripts (registry logins, the environment and stage names).
    static let mentionWords = ["CI_REGISTRY_PASSWORD", "CI_JOB_TOKEN", "docker", "CI_ENVIRONMENT_NAME", "CI_JOB_STAGE"]

    static func isDockerDaemon(_ image: String) -> Bool {
        let name = GitHubWriting.lastPart(of: image, "/") ?? image
        return name.hasPrefix("docker:") && GitHubWriting.includes(name, "dind")
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
        if let e = cond.expression, let err = githubSyntaxError(e) {
            // Never reached by design (rules without a GitHub form take their safe reading); kept so
            // that a gap in the translator costs one job, not the whole workflow GitHub would reject.
            let c = mark(["\(j.id).rules", "\(j.id).when", "\(j.id).only"], at: j.pos, .needsReview,
                         "the job's condition could not be written for GitHub (\(err)): the job does not run until one is written")
            m.set("if", .string("false"), comments: (cond.comments + [c].compactMap { $0 }))
        } else if let e = cond.expression {
            m.set("if", e.hasPrefix("!") ? "${{ \(e) }}" : e, comments: cond.comments)
        } else if !cond.comments.isEmpty {
            jobComments += cond.comments
        }

        // A child pipeline: a reusable workflow call, which has no runner or steps of its own.
        if let t = j.trigger {
            writeTrigger(t, job: j, into: &m)
            return YOutEntry(id, m.out, comments: jobComments + unexplainedComments(prefixes: [j.id], exact: []))
        }

        var (runsOn, runsOnComment) = runsOn(j)
        // A plain Ubuntu/Debian image is what GitLab needs to have a Linux shell at all (and what a
        // GitHub → GitLab conversion writes for `runs-on: ubuntu-latest`); on GitHub the hosted
        // runner is that machine already, with Docker and the usual toolchains preinstalled.
        var baseOS: (label: String, exact: Bool)?
        if runsOn == .string("ubuntu-latest"), let name = j.image?.name {
            if let known = hostedRunners[name] {
                baseOS = known
            } else {
                baseOS = GitHubWriting.hostedRunner(forBaseImage: name)
                hostedRunners[name] = .some(baseOS)
            }
        }
        if let b = baseOS, let img = j.image {
            runsOn = .string(b.label)
            runsOnComment = mark(["\(j.id).image", "default.image", "image"], at: img.pos, .approximated,
                                 "`\(img.name)` is a plain base OS: the job runs on the GitHub-hosted \(b.label) runner itself"
                                    + (b.exact ? "" : " (the nearest hosted image)")
                                    + ", with more tools preinstalled; apt-get, apt and dpkg run through sudo (GitLab ran the image as root)",
                                 target: "\(target).runs-on")
            onRunner.insert(j.id)
        }
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
        // Line by line: none of the words holds a line break, so none is found across two lines;
        // each line is searched once, where it was written (jobs share lines).
        var mentioned: UInt8 = 0
        for k in j.steps.indices {
            guard case .run(let line) = j.steps[k].action else { continue }
            let pos = j.steps[k].pos
            if let known = scriptMentions[pos], known.line == line {
                mentioned |= known.words
                continue
            }
            var words: UInt8 = 0
            for (bit, word) in GitHubWriting.mentionWords.enumerated() where GitHubWriting.includes(line, word) { words |= 1 << bit }
            scriptMentions[pos] = (line, words)
            mentioned |= words
        }
        func scriptsMention(_ word: String) -> Bool {
            guard let bit = GitHubWriting.mentionWords.firstIndex(of: word) else { return false }
            return mentioned & (1 << bit) != 0
        }
        if scriptsMention("CI_REGISTRY_PASSWORD") || scriptsMention("CI_JOB_TOKEN") && scriptsMention("docker") {
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
        if let img = j.image, baseOS == nil {
            let clientOnly = dind && (GitHubWriting.lastPart(of: img.name, "/").map { $0 == "docker" || $0.hasPrefix("docker:") } ?? false)
            if clientOnly {
                if let c = mark(["\(j.id).image", "default.image", "image"], at: img.pos, .approximated,
                                "the `docker` client image is not used: GitHub runners have Docker; the job runs on the runner") {
                    jobComments.append(c)
                }
            } else {
                hasContainer = true
                containerJobs.insert(j.id)
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
            var localHosts: [String] = []
            defer { hostAliases[j.id] = localHosts }
            let (inherited, withheld) = inheritedServiceEnv(j, dind: dind)
            if !withheld.isEmpty, let c = mark(["\(j.id).services[0]", "default.services[0]", "services[0]"], at: j.services[0].pos, .needsReview,
                                               "GitLab also gave the services \(withheld.joined(separator: ", ")), whose values GitHub cannot give a service here: set them in the service's env") {
                jobComments.append(c)
            }
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
                // GitLab expands the pipeline's variables in image names (`postgres:${POSTGRES_VERSION}`).
                sm.set("image", value(s.image, path[0], at: s.pos, step: j))
                var senv: [YOutEntry] = []
                for kv in inherited {
                    senv.append(YOutEntry(kv.key, .string(kv.value)))
                }
                for kv in s.env {
                    let e = YOutEntry(kv.key, .string(value(kv.value, "\(path[0]).variables", at: kv.pos)))
                    if let k = senv.firstIndex(where: { $0.key == kv.key }) { senv[k] = e } else { senv.append(e) }
                }
                if !senv.isEmpty {
                    sm.set("env", .map(senv), comments: inherited.isEmpty ? [] : [
                        "GitLab gives services the pipeline's and the job's variables too (a database image reads its password there).",
                    ])
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
                    let base = GitHubWriting.lastPart(of: GitHubWriting.gitlabHostName(s.image), "-") ?? ""
                    let gitlabName = s.alias ?? GitHubWriting.gitlabHostName(s.image)
                    if let port = GitHubWriting.servicePorts[key] ?? GitHubWriting.servicePorts[base] {
                        sm.set("ports", .strings(["\(port):\(port)"]))
                        // The job's step maps GitLab's host name to localhost, where the port is published.
                        for name in [gitlabName, key] where !localHosts.contains(name) && name != "localhost" { localHosts.append(name) }
                        status = max(status, .approximated)
                        notes.append("the job runs on the runner, not in a container: `\(gitlabName)` resolves to localhost, where port \(port) is published")
                    } else {
                        status = max(status, .needsReview)
                        notes.append("the job runs on the runner, not in a container: publish the service's port under `ports:` and reach it at localhost")
                    }
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
        if let e = j.environment, scriptsMention("CI_ENVIRONMENT_NAME"), !env.contains(where: { $0.key == "CI_ENVIRONMENT_NAME" }) {
            env.append(YOutEntry("CI_ENVIRONMENT_NAME", .string(value(e.name))))
        }
        if scriptsMention("CI_JOB_STAGE"), !env.contains(where: { $0.key == "CI_JOB_STAGE" }) {
            env.append(YOutEntry("CI_JOB_STAGE", .string(j.stage ?? "test")))
        }
        if !env.isEmpty { m.set("env", .map(env)) }

        m.set("steps", .seq(steps(j, target: target, hasContainer: hasContainer, jobComments: &jobComments)))
        return YOutEntry(id, m.out, comments: jobComments + unexplainedComments(prefixes: [j.id], exact: []))
    }

    /// Variables GitLab configures the runner with, which mean nothing to a service container.
    static func isRunnerSetting(_ name: String) -> Bool {
        let exact: Set<String> = ["GET_SOURCES_ATTEMPTS", "RESTORE_CACHE_ATTEMPTS", "ARTIFACT_DOWNLOAD_ATTEMPTS",
                                  "EXECUTOR_JOB_SECTION_ATTEMPTS", "TRANSFER_METER_FREQUENCY", "CI_DEBUG_TRACE",
                                  "CI_DEBUG_SERVICES", "SECURE_FILES_DOWNLOAD_PATH"]
        return exact.contains(name) || ["GIT_", "FF_", "DOCKER_", "KUBERNETES_", "CACHE_", "ARTIFACT_"].contains { name.hasPrefix($0) }
    }

    /// The pipeline's and the job's variables as a service container sees them on GitLab, in
    /// GitHub's dialect: every literal value (what GitLab passes, and harmless), plus values built
    /// from other variables or secrets only when the service image reads that name (a database's
    /// password). `withheld` names those the image reads but GitHub cannot express for a service
    /// (a service's `env` cannot read `env`).
    mutating func inheritedServiceEnv(_ j: Job, dind: Bool) -> (env: [KeyValue], withheld: [String]) {
        var merged: [KeyValue] = []
        for kv in p.variables + j.variables where !GitHubWriting.isRunnerSetting(kv.key) {
            if let i = merged.firstIndex(where: { $0.key == kv.key }) { merged[i] = kv } else { merged.append(kv) }
        }
        var out: [KeyValue] = []
        var withheld: [String] = []
        // What each service image reads, worked out once rather than once per variable.
        let readPrefixes = j.services.map { GitHubWriting.envPrefixes(image: $0.image) }
        for kv in merged {
            if let input = p.inputs.first(where: { $0.name == kv.key }) {
                let d = (input.defaultValue ?? kv.value).replacingOccurrences(of: "'", with: "''")
                out.append(KeyValue(kv.key, "${{ inputs.\(GitHubWriting.inputName(input.name)) || '\(d)' }}", pos: kv.pos))
                continue
            }
            let readByImage = readPrefixes.contains { $0.contains { kv.key.hasPrefix($0) } }
            // Values built from other variables (paths under $CI_PROJECT_DIR, URLs) are for the
            // scripts; a service gets them only when its image reads them.
            guard readByImage || !GitHubWriting.includes(kv.value, "$") else { continue }
            let expanded = expandedVariables(kv.value, job: j)
            guard GitHubWriting.includes(expanded, "$") else { out.append(KeyValue(kv.key, expanded, pos: kv.pos)); continue }
            let v = value(expanded)
            if GitHubWriting.includes(v, "secrets.") && !readByImage || GitHubWriting.includes(v, "env.")
                || PredefinedVariable.hasReferences(in: GitHubWriting.replacing("$$", with: "", in: v)) && !GitHubWriting.includes(v, "${{") {
                withheld.append(kv.key)
            } else {
                out.append(KeyValue(kv.key, v, pos: kv.pos))
            }
        }
        return (out, withheld)
    }

    /// Environment prefixes well-known service images read at start (the database's passwords).
    /// A secret reaches a service only when its image reads it: GitLab gives every variable to every
    /// service, GitHub only what `env:` names.
    static let serviceEnvPrefixes: [String: [String]] = [
        "mysql": ["MYSQL_"], "mariadb": ["MARIADB_", "MYSQL_"], "percona": ["MYSQL_"],
        "postgres": ["POSTGRES_", "PG"], "postgis": ["POSTGRES_", "PG"], "mongo": ["MONGO_INITDB_"],
        "redis": ["REDIS_"], "rabbitmq": ["RABBITMQ_"], "minio": ["MINIO_"], "elasticsearch": ["ELASTIC_"],
        "mssql": ["MSSQL_", "SA_PASSWORD", "ACCEPT_EULA"], "mcr.microsoft.com/mssql/server": ["MSSQL_", "SA_PASSWORD", "ACCEPT_EULA"],
    ]

    /// The `serviceEnvPrefixes` entry for a service image, empty when there is none.
    static func envPrefixes(image: String) -> [String] {
        let host = gitlabHostName(image)
        let base = GitHubWriting.lastPart(of: host, "-") ?? host
        return serviceEnvPrefixes[base] ?? serviceEnvPrefixes[host] ?? serviceEnvPrefixes[GitHubWriting.replacing("-", with: "/", in: host)] ?? []
    }

    /// The GitHub-hosted runner that stands in for a plain Ubuntu or Debian image, nil for any
    /// other image. Only these: the hosted runner is Ubuntu, so an apt-based image's scripts run
    /// there unchanged (with `sudo`), while Alpine, Fedora or language images would not.
    static func hostedRunner(forBaseImage image: String) -> (label: String, exact: Bool)? {
        var name = image.lowercased()
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        var tag = "latest"
        if let colon = name.lastIndex(of: ":"), !GitHubWriting.includes(name[colon...], "/") {
            tag = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/", "library/"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
        }
        if name.hasPrefix("library/") { name = String(name.dropFirst(8)) }
        switch name {
        case "ubuntu":
            switch tag {
            case "latest": return ("ubuntu-latest", true)
            case "24.04", "noble": return ("ubuntu-24.04", true)
            case "22.04", "jammy": return ("ubuntu-22.04", true)
            default: return ("ubuntu-latest", false)
            }
        case "debian": return ("ubuntu-latest", false)
        default: return nil
        }
    }

    /// GitLab's host name for a service image without `alias` (`tutum/wordpress` → `tutum-wordpress`).
    static func gitlabHostName(_ image: String) -> String {
        var name = image
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !GitHubWriting.includes(name[colon...], "/") { name = String(name[..<colon]) }
        return GitHubWriting.replacing("/", with: "-", in: name)
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
        let name = value(img.name, path.first { ledger.contains($0) } ?? path[0], at: img.pos, step: j)
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
