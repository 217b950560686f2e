import Foundation

/// Well-known GitHub actions and what they become on GitLab (and which GitLab constructs become
/// which actions). The catalog is data (`actions.json`); users extend it with `--catalog FILE`.
public struct ActionCatalog: Sendable {
    public var entries: [ActionEntry] {
        didSet { (index, prepared) = Self.index(entries) }
    }
    /// Entry position by lower-cased action name, the last entry winning as `lookup` always chose:
    /// one hash per `uses:` step instead of lower-casing every entry's name.
    private var index: [String: Int]
    /// What rendering derives from each entry alone (by position), so a step does not derive it again.
    private var prepared: [PreparedEntry]

    public init(entries: [ActionEntry]) {
        self.entries = entries
        (index, prepared) = Self.index(entries)
    }

    private static func index(_ entries: [ActionEntry]) -> ([String: Int], [PreparedEntry]) {
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() { index[e.action.lowercased()] = i }
        return (index, entries.map(PreparedEntry.init))
    }

    /// The catalog bundled with ciport.
    ///
    /// Empty only if the bundled file is broken, which the catalog tests rule out.
    public static let bundled: ActionCatalog = {
        guard let url = Bundle.module.url(forResource: "actions", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let catalog = try? ActionCatalog(json: data, file: "actions.json")
        else { return ActionCatalog(entries: []) }
        return catalog
    }()
}

extension ActionCatalog {
    /// Parses a catalog file: `{"version": 1, "actions": [entry, …]}` or a bare array of entries.
    ///
    /// Errors name the file, the entry (1-based, with its action) and the key, positioned at the
    /// entry's `"action"` line: `my.json:14:7: error: entry 3 ('acme/deploy'): missing 'kind'`.
    public init(json: Data, file: String) throws(InputError) {
        let text = String(decoding: json, as: UTF8.self)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw InputError(CatalogFile.syntaxErrorPos(error, in: json, file: file), "not valid JSON: \(CatalogFile.syntaxErrorText(error))")
        }
        let list: [Any]
        if let object = root as? [String: Any] {
            if let bad = object.keys.filter({ !["version", "actions", "$schema"].contains($0) }).sorted().first {
                throw InputError(CatalogFile.pos(ofKey: bad, in: text, file: file), "unknown key '\(bad)' (expected 'version' and 'actions')")
            }
            if let v = object["version"], (v as? Int) != 1 {
                throw InputError(CatalogFile.pos(ofKey: "version", in: text, file: file), "unsupported catalog version (ciport reads version 1)")
            }
            guard let actions = object["actions"] as? [Any] else {
                throw InputError(SourcePos(file: file, line: 1, column: 1), "not a ciport action catalog: expected an 'actions' list")
            }
            list = actions
        } else if let actions = root as? [Any] {
            list = actions
        } else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "not a ciport action catalog: expected an object with an 'actions' list")
        }

        var entries: [ActionEntry] = []
        var seen: [String: Int] = [:]
        for (i, item) in list.enumerated() {
            let entry = try CatalogFile.entry(item, number: i + 1, text: text, file: file)
            let key = entry.action.lowercased()
            if let first = seen[key] {
                throw InputError(CatalogFile.pos(ofAction: entry.action, in: text, file: file, occurrence: 2),
                                 "entry \(i + 1) ('\(entry.action)'): the same action as entry \(first)")
            }
            seen[key] = i + 1
            entries.append(entry)
        }
        self.init(entries: entries)
    }

    /// The entry for a `uses:` reference (`actions/setup-node@v4`), ignoring the version and case.
    /// Local actions (`./…`) and images (`docker://…`) are never catalog entries.
    public func lookup(_ ref: String) -> ActionEntry? {
        lookup(ActionRef(ref))
    }

    func lookup(_ ref: ActionRef) -> ActionEntry? {
        position(ref).map { entries[$0] }
    }

    private func position(_ ref: ActionRef) -> Int? {
        let name = ref.name
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasPrefix("docker:") else { return nil }
        return index[name]
    }

    /// This catalog with `other`'s entries added; `other` wins where both name an action (in place,
    /// so the merged catalog keeps one entry per action).
    public func merging(_ other: ActionCatalog) -> ActionCatalog {
        var out = entries
        var index: [String: Int] = [:]
        for (i, e) in out.enumerated() { index[e.action.lowercased()] = i }
        for e in other.entries {
            if let i = index[e.action.lowercased()] {
                out[i] = e
            } else {
                index[e.action.lowercased()] = out.count
                out.append(e)
            }
        }
        return ActionCatalog(entries: out)
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
    /// Plumbing GitLab does itself (`actions/checkout`): nothing is written but `variables`
    /// (`GIT_DEPTH`, `GIT_SUBMODULE_STRATEGY`).
    public var implicit: Bool = false
    public var fidelity: Fidelity = .translated
    public var notes: [String] = []
    /// Side containers the script needs (`docker:dind` for docker builds).
    public var services: [Service] = []
    /// OIDC tokens the job must request (GitLab `id_tokens`): key is the variable, value the audience.
    public var idTokens: [KeyValue] = []
    /// The image's entrypoint override, when `image` needs one (`[""]` for tool images).
    public var imageEntrypoint: [String]?
    /// The step publishes GitLab Pages: the job must be named `pages` and keep `public/` as artifacts.
    public var pages: Bool = false
    /// A GitLab `release:` for the job.
    public var release: Release?
    /// What `steps.<id>.outputs.<name>` becomes: key is the output name, value a GitLab expression.
    public var outputs: [KeyValue] = []

    public init() {}
}

