/// The mapping between GitHub contexts and GitLab predefined variables: data, read by every
/// direction of translation and by `neutral`.
///
/// Each row pairs a GitHub expression (usually a context path) with a GitLab variable (or a
/// literal when GitLab has no variable, like `runner.os`), the GitHub default environment variable
/// that holds the same value (`GITHUB_SHA`), and the neutral placeholder key used to compare
/// pipelines. A row's `toGitLab`/`toGitHub` say how faithful each direction is; `note` says why
/// when it is not `translated`. Rows marked `.toGitLab` are aliases (several GitHub paths, one
/// GitLab variable); `.toGitHub` rows exist only in that direction. For comparisons and `rules:if`
/// some values need more than a name (`github.ref` against `refs/heads/x`, event names): those
/// are handled by the condition translators, with `eventNames` below.
struct ContextEntry: Sendable {
    enum Target: Sendable, Equatable {
        case variable(String)
        /// GitLab has no variable; the value is (approximately) this constant.
        case literal(String)
    }

    enum Direction: Sendable { case both, toGitLab, toGitHub }

    /// A GitHub expression, without `${{ }}`: a context path or, for `.toGitHub` rows, any expression.
    let github: String
    let gitlab: Target
    /// The GitHub default environment variable with the same value, if any (`GITHUB_SHA`).
    let githubEnv: String?
    /// The neutral placeholder name: `⟨sha⟩`. Rows that translate into each other share it.
    let key: String
    let toGitLab: Fidelity
    let toGitHub: Fidelity
    let note: String?
    /// Whether a person outside the project controls the value (titles, branch names, messages).
    let untrusted: Bool
    let direction: Direction

    /// The GitHub side parsed once; tables are built once per process.
    let githubExpr: Expr

    init(_ github: String, _ gitlab: String, env: String? = nil, key: String, lab: Fidelity = .translated,
         hub: Fidelity = .translated, note: String? = nil, untrusted: Bool = false, _ direction: Direction = .both,
         literal: Bool = false) {
        self.github = github
        self.gitlab = literal ? .literal(gitlab) : .variable(gitlab)
        self.githubEnv = env
        self.key = key
        self.toGitLab = lab
        self.toGitHub = hub
        self.note = note
        self.untrusted = untrusted
        self.direction = direction
        // The table is source code: a row that does not parse is a programming error.
        self.githubExpr = (try? ExpressionParser.parseGitHub(github)) ?? .string(github)
    }

    var gitlabVariable: String? {
        if case .variable(let v) = gitlab { return v }
        return nil
    }
}

enum ContextTable {
    private static let approx = Fidelity.approximated

