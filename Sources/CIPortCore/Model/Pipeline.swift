/// The CI platforms ciport reads and writes.
public enum Platform: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case github
    case gitlab

    public var description: String {
        switch self {
        case .github: "GitHub Actions"
        case .gitlab: "GitLab CI"
        }
    }

    public var other: Platform { self == .github ? .gitlab : .github }
}

/// A name/value pair in source order (variables, `with:` inputs, outputs, matrix include rows).
public struct KeyValue: Hashable, Sendable, Codable {
    public var key: String
    public var value: String
    public var pos: SourcePos

    public init(_ key: String, _ value: String, pos: SourcePos) {
        self.key = key
        self.value = value
        self.pos = pos
    }
}

/// The platform-neutral pipeline model.
///
/// Strings that may hold expressions (`${{ }}` on GitHub, `$VAR` on GitLab) are kept in the
/// dialect of `dialect`, the platform they were read from; writers translate them with
/// `Expressions`. Every node carries the position of the source construct it came from.
public struct Pipeline: Sendable, Codable, Equatable {
    /// The platform whose expression syntax the strings in this model use.
    public var dialect: Platform
    public var name: String?
    /// The name each run shows (GitHub `run-name`, GitLab `workflow:name`); may hold expressions.
    public var runName: String? = nil
    public var pos: SourcePos
    public var triggers: [Trigger] = []
    /// Inputs of a manual run (`workflow_dispatch`) or a call (`workflow_call`, GitLab `spec:inputs`).
    public var inputs: [Input] = []
    public var variables: [KeyValue] = []
    public var defaults: Defaults = Defaults()
    public var permissions: Permissions?
    public var concurrency: Concurrency?
    /// GitLab stage order, or stages synthesised from `needs` when writing GitLab.
    public var stages: [String] = []
    public var jobs: [Job] = []
    /// GitLab `workflow:rules` kept as rules when they are more than trigger filters.
    public var workflowRules: [Rule] = []
    /// `include:` entries that were not resolved (templates, projects, remote files, components).
    public var includes: [Include] = []

    public init(dialect: Platform, name: String? = nil, pos: SourcePos) {
        self.dialect = dialect
        self.name = name
        self.pos = pos
    }

    public func job(_ id: String) -> Job? { jobs.first { $0.id == id } }
}

/// What starts a pipeline.
public struct Trigger: Sendable, Codable, Equatable {
    public enum Event: String, Sendable, Codable {
        /// A push to a branch or a tag (filters say which).
        case push
        /// A pull request (GitHub) or merge request (GitLab).
        case pullRequest = "pull_request"
        /// GitHub's `pull_request_target`: runs with the base repository's secrets.
        case pullRequestTarget = "pull_request_target"
        case schedule
        /// A person starts it by hand (`workflow_dispatch`, GitLab "Run pipeline" / `web`).
        case manual
        /// Called by another pipeline (`workflow_call`, GitLab `parent_pipeline` / `pipeline`).
        case call
        /// Started through the API (`repository_dispatch`, GitLab `api` / `trigger`).
        case api
        /// A release is published (GitHub `release`); GitLab sees the tag push.
        case release
        /// Another workflow finished (`workflow_run`).
        case workflowRun = "workflow_run"
        /// Any other platform event (`issues`, `merge_group`, `chat`, …), kept by name in `rawEvent`.
        case other
    }

    public var event: Event
    /// The event name as the source wrote it (`push`, `merge_request_event`, `issues`, …).
    public var rawEvent: String
    public var branches: [String] = []
    public var branchesIgnore: [String] = []
    public var tags: [String] = []
    public var tagsIgnore: [String] = []
    public var paths: [String] = []
    public var pathsIgnore: [String] = []
    /// Activity types (`opened`, `published`, …).
    public var types: [String] = []
    /// Cron expression for `schedule`.
    public var cron: String?
    /// Workflows named by `workflow_run`.
    public var workflows: [String] = []
    public var pos: SourcePos

    public init(event: Event, rawEvent: String, pos: SourcePos) {
        self.event = event
        self.rawEvent = rawEvent
        self.pos = pos
    }
}

/// An input of a manual or called pipeline.
public struct Input: Sendable, Codable, Equatable {
    public var name: String
    public var description: String?
    /// `string`, `boolean`, `number`, `choice`, `environment` (GitHub) or `string`, `boolean`, `number`, `array` (GitLab).
    public var type: String?
    public var required: Bool?
    public var defaultValue: String?
    public var options: [String] = []
    public var pos: SourcePos

    public init(name: String, pos: SourcePos) {
        self.name = name
        self.pos = pos
    }
}

/// Settings every job inherits unless it overrides them.
public struct Defaults: Sendable, Codable, Equatable {
    public var image: Image?
    public var services: [Service] = []
    public var runsOn: RunsOn?
    /// GitHub `defaults.run`.
    public var shell: String?
    public var workingDirectory: String?
    /// GitLab `default:before_script` / `after_script`, kept as steps with their phase.
    public var beforeSteps: [Step] = []
    public var afterSteps: [Step] = []
    public var caches: [Cache] = []
    public var artifacts: Artifacts?
    public var retry: Retry?
    public var timeout: Timeout?
    public var interruptible: Bool?
    public var pos: SourcePos?

    public init() {}

    public var isEmpty: Bool { self == Defaults() }
}

/// GitHub `permissions:` (either a shorthand such as `read-all` or scopes).
public struct Permissions: Sendable, Codable, Equatable {
    public var shorthand: String?
    public var scopes: [KeyValue] = []
    public var pos: SourcePos

    public init(shorthand: String? = nil, scopes: [KeyValue] = [], pos: SourcePos) {
        self.shorthand = shorthand
        self.scopes = scopes
        self.pos = pos
    }
}

/// GitHub `concurrency:` or GitLab `resource_group:` / `interruptible:`.
public struct Concurrency: Sendable, Codable, Equatable {
    public var group: String
    public var cancelInProgress: String?
    public var pos: SourcePos

    public init(group: String, cancelInProgress: String? = nil, pos: SourcePos) {
        self.group = group
        self.cancelInProgress = cancelInProgress
        self.pos = pos
    }
}

/// A GitLab `include:` entry that ciport records but does not fetch.
public struct Include: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case local, template, project, remote, component }
    public var kind: Kind
    public var location: String
    public var ref: String?
    public var files: [String] = []
    public var inputs: [KeyValue] = []
    public var pos: SourcePos

    public init(kind: Kind, location: String, pos: SourcePos) {
        self.kind = kind
        self.location = location
        self.pos = pos
    }
}
