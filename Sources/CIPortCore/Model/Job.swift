/// One job: a unit that runs on one runner.
///
/// The fields live in one copy-on-write box. Readers and writers pass jobs around by value, and
/// copying 34 fields (strings, arrays, nested images and rules) cost a retain and a release per
/// field every time (about 4 % of a GitLab → GitHub conversion); a copy is now one retain.
public struct Job: Sendable, Codable, Equatable {
    // Safe to share across threads: a box is only written through `unique()`, which first copies
    // a box that any other value also holds, so a box reachable from more than one value (and so
    // from more than one thread) is never written again.
    //
    // The fields are `@exclusivity(unchecked)`: a class property is otherwise checked at run time
    // on every get (`swift_beginAccess`, about 1 % of `dataset validate` in `Facts.extract` alone).
    // The check could never fire: a field is written only inside `_modify`, on a box `unique()`
    // has made this value's alone, while the value is under a `mutating` access that the compiler
    // already keeps exclusive, so no other get or modify can reach that box meanwhile.
    private final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var id: String
        @exclusivity(unchecked) var name: String? = nil
        @exclusivity(unchecked) var pos: SourcePos
        @exclusivity(unchecked) var stage: String? = nil
        @exclusivity(unchecked) var runsOn: RunsOn? = nil
        @exclusivity(unchecked) var image: Image? = nil
        @exclusivity(unchecked) var services: [Service] = []
        @exclusivity(unchecked) var needs: [Need] = []
        @exclusivity(unchecked) var needsDeclared: Bool? = nil
        @exclusivity(unchecked) var dependencies: [String]? = nil
        @exclusivity(unchecked) var condition: Condition? = nil
        @exclusivity(unchecked) var rules: [Rule] = []
        @exclusivity(unchecked) var when: When? = nil
        @exclusivity(unchecked) var startIn: String? = nil
        @exclusivity(unchecked) var matrix: Matrix? = nil
        @exclusivity(unchecked) var timeout: Timeout? = nil
        @exclusivity(unchecked) var allowFailure: AllowFailure? = nil
        @exclusivity(unchecked) var retry: Retry? = nil
        @exclusivity(unchecked) var environment: Environment? = nil
        @exclusivity(unchecked) var caches: [Cache] = []
        @exclusivity(unchecked) var artifacts: Artifacts? = nil
        @exclusivity(unchecked) var steps: [Step] = []
        @exclusivity(unchecked) var variables: [KeyValue] = []
        @exclusivity(unchecked) var outputs: [KeyValue] = []
        @exclusivity(unchecked) var concurrency: Concurrency? = nil
        @exclusivity(unchecked) var interruptible: Bool? = nil
        @exclusivity(unchecked) var coverage: String? = nil
        @exclusivity(unchecked) var release: Release? = nil
        @exclusivity(unchecked) var pages: Bool = false
        @exclusivity(unchecked) var trigger: DownstreamPipeline? = nil
        @exclusivity(unchecked) var uses: WorkflowCall? = nil
        @exclusivity(unchecked) var permissions: Permissions? = nil
        @exclusivity(unchecked) var shell: String? = nil
        @exclusivity(unchecked) var workingDirectory: String? = nil

        init(id: String, pos: SourcePos) {
            self.id = id
            self.pos = pos
        }