extension ActionCatalog {
    /// What a `uses:` step becomes on GitLab; nil when the catalog does not know the action.
    ///
    /// `with:` values are in `dialect`; they are translated with `Expressions.translateText`, and
    /// inputs the entry marks as secrets become `$VARIABLE` references, never literal text.
    public func translate(_ step: Step, dialect: Platform) -> ActionTranslation? {
        translate(step, dialect: dialect, expressions: Expressions.Options())
    }

    /// `translate` with what the writer knows about the pipeline (how inputs are spelled, which
    /// step outputs earlier lines export).
    func translate(_ step: Step, dialect: Platform, expressions: Expressions.Options) -> ActionTranslation? {
        guard let text = step.actionRef else { return nil }
        guard var renderer = renderer(step, text, dialect: dialect) else { return nil }
        renderer.expressions = expressions
        return renderer.render()
    }

    /// `translate(step, …)?.outputs`, without rendering the rest of the translation.
    func outputs(_ step: Step, dialect: Platform, expressions: Expressions.Options) -> [KeyValue]? {
        guard let text = step.actionRef, var renderer = renderer(step, text, dialect: dialect) else { return nil }
        renderer.expressions = expressions
        return renderer.renderOutputs()
    }

    /// Whether `translate(step, dialect:)` certainly says `implicit` (`actions/checkout` with no
    /// input that makes it write commands), found without rendering; false when it may not.
    func isImplicit(_ step: Step) -> Bool {
        guard let text = step.actionRef else { return false }
        let ref = ActionRef(text)
        guard let i = position(ref), let inputs = prepared[i].implicitUnlessGiven else { return false }
        if inputs.isEmpty { return true }
        // The renderer's `given`: non-blank `with:` values, and the ref for the entry's ref input.
        for kv in step.with where inputs.contains(kv.key.lowercased()) && !FastText.isBlank(kv.value) { return false }
        if let r = prepared[i].entry.refInput, inputs.contains(r.lowercased()), ref.meaningfulRef != nil { return false }
        return true
    }

    private func renderer(_ step: Step, _ text: String, dialect: Platform) -> ActionRenderer? {
        let ref = ActionRef(text)
        guard let i = position(ref) else { return nil }
        let p = prepared[i]
        return ActionRenderer(entry: p.entry, step: step, ref: ref, dialect: dialect, prepared: p)
    }
}

/// A `uses:` reference split into its lower-cased `owner/name[/path]` and its `@ref`.
struct ActionRef {
    var name: String
    var ref: String?

    init(_ text: String) {
        (name, ref) = Self.parseASCII(text) ?? Self.parseCharacters(text)
    }

    /// `init` for any text, by Characters.
    static func parseCharacters(_ text: String) -> (name: String, ref: String?) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "@", maxSplits: 1)
        var n = parts.first.map(String.init) ?? ""
        while n.hasSuffix("/") { n.removeLast() }
        return (n.lowercased(), parts.count > 1 ? String(parts[1]) : nil)
    }

    /// `init` over the bytes of ASCII text, where bytes and Characters agree; nil for other text.
    static func parseASCII(_ text: String) -> (name: String, ref: String?)? {
        FastText.withBytes(text) { b -> (String, String?)? in
            guard FastText.isASCII(b) else { return nil }
            var lo = 0, hi = b.count
            while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
            while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
            // `split(separator: "@", maxSplits: 1)`: empty pieces are dropped and do not count as a split.
            let parts = UnsafeBufferPointer(rebasing: b[lo..<hi]).split(separator: 0x40, maxSplits: 1)
            guard let first = parts.first else { return ("", nil) }
            var end = first.endIndex
            while end > first.startIndex, first[end - 1] == 0x2F { end -= 1 }
            let name = FastText.lowercasedASCII(b, (first.startIndex + lo)..<(end + lo))
            let ref = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : nil
            return (name, ref)
        }
    }

    /// The ref when it names something (a toolchain, a version), not a commit SHA or a branch.
    var meaningfulRef: String? {
        guard let ref, !ref.isEmpty, !["master", "main"].contains(ref) else { return nil }
        if ref.count >= 7, ref.allSatisfy(\.isHexDigit) { return nil }
        return ref
    }
}
