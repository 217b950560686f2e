import Foundation

/// Well-known GitHub actions and what they become on GitLab (and which GitLab constructs become
/// which actions). The catalog is data (`actions.json`); users extend it with `--catalog FILE`.
public struct ActionCatalog: Sendable {
    public var entries: [ActionEntry]

    public init(entries: [ActionEntry]) {
        self.entries = entries
    }

    /// The catalog bundled with ciport.
    public static let bundled: ActionCatalog = {
        guard let url = Bundle.module.url(forResource: "actions", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let catalog = try? ActionCatalog(json: data, file: "actions.json")
        else { return ActionCatalog(entries: []) }
        return catalog
    }()
}

extension ActionCatalog {
    /// Parses a catalog file; errors name the file and entry.
    public init(json: Data, file: String) throws(InputError) {
        struct File: Decodable { var actions: [ActionEntry] }
        do {
            self.init(entries: try JSONDecoder().decode(File.self, from: json).actions)
        } catch {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "not a ciport action catalog: \(error)")
        }
    }

    /// The entry for a `uses:` reference (`actions/setup-node@v4`), ignoring the version.
    public func lookup(_ ref: String) -> ActionEntry? {
        let name = ref.split(separator: "@", maxSplits: 1).first.map(String.init)?.lowercased() ?? ref.lowercased()
        return entries.last { $0.action.lowercased() == name }
    }

    /// This catalog with `other`'s entries added; `other` wins where both name an action.
    public func merging(_ other: ActionCatalog) -> ActionCatalog {
        ActionCatalog(entries: entries + other.entries)
    }
}

/// What one GitHub action step becomes in a GitLab job.
public struct ActionTranslation: Sendable, Equatable {
    /// Commands that do the action's work, in order, in GitLab's dialect.
    public var script: [String] = []
    /// A container image that provides the tool (setup-node with node-version 20 → `node:20`), if any.
    public var image: String?
    public var caches: [Cache] = []
    public var artifacts: Artifacts?
    /// Artifacts of earlier jobs this step downloads (`actions/download-artifact`): GitLab fetches them through `needs`.
    public var fetchesArtifacts: Bool = false
    public var variables: [KeyValue] = []
    /// Plumbing GitLab does itself (`actions/checkout`): nothing is written.
    public var implicit: Bool = false
    public var fidelity: Fidelity = .translated
    public var notes: [String] = []

    public init() {}
}

extension ActionCatalog {
    /// What a `uses:` step becomes on GitLab; nil when the catalog does not know the action.
    public func translate(_ step: Step, dialect: Platform) -> ActionTranslation? {
        nil
    }
}
