/// One job: a unit that runs on one runner.
public struct Job: Sendable, Codable, Equatable {
    /// The key in the source (`jobs.<id>` or the GitLab job name).
    public var id: String
    /// Display name (GitHub `name:`).
    public var name: String?
    public var pos: SourcePos
    /// GitLab stage, as written.
    public var stage: String?
    public var runsOn: RunsOn?
    public var image: Image?
    public var services: [Service] = []
    public var needs: [Need] = []
    /// Whether the source wrote `needs:` at all. GitLab's `needs: []` (start at once) differs from
    /// no `needs:` (wait for every earlier stage); nil when the source does not say.
    public var needsDeclared: Bool?
    /// GitLab `dependencies:` (whose artifacts to fetch); nil when not written.
    public var dependencies: [String]?
    /// GitHub `if:` expression, in the model's dialect.
    public var condition: Condition?
    /// GitLab rules (also `only`/`except`, turned into rules by the reader).
    public var rules: [Rule] = []
    public var when: When?
    /// For `when: delayed`.
    public var startIn: String?
    public var matrix: Matrix?
    public var timeout: Timeout?
    public var allowFailure: AllowFailure?
    public var retry: Retry?
    public var environment: Environment?
    public var caches: [Cache] = []
    public var artifacts: Artifacts?
    /// Steps in order; GitLab `before_script`/`after_script` lines are steps with that phase.
    public var steps: [Step] = []
    public var variables: [KeyValue] = []
    public var outputs: [KeyValue] = []
    public var concurrency: Concurrency?
    public var interruptible: Bool?
    /// GitLab `coverage:` regex.
    public var coverage: String?
    public var release: Release?
    /// GitLab Pages job (`pages` job name or `pages:` keyword).
    public var pages: Bool = false
    /// GitLab `trigger:` (a child or downstream pipeline).
    public var trigger: DownstreamPipeline?
    /// GitHub reusable workflow call (`jobs.<id>.uses`).
    public var uses: WorkflowCall?
    public var permissions: Permissions?
    /// GitHub `defaults.run` for this job.
    public var shell: String?
    public var workingDirectory: String?

    public init(id: String, pos: SourcePos) {
        self.id = id
        self.pos = pos
    }

    public var mainSteps: [Step] { steps.filter { $0.phase == .main } }
}

/// Where a job runs: GitHub `runs-on` labels or group, GitLab `tags`.
public struct RunsOn: Sendable, Codable, Equatable {
    public var labels: [String]
    public var group: String?
    public var pos: SourcePos

    public init(labels: [String], group: String? = nil, pos: SourcePos) {
        self.labels = labels
        self.group = group
        self.pos = pos
    }
}

/// A container image the job's steps run in.
public struct Image: Sendable, Codable, Equatable {
    public var name: String
    public var entrypoint: [String]?
    public var pullPolicy: [String] = []
    /// Registry credentials (GitHub `container.credentials`); values are expressions, never secrets themselves.
    public var credentials: [KeyValue] = []
    public var env: [KeyValue] = []
    /// Docker options (GitHub `container.options`).
    public var options: String?
    public var ports: [String] = []
    public var volumes: [String] = []
    public var pos: SourcePos

    public init(name: String, pos: SourcePos) {
        self.name = name
        self.pos = pos
    }
}

/// A side container (database, cache) reachable from the job.
public struct Service: Sendable, Codable, Equatable {
    public var image: String
    /// Host name the job reaches it by (GitHub: the service key; GitLab: `alias`).
    public var alias: String?
    public var env: [KeyValue] = []
    public var ports: [String] = []
    public var command: [String] = []
    public var entrypoint: [String] = []
    public var options: String?
    public var credentials: [KeyValue] = []
    public var pos: SourcePos

    public init(image: String, alias: String? = nil, pos: SourcePos) {
        self.image = image
        self.alias = alias
        self.pos = pos
    }
}

/// An edge to a job that must finish first.
public struct Need: Sendable, Codable, Equatable {
    public var job: String
    public var optional: Bool = false
    /// GitLab `artifacts: false`; nil means the platform default (fetch).
    public var artifacts: Bool?
    /// GitLab cross-pipeline or cross-project need (`pipeline:`/`project:`), kept verbatim.
    public var project: String?
    public var pos: SourcePos

    public init(job: String, pos: SourcePos) {
        self.job = job
        self.pos = pos
    }
}

/// A condition expression in the model's dialect (GitHub `if:` text without `${{ }}`).
public struct Condition: Sendable, Codable, Equatable {
    public var expression: String
    public var pos: SourcePos

    public init(_ expression: String, pos: SourcePos) {
        self.expression = expression
        self.pos = pos
    }
}

/// One GitLab rule (`rules:` entry).
public struct Rule: Sendable, Codable, Equatable {
    /// `if:` in the model's dialect (GitLab variable expression).
    public var condition: String?
    public var changes: [String] = []
    /// `changes:compare_to`.
    public var compareTo: String?
    public var exists: [String] = []
    public var when: When?
    public var startIn: String?
    public var allowFailure: Bool?
    public var variables: [KeyValue] = []
    public var needs: [Need]?
    public var pos: SourcePos

    public init(pos: SourcePos) { self.pos = pos }
}

/// When a job runs relative to earlier ones.
public enum When: String, Sendable, Codable {
    case onSuccess = "on_success"
    case onFailure = "on_failure"
    case always
    case manual
    case delayed
    case never
}

/// A build matrix: GitHub `strategy` or GitLab `parallel:matrix` / `parallel: N`.
public struct Matrix: Sendable, Codable, Equatable {
    public struct Axis: Sendable, Codable, Equatable {
        public var name: String
        public var values: [String]
        public var pos: SourcePos
        public init(name: String, values: [String], pos: SourcePos) {
            self.name = name
            self.values = values
            self.pos = pos
        }
    }

