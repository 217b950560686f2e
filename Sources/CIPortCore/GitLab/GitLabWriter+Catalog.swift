import Foundation

/// What catalog actions ask of the job around their lines: its image, side containers, OIDC
/// tokens, GitLab Pages and a release.
///
/// Image rule, when several actions bring a toolchain (setup-node and setup-python in one job):
/// a `container:` always wins; otherwise the first action that names an image gives the job its
/// image. A later toolchain is fine when that image already ships it (Debian-based `node` images
/// carry python3, make and git); otherwise the step is marked needs-review, because its tool is
/// missing until a person installs it or splits the job.
extension GitLabWriterState {
    static let dindImage = "docker:27"
    static let releaseImage = "registry.gitlab.com/gitlab-org/release-cli:latest"

    /// Tools an image family ships besides its own, by the catalog image's repository.
    static let bundledTools: [String: Set<String>] = [
        "node": ["python"],
        "buildpack-deps": ["python", "perl"],
        "golangci-lint": ["golang"],
        "goreleaser": ["golang"],
    ]

    static func repository(_ image: String) -> String {
        let name = image.split(separator: "@").first.map(String.init) ?? image
        let path = name.split(separator: "/").last.map(String.init) ?? name
        return path.split(separator: ":").first.map(String.init) ?? path
    }

    mutating func imageConflict(_ job: Job, _ step: Step, _ up: String, action: String, current: String, wanted: String,
                                _ o: inout JobOut, _ comments: inout [String]) {
        let tool = Self.repository(wanted)
        if job.image == nil, Self.bundledTools[tool]?.contains(Self.repository(current)) == true {
            // The later tool's image carries the earlier toolchain (golangci-lint's image has Go): use it.
            note(up, step.pos, .approximated, "job image \(wanted) instead of \(current): it ships \(Self.repository(current)) too, in its own version")
            o.image = (wanted, action, o.image?.entrypoint)
            return
        }
        if Self.bundledTools[Self.repository(current)]?.contains(tool) == true {
            note(up, step.pos, .approximated, "the job image \(current) ships \(tool), though not the version \(wanted) pins")
            return
        }
        note(up, step.pos, .needsReview, "the job image is \(current); \(action) needs \(tool) (\(wanted)), which it may lack")
        comments.append("ciport: needs-review: \(current) may lack \(tool): install it before this step or move the step to a job on \(wanted)")
    }

    /// Before the runner decides the image: a docker build gets the docker CLI image, a job that
    /// only creates a release the release-cli image.
    mutating func chooseToolImage(_ job: Job, _ o: inout JobOut) {
        // `docker build` in a run step used the GitHub runner's daemon; on GitLab that is a dind service.
        let docker = job.steps.contains { $0.script.map(FastText.runsDockerCommand) ?? false }
        if docker, job.image == nil, o.image == nil || o.image?.name == Self.dindImage,
           !o.catalogServices.contains(where: { FastText.contains($0.image, "dind") }) {
            o.catalogServices.append(Service(image: "docker:27-dind", pos: job.pos))
            if o.hasVariable("DOCKER_TLS_CERTDIR") == nil { o.addVariable("DOCKER_TLS_CERTDIR", "/certs") }
            note("jobs.\(job.id)", job.pos, .approximated, "docker commands run against a docker:dind service in the docker:27 image")
        }
        guard job.image == nil, o.image == nil else { return }
        if o.catalogServices.contains(where: { FastText.contains($0.image, "dind") }) {
            o.image = (Self.dindImage, "docker", nil)
        } else if o.release != nil, job.steps.allSatisfy({ $0.actionRef != nil }) {
            o.image = (Self.releaseImage, "release", nil)
        }
    }

    mutating func writeCatalogExtras(_ job: Job, _ o: inout JobOut) {
        let jp = "jobs.\(job.id)"
        var services = o.serviceItems
        var serviceComments = o.serviceComments
        for s in o.catalogServices where !job.services.contains(where: { $0.image == s.image }) {
            services.append(YOutItem(.string(s.image)))
            if FastText.contains(s.image, "dind") {
                let image = job.image?.name ?? o.image?.name ?? ""
                if !image.hasPrefix("docker:") {
                    // Only the docker image finds the daemon and its TLS certificates by itself.
                    o.addVariable("DOCKER_HOST", "tcp://docker:2376")
                    o.addVariable("DOCKER_TLS_VERIFY", "1")
                    o.addVariable("DOCKER_CERT_PATH", "$DOCKER_TLS_CERTDIR/client")
                    serviceComments.append("ciport: needs-review: the docker CLI must be installed in \(image.isEmpty ? "the job image" : image)")
                    note("\(jp).services", job.pos, .needsReview, "docker builds need the docker CLI in the job image")
                }
                serviceComments.append("ciport: docker:dind needs a runner with privileged = true")
            }
        }
        if !services.isEmpty { o.set("services", .seq(services), serviceComments) } else { o.keyComments += serviceComments }
        if !o.idTokens.isEmpty {
            var m = YOutMap()
            for t in o.idTokens { m.set(t.key, .map([YOutEntry("aud", .string(t.value))])) }
            // Sigstore's public instance trusts GitLab already; a cloud account must be told to.
            let cloud = o.idTokens.contains { $0.value != "sigstore" }
            o.set("id_tokens", m.out, cloud ? ["ciport: the cloud's OIDC trust must accept GitLab's issuer (\(Self.oidcIssuer)) and this project's sub claim"] : [])
        }
        if !o.pagesSteps.isEmpty {
            let deployJobs = p.jobs.filter { $0.steps.contains { ($0.actionRef ?? "").lowercased().hasPrefix("actions/deploy-pages") } }
            let deploys = o.pagesSteps.contains { $0.lowercased() == "actions/deploy-pages" }
            if deploys || deployJobs.isEmpty {
                if names[job.id] != "pages" { o.set("pages", .bool(true)) }
                // GitLab publishes public/ from the pages job's own artifacts, also when an earlier job built it.
                var a = Artifacts(pos: job.pos)
                a.paths = ["public"]
                mergeArtifacts(&o, a)
                ledger.setTarget("\(jp)", names[job.id] ?? job.id)
            }
        }
        if let r = o.release {
            var m = YOutMap()
            m.set("tag_name", r.tagName)
            if let n = r.name { m.set("name", n) }
            m.set("description", r.description ?? "Release \(r.tagName)")
            let image = job.image?.name ?? o.image?.name ?? ""
            var cs: [String] = []
            if image != Self.releaseImage {
                cs.append("ciport: needs-review: release: runs glab or release-cli, which \(image.isEmpty ? "the job image" : image) must provide")
                note("\(jp).release", job.pos, .needsReview, "the release: keyword needs glab or release-cli in the job image")
            }
            o.set("release", m.out, cs)
        }
    }

    static let oidcIssuer = "https://gitlab.com"
}
