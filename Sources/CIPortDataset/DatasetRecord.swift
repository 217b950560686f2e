import CIPortCore

/// One training record: a chat in the `messages` form that TRL's SFTTrainer, axolotl and
/// LLaMA-Factory read as is, plus ciport's metadata.
public struct DatasetRecord: Sendable, Codable, Equatable {
    public struct Message: Sendable, Codable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var messages: [Message]
    public var meta: Meta

    public init(messages: [Message], meta: Meta) {
        self.messages = messages
        self.meta = meta
    }

    public struct Side: Sendable, Codable, Equatable, Hashable {
        public var platform: DatasetPlatform
        public var stack: String?
        public var cloud: String?
        public init(platform: DatasetPlatform, stack: String? = nil, cloud: String? = nil) {
            self.platform = platform
            self.stack = stack
            self.cloud = cloud
        }
    }

    public struct Meta: Sendable, Codable, Equatable {
        public var id: String
        /// `platform` | `stack` | `deploy`
        public var task: String
        public var source: Side
        public var target: Side
        /// `authored` | `synthesized` | `mined`
        public var provenance: String
        public var license: String
        /// sha256 of the normalized source and target files (`ContentHash`).
        public var hash: String
        /// Where a mined or synthesized pair came from, for the person who reviews it.
        public var origin: Origin?

        public init(id: String, task: String, source: Side, target: Side, provenance: String, license: String,
                    hash: String, origin: Origin? = nil) {
            self.id = id
            self.task = task
            self.source = source
            self.target = target
            self.provenance = provenance
            self.license = license
            self.hash = hash
            self.origin = origin
        }
    }

    /// Provenance detail: the repository, commits and paths a pair was taken from.
    public struct Origin: Sendable, Codable, Equatable {
        public struct FileVersion: Sendable, Codable, Equatable {
            public var path: String
            public var commit: String?
            public var date: String?
            public init(path: String, commit: String? = nil, date: String? = nil) {
                self.path = path
                self.commit = commit
                self.date = date
            }
        }
        public var repo: String?
        public var source: FileVersion
        public var target: FileVersion?
        /// For mined pairs: `removed` (the old file was deleted near the new one's arrival) or `stale`.
        public var relation: String?
        public init(repo: String? = nil, source: FileVersion, target: FileVersion? = nil, relation: String? = nil) {
            self.repo = repo
            self.source = source
            self.target = target
            self.relation = relation
        }
    }

    /// The three task kinds.
    public static let tasks: Set<String> = ["platform", "stack", "deploy"]
    /// The three provenances.
    public static let provenances: Set<String> = ["authored", "synthesized", "mined"]
}

/// CI platforms a record may name. Only GitHub and GitLab are read by ciport; the others occur in
/// mined pairs (Travis → GitHub Actions and the like) and are checked as plain YAML, or not at all.
public enum DatasetPlatform: String, Sendable, Codable, CaseIterable, Hashable {
    case github, gitlab, travis, circleci, jenkins, azure, bitbucket

    public init(_ p: Platform) { self = p == .github ? .github : .gitlab }

    /// The core's platform, when ciport reads this one.
    public var ciport: Platform? {
        switch self {
        case .github: .github
        case .gitlab: .gitlab
        default: nil
        }
    }

    /// How a person names it in an instruction.
    public var displayName: String {
        switch self {
        case .github: "GitHub Actions"
        case .gitlab: "GitLab CI"
        case .travis: "Travis CI"
        case .circleci: "CircleCI"
        case .jenkins: "Jenkins"
        case .azure: "Azure Pipelines"
        case .bitbucket: "Bitbucket Pipelines"
        }
    }

    /// Whether the file is YAML (a Jenkinsfile is Groovy).
    public var isYAML: Bool { self != .jenkins }
}