    public var axes: [Axis] = []
    public var include: [[KeyValue]] = []
    public var exclude: [[KeyValue]] = []
    public var failFast: Bool?
    public var maxParallel: Int?
    /// GitLab `parallel: N` (N identical copies).
    public var parallelCount: Int?
    /// A matrix computed by an expression (`matrix: ${{ fromJSON(...) }}`), kept verbatim.
    public var expression: String?
    public var pos: SourcePos

    public init(pos: SourcePos) { self.pos = pos }
}

/// A job timeout; minutes when known, the source text always.
public struct Timeout: Sendable, Codable, Equatable {
    public var minutes: Int?
    public var raw: String
    public var pos: SourcePos

    public init(minutes: Int?, raw: String, pos: SourcePos) {
        self.minutes = minutes
        self.raw = raw
        self.pos = pos
    }
}

/// Whether a failing job fails the pipeline.
public struct AllowFailure: Sendable, Codable, Equatable {
    public var allowed: Bool
    public var exitCodes: [Int] = []
    /// GitHub `continue-on-error: ${{ … }}`, kept verbatim in the model's dialect.
    public var expression: String?
    public var pos: SourcePos

    public init(allowed: Bool, exitCodes: [Int] = [], expression: String? = nil, pos: SourcePos) {
        self.allowed = allowed
        self.exitCodes = exitCodes
        self.expression = expression
        self.pos = pos
    }
}

/// Automatic retries of a failed job.
public struct Retry: Sendable, Codable, Equatable {
    public var max: Int
    public var when: [String] = []
    public var exitCodes: [Int] = []
    public var pos: SourcePos

    public init(max: Int, pos: SourcePos) {
        self.max = max
        self.pos = pos
    }
}

/// A deployment environment.
public struct Environment: Sendable, Codable, Equatable {
    public var name: String
    public var url: String?
    /// GitLab `action:` (`start`, `stop`, `prepare`, `verify`, `access`).
    public var action: String?
    /// GitLab `on_stop:` job.
    public var onStop: String?
    public var autoStopIn: String?
    public var deploymentTier: String?
    public var pos: SourcePos

    public init(name: String, pos: SourcePos) {
        self.name = name
        self.pos = pos
    }
}

/// A cache of files kept between runs.
public struct Cache: Sendable, Codable, Equatable {
    /// A literal key (may hold variables or expressions).
    public var key: String?
    /// Files whose content makes the key (GitLab `key:files`, GitHub `hashFiles(...)`).
    public var keyFiles: [String] = []
    public var keyPrefix: String?
    public var paths: [String] = []
    /// `pull`, `push` or `pull-push`.
    public var policy: String?
    public var restoreKeys: [String] = []
    public var when: String?
    public var untracked: Bool?
    public var fallbackKeys: [String] = []
    public var pos: SourcePos

    public init(pos: SourcePos) { self.pos = pos }
}

/// Files a job keeps after it ends.
public struct Artifacts: Sendable, Codable, Equatable {
    public var name: String?
    public var paths: [String] = []
    public var exclude: [String] = []
    /// Report type (`junit`, `coverage_report`, `dotenv`, …) and its paths.
    public var reports: [KeyValue] = []
    public var expireIn: String?
    /// `on_success`, `on_failure` or `always`.
    public var when: String?
    public var untracked: Bool?
    public var exposeAs: String?
    public var pos: SourcePos

    public init(pos: SourcePos) { self.pos = pos }
}

/// One step or script line.
public struct Step: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable { case before, main, after }
    public enum Action: Sendable, Codable, Equatable {
        /// A shell script (one GitLab script line, or a GitHub `run:` block).
        case run(String)
        /// A GitHub action reference (`actions/checkout@v4`, `./.github/actions/x`, `docker://…`).
        case uses(String)
    }

    public var id: String?
    public var name: String?
    public var action: Action
    /// `with:` inputs of an action.
    public var with: [KeyValue] = []
    public var env: [KeyValue] = []
    public var condition: Condition?
    public var shell: String?
    public var workingDirectory: String?
    public var continueOnError: String?
    public var timeoutMinutes: Int?
    public var phase: Phase = .main
    public var pos: SourcePos

    public init(_ action: Action, pos: SourcePos) {
        self.action = action
        self.pos = pos
    }

    public var script: String? {
        if case .run(let s) = action { return s }
        return nil
    }

    public var actionRef: String? {
        if case .uses(let r) = action { return r }
        return nil
    }
}

/// GitLab `release:`.
public struct Release: Sendable, Codable, Equatable {
    public var tagName: String
    public var name: String?
    public var description: String?
    public var ref: String?
    public var pos: SourcePos

    public init(tagName: String, pos: SourcePos) {
        self.tagName = tagName
        self.pos = pos
    }
}

/// GitLab `trigger:` of a child or multi-project pipeline.
public struct DownstreamPipeline: Sendable, Codable, Equatable {
    public var include: [String] = []
    public var project: String?
    public var branch: String?
    /// `depend` makes the parent wait for the child.
    public var strategy: String?
    public var pos: SourcePos

    public init(pos: SourcePos) { self.pos = pos }
}

/// GitHub `jobs.<id>.uses` (a reusable workflow).
public struct WorkflowCall: Sendable, Codable, Equatable {
    public var ref: String
    public var with: [KeyValue] = []
    public var secrets: [KeyValue] = []
    public var secretsInherit: Bool = false
    public var pos: SourcePos

    public init(ref: String, pos: SourcePos) {
        self.ref = ref
        self.pos = pos
    }
}