    /// The rows. Sources: docs.github.com "Contexts" and "Variables" references, docs.gitlab.com
    /// "Predefined CI/CD variables".
    static let entries: [ContextEntry] = [
        .init("github.sha", "CI_COMMIT_SHA", env: "GITHUB_SHA", key: "sha"),
        .init("github.event.head_commit.id", "CI_COMMIT_SHA", key: "sha", .toGitLab),
        .init("github.event.after", "CI_COMMIT_SHA", key: "sha", .toGitLab),
        .init("github.ref_name", "CI_COMMIT_REF_NAME", env: "GITHUB_REF_NAME", key: "ref_name"),
        // GitLab has no full ref (`refs/heads/main`); comparisons with a ref are translated exactly
        // by the condition translator, plain uses get the short name.
        .init("github.ref", "CI_COMMIT_REF_NAME", env: "GITHUB_REF", key: "ref_name", lab: approx,
              note: "GitLab has no full ref (refs/heads/…): CI_COMMIT_REF_NAME is the short branch or tag name", .toGitLab),
        .init("github.ref_name", "CI_COMMIT_BRANCH", key: "ref_name", hub: approx,
              note: "CI_COMMIT_BRANCH is unset for tags and merge requests; github.ref_name is always set", .toGitHub),
        .init("github.ref_name", "CI_COMMIT_TAG", key: "ref_name", hub: approx,
              note: "CI_COMMIT_TAG is unset for branches; github.ref_name is set for branches too", .toGitHub),
        .init("github.event.release.tag_name", "CI_COMMIT_TAG", key: "ref_name", lab: approx,
              note: "GitLab has no release event: a tag pipeline's CI_COMMIT_TAG", .toGitLab),
        .init("github.event_name", "CI_PIPELINE_SOURCE", env: "GITHUB_EVENT_NAME", key: "event", lab: approx, hub: approx,
              note: "event names differ (pull_request ↔ merge_request_event, workflow_dispatch ↔ web)"),
        .init("github.repository", "CI_PROJECT_PATH", env: "GITHUB_REPOSITORY", key: "repository"),
        .init("github.event.repository.full_name", "CI_PROJECT_PATH", key: "repository", .toGitLab),
        .init("github.repository_owner", "CI_PROJECT_NAMESPACE", env: "GITHUB_REPOSITORY_OWNER", key: "owner", lab: approx, hub: approx,
              note: "a GitLab namespace may be a nested group path (group/subgroup)"),
        .init("github.event.repository.name", "CI_PROJECT_NAME", key: "project_name"),
        .init("format('{0}/{1}', github.server_url, github.repository)", "CI_PROJECT_URL", key: "project_url", .toGitHub),
        .init("github.event.repository.html_url", "CI_PROJECT_URL", key: "project_url", .toGitLab),
        .init("github.actor", "GITLAB_USER_LOGIN", env: "GITHUB_ACTOR", key: "actor"),
        .init("github.triggering_actor", "GITLAB_USER_LOGIN", env: "GITHUB_TRIGGERING_ACTOR", key: "actor", .toGitLab),
        .init("github.actor", "GITLAB_USER_NAME", key: "actor", hub: approx,
              note: "GitHub has the login, not the display name", .toGitHub),
        .init("github.run_id", "CI_PIPELINE_ID", env: "GITHUB_RUN_ID", key: "run_id"),
        .init("github.run_number", "CI_PIPELINE_IID", env: "GITHUB_RUN_NUMBER", key: "run_number"),
        .init("format('{0}/{1}/actions/runs/{2}', github.server_url, github.repository, github.run_id)", "CI_PIPELINE_URL",
              key: "run_url", .toGitHub),
        .init("github.workspace", "CI_PROJECT_DIR", env: "GITHUB_WORKSPACE", key: "workspace"),
        .init("github.server_url", "CI_SERVER_URL", env: "GITHUB_SERVER_URL", key: "server_url"),
        .init("github.api_url", "CI_API_V4_URL", env: "GITHUB_API_URL", key: "api_url", lab: approx, hub: approx,
              note: "the two platforms' REST APIs differ"),
        .init("github.workflow", "CI_PIPELINE_NAME", env: "GITHUB_WORKFLOW", key: "workflow", lab: approx, hub: approx,
              note: "CI_PIPELINE_NAME is set only when workflow:name is"),
        .init("github.job", "CI_JOB_NAME", env: "GITHUB_JOB", key: "job", lab: approx, hub: approx,
              note: "GitHub's job id, GitLab's job name (matrix jobs get suffixes on GitLab)"),
        .init("github.head_ref", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", env: "GITHUB_HEAD_REF", key: "head_ref", untrusted: true),
        .init("github.event.pull_request.head.ref", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", key: "head_ref", untrusted: true, .toGitLab),
        .init("github.base_ref", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", env: "GITHUB_BASE_REF", key: "base_ref"),
        .init("github.event.pull_request.base.ref", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", key: "base_ref", .toGitLab),
        .init("github.event.pull_request.title", "CI_MERGE_REQUEST_TITLE", key: "pr_title", untrusted: true),
        .init("github.event.pull_request.body", "CI_MERGE_REQUEST_DESCRIPTION", key: "pr_body", untrusted: true),
        .init("github.event.pull_request.number", "CI_MERGE_REQUEST_IID", key: "pr_number"),
        .init("github.event.number", "CI_MERGE_REQUEST_IID", key: "pr_number", .toGitLab),
        .init("github.event.pull_request.id", "CI_MERGE_REQUEST_ID", key: "pr_id"),
        .init("github.event.pull_request.head.sha", "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", key: "head_sha", lab: approx, hub: approx,
              note: "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA is set only in merged-results pipelines"),
        .init("github.event.pull_request.base.sha", "CI_MERGE_REQUEST_DIFF_BASE_SHA", key: "base_sha", lab: approx, hub: approx,
              note: "GitLab's diff base is the merge base, GitHub's base.sha the target branch head"),
        .init("github.event.pull_request.head.repo.full_name", "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", key: "head_repository"),
        .init("join(github.event.pull_request.labels.*.name, ',')", "CI_MERGE_REQUEST_LABELS", key: "pr_labels", .toGitHub),
        .init("github.event.head_commit.message", "CI_COMMIT_MESSAGE", key: "commit_message", untrusted: true),
        .init("github.event.head_commit.message", "CI_COMMIT_TITLE", key: "commit_message", hub: approx,
              note: "GitHub has the whole commit message, not its first line", untrusted: true, .toGitHub),
        .init("github.event.head_commit.timestamp", "CI_COMMIT_TIMESTAMP", key: "commit_timestamp"),
        .init("github.event.head_commit.author.name", "CI_COMMIT_AUTHOR", key: "commit_author", lab: approx, hub: approx,
              note: "GitLab's CI_COMMIT_AUTHOR is 'Name <email>'", untrusted: true),
        .init("github.event.before", "CI_COMMIT_BEFORE_SHA", key: "before_sha"),
        .init("github.event.repository.default_branch", "CI_DEFAULT_BRANCH", key: "default_branch", hub: approx,
              note: "github.event.repository is absent from some events (schedule, workflow_dispatch)"),
        .init("github.default_branch", "CI_DEFAULT_BRANCH", key: "default_branch", .toGitLab),
        .init("github.token", "CI_JOB_TOKEN", key: "token", lab: approx, hub: approx,
              note: "the job token's permissions differ between the platforms"),
        .init("secrets.github_token", "CI_JOB_TOKEN", key: "token", lab: approx,
              note: "the job token's permissions differ between the platforms", .toGitLab),
        .init("strategy.job-total", "CI_NODE_TOTAL", key: "node_total"),
        .init("strategy.job-index", "CI_NODE_INDEX", key: "node_index", lab: approx, hub: approx,
              note: "GitHub counts matrix jobs from 0, GitLab parallel jobs from 1"),
        .init("runner.os", "Linux", env: "RUNNER_OS", key: "runner_os", lab: approx,
              note: "GitLab has no runner OS variable: assumed Linux, as on shared runners", .toGitLab, literal: true),
        .init("runner.arch", "CI_RUNNER_EXECUTABLE_ARCH", env: "RUNNER_ARCH", key: "runner_arch", lab: approx, hub: approx,
              note: "values differ (X64 vs linux/amd64)"),
        .init("runner.temp", "/tmp", env: "RUNNER_TEMP", key: "runner_temp", lab: approx,
              note: "GitLab has no per-job temporary directory variable: /tmp", .toGitLab, literal: true),
        .init("runner.name", "CI_RUNNER_DESCRIPTION", env: "RUNNER_NAME", key: "runner_name", lab: approx, hub: approx,
              note: "runner naming differs"),
        .init("runner.debug", "CI_DEBUG_TRACE", env: "RUNNER_DEBUG", key: "debug", lab: approx, hub: approx,
              note: "GitHub sets '1' when debug logging is on, GitLab 'true'"),
        .init("'ghcr.io'", "CI_REGISTRY", key: "registry", hub: approx,
              note: "the GitLab project registry becomes GitHub Container Registry", .toGitHub),
        .init("format('ghcr.io/{0}', github.repository)", "CI_REGISTRY_IMAGE", key: "registry_image", hub: approx,
              note: "ghcr.io image names must be lower-case", .toGitHub),
        .init("github.actor", "CI_REGISTRY_USER", key: "actor", hub: approx, note: "log in to ghcr.io as the actor", .toGitHub),
        .init("secrets.GITHUB_TOKEN", "CI_REGISTRY_PASSWORD", key: "token", hub: approx,
              note: "GITHUB_TOKEN needs packages: write to push to ghcr.io", .toGitHub),
    ]

    /// GitHub context path (lower-cased) → row, for GitHub → GitLab.
    static let byGitHubPath: [String: ContextEntry] = {
        var d: [String: ContextEntry] = [:]
        for e in entries where e.direction != .toGitHub {
            if let p = e.githubExpr.dottedPath, d[p] == nil { d[p] = e }
        }
        return d
    }()

    /// GitLab variable → row, for GitLab → GitHub.
    static let byGitLabVariable: [String: ContextEntry] = {
        var d: [String: ContextEntry] = [:]
        for e in entries where e.direction != .toGitLab {
            if let v = e.gitlabVariable, d[v] == nil { d[v] = e }
        }
        return d
    }()

    /// GitHub default environment variable (`GITHUB_SHA`) → row.
    static let byGitHubEnv: [String: ContextEntry] = {
        var d: [String: ContextEntry] = [:]
        for e in entries { if let v = e.githubEnv, d[v] == nil { d[v] = e } }
        return d
    }()

    /// Any variable name of either platform (`CI_COMMIT_SHA`, `GITHUB_SHA`) → neutral key.
    static let neutralKeyByVariable: [String: String] = {
        var d: [String: String] = [:]
        for e in entries {
            if let v = e.gitlabVariable, d[v] == nil { d[v] = e.key }
            if let v = e.githubEnv, d[v] == nil { d[v] = e.key }
        }
        return d
    }()

    /// GitHub files written by steps (`echo x=1 >> $GITHUB_OUTPUT`): no GitLab counterpart.
    static let githubStepFiles: Set<String> = ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE", "GITHUB_EVENT_PATH", "GITHUB_ACTION_PATH"]

    /// GitHub event names ↔ GitLab `CI_PIPELINE_SOURCE` values. First match wins in each direction.
    static let eventNames: [(github: String, gitlab: String, fidelity: Fidelity, note: String?)] = [
        ("push", "push", .translated, nil),
        ("pull_request", "merge_request_event", .translated, nil),
        ("pull_request_target", "merge_request_event", .approximated,
         "pull_request_target runs with the base repository's secrets; GitLab merge request pipelines from forks do not"),
        ("schedule", "schedule", .translated, nil),
        ("workflow_dispatch", "web", .approximated, "a manual run: GitLab 'web' (the Run pipeline button); API runs are 'api'"),
        ("repository_dispatch", "api", .approximated, "GitLab API-triggered pipelines are 'api' or 'trigger'"),
        ("repository_dispatch", "trigger", .approximated, "GitLab trigger-token pipelines are 'trigger'"),
        ("workflow_call", "parent_pipeline", .approximated, "a called workflow ≈ a child pipeline"),
        ("workflow_call", "pipeline", .approximated, "a called workflow ≈ a multi-project downstream pipeline"),
        ("merge_group", "merge_train", .approximated, "merge queue ≈ merge train"),
        ("pull_request", "external_pull_request_event", .approximated, "GitLab external pull requests come from GitHub mirrors"),
    ]

    static func gitlabEvent(forGitHub name: String) -> (String, Fidelity, String?)? {
        let n = name.lowercased()
        guard let row = eventNames.first(where: { $0.github == n }) else { return nil }
        return (row.gitlab, row.fidelity, row.note)
    }

    static func githubEvent(forGitLab name: String) -> (String, Fidelity, String?)? {
        guard let row = eventNames.first(where: { $0.gitlab == name }) else { return nil }
        return (row.github, row.fidelity, row.note)
    }

    /// GitHub contexts a person outside the project can set: never spliced into a shell script.
    /// From GitHub's "Security hardening" guide and zizmor's template-injection audit.
    static func isUntrusted(path: String) -> Bool {
        if let e = byGitHubPath[path], e.untrusted { return true }
        guard path.hasPrefix("github.event.") || path == "github.head_ref" else { return false }
        for suffix in untrustedSuffixes where path.hasSuffix(suffix) { return true }
        for fragment in untrustedFragments where path.contains(fragment) { return true }
        return false
    }

    private static let untrustedSuffixes = [
        ".title", ".body", ".message", ".name", ".email", ".label", ".ref", ".head_branch", ".page_name",
        ".default_branch", ".description", ".login", ".html_url", ".tag_name", ".user_name",
    ]
    private static let untrustedFragments = [".inputs.", ".client_payload", ".comment.", ".review.", ".issue.", ".commits"]
}
