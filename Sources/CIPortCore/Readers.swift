/// Reads further files a source refers to (GitLab `include: local`, GitHub local composite actions and
/// reusable workflows). The core does no file I/O itself; the CLI passes a loader rooted at `--root`.
public protocol SourceLoader: Sendable {
    /// The file's display name and text, or nil when it is outside the root or missing.
    func load(_ path: String) throws(InputError) -> (file: String, text: String)?
}

/// Options of one conversion.
public struct ConvertOptions: Sendable {
    public var catalog: ActionCatalog
    public var loader: (any SourceLoader)?
    public var limits: YAMLLimits

    public init(catalog: ActionCatalog = .bundled, loader: (any SourceLoader)? = nil, limits: YAMLLimits = .default) {
        self.catalog = catalog
        self.loader = loader
        self.limits = limits
    }
}