        init(copying o: Storage) {
            id = o.id
            name = o.name
            pos = o.pos
            stage = o.stage
            runsOn = o.runsOn
            image = o.image
            services = o.services
            needs = o.needs
            needsDeclared = o.needsDeclared
            dependencies = o.dependencies
            condition = o.condition
            rules = o.rules
            when = o.when
            startIn = o.startIn
            matrix = o.matrix
            timeout = o.timeout
            allowFailure = o.allowFailure
            retry = o.retry
            environment = o.environment
            caches = o.caches
            artifacts = o.artifacts
            steps = o.steps
            variables = o.variables
            outputs = o.outputs
            concurrency = o.concurrency
            interruptible = o.interruptible
            coverage = o.coverage
            release = o.release
            pages = o.pages
            trigger = o.trigger
            uses = o.uses
            permissions = o.permissions
            shell = o.shell
            workingDirectory = o.workingDirectory
        }
    }

    private var storage: Storage

    /// The box, copied first when another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return storage
    }

    /// The key in the source (`jobs.<id>` or the GitLab job name).
    public var id: String {
        get { storage.id }
        _modify { yield &unique().id }
    }
    /// Display name (GitHub `name:`).
    public var name: String? {
        get { storage.name }
        _modify { yield &unique().name }
    }
    public var pos: SourcePos {
        get { storage.pos }
        _modify { yield &unique().pos }
    }
    /// GitLab stage, as written.
    public var stage: String? {
        get { storage.stage }
        _modify { yield &unique().stage }
    }
    public var runsOn: RunsOn? {
        get { storage.runsOn }
        _modify { yield &unique().runsOn }
    }
    public var image: Image? {
        get { storage.image }
        _modify { yield &unique().image }
    }
    public var services: [Service] {
        get { storage.services }
        _modify { yield &unique().services }
    }
    public var needs: [Need] {
        get { storage.needs }
        _modify { yield &unique().needs }
    }
    /// Whether the source wrote `needs:` at all. GitLab's `needs: []` (start at once) differs from
    /// no `needs:` (wait for every earlier stage); nil when the source does not say.
    public var needsDeclared: Bool? {
        get { storage.needsDeclared }
        _modify { yield &unique().needsDeclared }
    }
    /// GitLab `dependencies:` (whose artifacts to fetch); nil when not written.
    public var dependencies: [String]? {
        get { storage.dependencies }
        _modify { yield &unique().dependencies }
    }
    /// GitHub `if:` expression, in the model's dialect.
    public var condition: Condition? {
        get { storage.condition }
        _modify { yield &unique().condition }
    }
    /// GitLab rules (also `only`/`except`, turned into rules by the reader).
    public var rules: [Rule] {
        get { storage.rules }
        _modify { yield &unique().rules }
    }
    public var when: When? {
        get { storage.when }
        _modify { yield &unique().when }
    }
    /// For `when: delayed`.
    public var startIn: String? {
        get { storage.startIn }
        _modify { yield &unique().startIn }
    }
    public var matrix: Matrix? {
        get { storage.matrix }
        _modify { yield &unique().matrix }
    }
    public var timeout: Timeout? {
        get { storage.timeout }
        _modify { yield &unique().timeout }
    }
    public var allowFailure: AllowFailure? {
        get { storage.allowFailure }
        _modify { yield &unique().allowFailure }
    }
    public var retry: Retry? {
        get { storage.retry }
        _modify { yield &unique().retry }
    }
    public var environment: Environment? {
        get { storage.environment }
        _modify { yield &unique().environment }
    }
    public var caches: [Cache] {
        get { storage.caches }
        _modify { yield &unique().caches }
    }
    public var artifacts: Artifacts? {
        get { storage.artifacts }
        _modify { yield &unique().artifacts }
    }
    /// Steps in order; GitLab `before_script`/`after_script` lines are steps with that phase.
    public var steps: [Step] {
        get { storage.steps }
        _modify { yield &unique().steps }
    }
    public var variables: [KeyValue] {
        get { storage.variables }
        _modify { yield &unique().variables }
    }
    public var outputs: [KeyValue] {
        get { storage.outputs }
        _modify { yield &unique().outputs }
    }
    public var concurrency: Concurrency? {
        get { storage.concurrency }
        _modify { yield &unique().concurrency }
    }
    public var interruptible: Bool? {
        get { storage.interruptible }
        _modify { yield &unique().interruptible }
    }
    /// GitLab `coverage:` regex.
    public var coverage: String? {
        get { storage.coverage }
        _modify { yield &unique().coverage }
    }
    public var release: Release? {
        get { storage.release }
        _modify { yield &unique().release }
    }
    /// GitLab Pages job (`pages` job name or `pages:` keyword).
    public var pages: Bool {
        get { storage.pages }
        _modify { yield &unique().pages }
    }
    /// GitLab `trigger:` (a child or downstream pipeline).
    public var trigger: DownstreamPipeline? {
        get { storage.trigger }
        _modify { yield &unique().trigger }
    }
    /// GitHub reusable workflow call (`jobs.<id>.uses`).
    public var uses: WorkflowCall? {
        get { storage.uses }
        _modify { yield &unique().uses }
    }
    public var permissions: Permissions? {
        get { storage.permissions }
        _modify { yield &unique().permissions }
    }
    /// GitHub `defaults.run` for this job.
    public var shell: String? {
        get { storage.shell }
        _modify { yield &unique().shell }
    }
    public var workingDirectory: String? {
        get { storage.workingDirectory }
        _modify { yield &unique().workingDirectory }
    }

    public init(id: String, pos: SourcePos) {
        storage = Storage(id: id, pos: pos)
    }

    public var mainSteps: [Step] { steps.filter { $0.phase == .main } }

    public static func == (a: Job, b: Job) -> Bool {
        if a.storage === b.storage { return true }
        let x = a.storage, y = b.storage
        return x.id == y.id && x.name == y.name && x.pos == y.pos && x.stage == y.stage && x.runsOn == y.runsOn &&
            x.image == y.image && x.services == y.services && x.needs == y.needs &&
            x.needsDeclared == y.needsDeclared && x.dependencies == y.dependencies && x.condition == y.condition &&
            x.rules == y.rules && x.when == y.when && x.startIn == y.startIn && x.matrix == y.matrix &&
            x.timeout == y.timeout && x.allowFailure == y.allowFailure && x.retry == y.retry &&
            x.environment == y.environment && x.caches == y.caches && x.artifacts == y.artifacts &&
            x.steps == y.steps && x.variables == y.variables && x.outputs == y.outputs &&
            x.concurrency == y.concurrency && x.interruptible == y.interruptible && x.coverage == y.coverage &&
            x.release == y.release && x.pages == y.pages && x.trigger == y.trigger && x.uses == y.uses &&
            x.permissions == y.permissions && x.shell == y.shell && x.workingDirectory == y.workingDirectory
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, pos, stage, runsOn, image, services, needs, needsDeclared, dependencies, condition, rules
        case when, startIn, matrix, timeout, allowFailure, retry, environment, caches, artifacts, steps, variables
        case outputs, concurrency, interruptible, coverage, release, pages, trigger, uses, permissions, shell
        case workingDirectory
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        storage = Storage(id: try c.decode(String.self, forKey: .id), pos: try c.decode(SourcePos.self, forKey: .pos))
        let s = storage
        s.name = try c.decodeIfPresent(String.self, forKey: .name)
        s.stage = try c.decodeIfPresent(String.self, forKey: .stage)
        s.runsOn = try c.decodeIfPresent(RunsOn.self, forKey: .runsOn)
        s.image = try c.decodeIfPresent(Image.self, forKey: .image)
        s.services = try c.decode([Service].self, forKey: .services)
        s.needs = try c.decode([Need].self, forKey: .needs)
        s.needsDeclared = try c.decodeIfPresent(Bool.self, forKey: .needsDeclared)
        s.dependencies = try c.decodeIfPresent([String].self, forKey: .dependencies)
        s.condition = try c.decodeIfPresent(Condition.self, forKey: .condition)
        s.rules = try c.decode([Rule].self, forKey: .rules)
        s.when = try c.decodeIfPresent(When.self, forKey: .when)
        s.startIn = try c.decodeIfPresent(String.self, forKey: .startIn)
        s.matrix = try c.decodeIfPresent(Matrix.self, forKey: .matrix)
        s.timeout = try c.decodeIfPresent(Timeout.self, forKey: .timeout)
        s.allowFailure = try c.decodeIfPresent(AllowFailure.self, forKey: .allowFailure)
        s.retry = try c.decodeIfPresent(Retry.self, forKey: .retry)
        s.environment = try c.decodeIfPresent(Environment.self, forKey: .environment)
        s.caches = try c.decode([Cache].self, forKey: .caches)
        s.artifacts = try c.decodeIfPresent(Artifacts.self, forKey: .artifacts)
        s.steps = try c.decode([Step].self, forKey: .steps)
        s.variables = try c.decode([KeyValue].self, forKey: .variables)
        s.outputs = try c.decode([KeyValue].self, forKey: .outputs)
        s.concurrency = try c.decodeIfPresent(Concurrency.self, forKey: .concurrency)
        s.interruptible = try c.decodeIfPresent(Bool.self, forKey: .interruptible)
        s.coverage = try c.decodeIfPresent(String.self, forKey: .coverage)
        s.release = try c.decodeIfPresent(Release.self, forKey: .release)
        s.pages = try c.decode(Bool.self, forKey: .pages)
        s.trigger = try c.decodeIfPresent(DownstreamPipeline.self, forKey: .trigger)
        s.uses = try c.decodeIfPresent(WorkflowCall.self, forKey: .uses)
        s.permissions = try c.decodeIfPresent(Permissions.self, forKey: .permissions)
        s.shell = try c.decodeIfPresent(String.self, forKey: .shell)
        s.workingDirectory = try c.decodeIfPresent(String.self, forKey: .workingDirectory)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let s = storage
        try c.encode(s.id, forKey: .id)
        try c.encodeIfPresent(s.name, forKey: .name)
        try c.encode(s.pos, forKey: .pos)
        try c.encodeIfPresent(s.stage, forKey: .stage)
        try c.encodeIfPresent(s.runsOn, forKey: .runsOn)
        try c.encodeIfPresent(s.image, forKey: .image)
        try c.encode(s.services, forKey: .services)
        try c.encode(s.needs, forKey: .needs)
        try c.encodeIfPresent(s.needsDeclared, forKey: .needsDeclared)
        try c.encodeIfPresent(s.dependencies, forKey: .dependencies)
        try c.encodeIfPresent(s.condition, forKey: .condition)
        try c.encode(s.rules, forKey: .rules)
        try c.encodeIfPresent(s.when, forKey: .when)
        try c.encodeIfPresent(s.startIn, forKey: .startIn)
        try c.encodeIfPresent(s.matrix, forKey: .matrix)
        try c.encodeIfPresent(s.timeout, forKey: .timeout)
        try c.encodeIfPresent(s.allowFailure, forKey: .allowFailure)
        try c.encodeIfPresent(s.retry, forKey: .retry)
        try c.encodeIfPresent(s.environment, forKey: .environment)
        try c.encode(s.caches, forKey: .caches)
        try c.encodeIfPresent(s.artifacts, forKey: .artifacts)
        try c.encode(s.steps, forKey: .steps)
        try c.encode(s.variables, forKey: .variables)
        try c.encode(s.outputs, forKey: .outputs)
        try c.encodeIfPresent(s.concurrency, forKey: .concurrency)
        try c.encodeIfPresent(s.interruptible, forKey: .interruptible)
        try c.encodeIfPresent(s.coverage, forKey: .coverage)
        try c.encodeIfPresent(s.release, forKey: .release)
        try c.encode(s.pages, forKey: .pages)
        try c.encodeIfPresent(s.trigger, forKey: .trigger)
        try c.encodeIfPresent(s.uses, forKey: .uses)
        try c.encodeIfPresent(s.permissions, forKey: .permissions)
        try c.encodeIfPresent(s.shell, forKey: .shell)
        try c.encodeIfPresent(s.workingDirectory, forKey: .workingDirectory)
    }
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
