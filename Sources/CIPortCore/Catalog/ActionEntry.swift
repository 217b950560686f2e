/// One catalog entry: an action (by `owner/name`, any version) and its GitLab counterpart.
///
/// Entries are data a user can write (`--catalog FILE`). Every string marked "template" may use
/// `{{input}}` (the step's `with:` value, else the input's default) and `{{input|fallback}}`
/// (the value, else `fallback`). A template that names an input with no value and no fallback is
/// left out of the translation and a note says which input is missing.
///
/// ```json
/// { "action": "actions/setup-node", "kind": "setup",
///   "inputs": { "node-version": "lts", "cache": "" },
///   "image": "node:{{node-version}}",
///   "options": [ { "input": "cache", "equals": "npm", "variables": { "npm_config_cache": "$CI_PROJECT_DIR/.npm" },
///                  "cache": { "keyFiles": ["package-lock.json"], "paths": [".npm/"] } } ] }
/// ```
public struct ActionEntry: Sendable, Codable, Equatable {
    /// What an action becomes on GitLab, which decides how the rest of the entry is read.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Plumbing GitLab does itself (`actions/checkout`); options may still set variables (`GIT_DEPTH`).
        case implicit
        /// Provides a toolchain: an `image` and/or install `script` lines.
        case setup
        /// Keeps files between runs: a GitLab `cache:` built from the `cache` template.
        case cache
        /// Keeps files after the job: GitLab `artifacts:` built from the `artifacts` template.
        case uploadArtifact = "upload-artifact"
        /// Fetches an earlier job's artifacts: GitLab does it through `needs`.
        case downloadArtifact = "download-artifact"
        /// Does its work through commands: `script` lines.
        case script
        /// No GitLab counterpart; `note` says what to do instead.
        case unsupported
    }

    /// `owner/name` or `owner/name/path`, matched without the `@ref`, ignoring case.
    public var action: String
    public var kind: Kind
    /// The inputs the translation knows, with their defaults (`""`: no default). A `with:` input not
    /// listed here (nor in an option) is reported as not carried over.
    public var inputs: [String: String]?
    /// Inputs that hold credentials: they reach the job only as `$VARIABLE` references, never as text.
    public var secrets: [String]?
    /// Inputs substituted as separate shell words in scripts, each quoted (`"a" "b"`), so templates
    /// can loop over them (`for t in {{tags}}`); the value is the flag written before each word
    /// (`"build-args": "--build-arg"` → `--build-arg "A=1" --build-arg "B=2"`), `""` for none.
    /// Without a flag values split on whitespace, commas and newlines; with one, on newlines only.
    /// A lone `$VARIABLE` stays unquoted, so the shell splits it at run time.
    public var words: [String: String]?
    /// Inputs that are shell code themselves (`args`, an inline script): substituted unquoted and unescaped.
    public var raw: [String]?
    /// An input that takes the `@ref` when the step does not set it (`dtolnay/rust-toolchain@nightly`).
    public var refInput: String?
    /// Template of a container image providing the tool; version-like values are made into image
    /// tags (`3.x` → `3`, `v20` → `20`, `lts/*` → `lts`).
    public var image: String?
    /// The image's entrypoint override (`[""]` for images whose entrypoint is the tool itself).
    public var entrypoint: [String]?
    /// Templates of commands, in order, written as they must run in a GitLab job's shell.
    public var script: [String]?
    /// Job variables (templates), written in key order.
    public var variables: [String: String]?
    /// OIDC tokens the job needs (GitLab `id_tokens`): variable name → audience (template).
    public var idTokens: [String: String]?
    /// Side containers the commands need (`docker:dind` for `docker build`).
    public var services: [String]?
    public var cache: CacheTemplate?
    public var artifacts: ArtifactsTemplate?
    /// The step publishes GitLab Pages (the job must be the `pages` job, its artifacts `public/`).
    public var pages: Bool?
    /// GitLab `release:` (templates).
    public var release: ReleaseTemplate?
    /// Step outputs (`steps.<id>.outputs.<name>`) and the GitLab expression (template) that holds each.
    public var outputs: [String: String]?
    /// Additions applied when the step sets an input (and, with `equals`, to that value).
    public var options: [Option]?
    /// How faithful the translation is when nothing else lowers it (default by kind: translated,
    /// `unsupported` → lost).
    public var fidelity: Fidelity?
    /// What a person must know about the translation (a template).
    public var note: String?

    public init(action: String, kind: Kind) {
        self.action = action
        self.kind = kind
    }

    /// GitLab `cache:` (every field a template; list fields also accept multi-line values).
    public struct CacheTemplate: Sendable, Codable, Equatable {
        public var key: String?
        public var keyFiles: [String]?
        public var keyPrefix: String?
        public var paths: [String]?
        public var fallbackKeys: [String]?
        /// `pull`, `push` or `pull-push`.
        public var policy: String?
        public var when: String?

        public init() {}
    }

    /// GitLab `artifacts:` (every field a template; `paths` lines starting with `!` become `exclude`).
    public struct ArtifactsTemplate: Sendable, Codable, Equatable {
        public var name: String?
        public var paths: [String]?
        public var expireIn: String?
        public var when: String?
        /// Report type (`junit`, `coverage_report`, …) → paths (template).
        public var reports: [String: String]?

        public init() {}
    }

    /// GitLab `release:` (every field a template).
    public struct ReleaseTemplate: Sendable, Codable, Equatable {
        public var tagName: String
        public var name: String?
        public var description: String?

        public init(tagName: String) { self.tagName = tagName }
    }

    /// What the step adds, depending on `input`. With neither `equals`, `not` nor `absent`: when the
    /// step sets the input. `equals`/`not` compare the step's value, or the input's default when the
    /// step sets none (ignoring case). `absent: true`: when the step does not set it. A value decided at
    /// run time (an expression) applies the first `equals` option and flags it for review.
    public struct Option: Sendable, Codable, Equatable {
        public var input: String
        public var equals: String?
        public var not: String?
        public var absent: Bool?
        /// Replaces the entry's image.
        public var image: String?
        /// Appended to the entry's script.
        public var script: [String]?
        public var variables: [String: String]?
        public var idTokens: [String: String]?
        public var services: [String]?
        /// Replaces the entry's cache (or adds one).
        public var cache: CacheTemplate?
        public var fidelity: Fidelity?
        public var note: String?

        public init(input: String) { self.input = input }
    }
}

extension ActionEntry {
    /// The fidelity an entry gives when it says none.
    var baseFidelity: Fidelity {
        fidelity ?? (kind == .unsupported ? .lost : .translated)
    }

    /// Every input the entry knows: declared ones and those options name.
    var knownInputs: Set<String> {
        var s = Set((inputs ?? [:]).keys.map { $0.lowercased() })
        for o in options ?? [] { s.insert(o.input.lowercased()) }
        if let r = refInput { s.insert(r.lowercased()) }
        return s
    }

    /// Every template string in the entry, with where it sits (for validating `{{input}}` references).
    var templates: [(where: String, text: String)] {
        var out: [(String, String)] = []
        func frag(_ prefix: String, image: String?, script: [String]?, variables: [String: String]?,
                  idTokens: [String: String]?, cache: CacheTemplate?, note: String?) {
            if let image { out.append((prefix + "image", image)) }
            for (i, l) in (script ?? []).enumerated() { out.append((prefix + "script[\(i)]", l)) }
            for (k, v) in variables ?? [:] { out.append((prefix + "variables.\(k)", v)) }
            for (k, v) in idTokens ?? [:] { out.append((prefix + "idTokens.\(k)", v)) }
            if let c = cache {
                for (f, v) in [("key", c.key), ("keyPrefix", c.keyPrefix), ("policy", c.policy), ("when", c.when)] {
                    if let v { out.append((prefix + "cache.\(f)", v)) }
                }
                for (f, vs) in [("keyFiles", c.keyFiles), ("paths", c.paths), ("fallbackKeys", c.fallbackKeys)] {
                    for v in vs ?? [] { out.append((prefix + "cache.\(f)", v)) }
                }
            }
            if let note { out.append((prefix + "note", note)) }
        }
        frag("", image: image, script: script, variables: variables, idTokens: idTokens, cache: cache, note: note)
        if let a = artifacts {
            for (f, v) in [("name", a.name), ("expireIn", a.expireIn), ("when", a.when)] {
                if let v { out.append(("artifacts.\(f)", v)) }
            }
            for v in a.paths ?? [] { out.append(("artifacts.paths", v)) }
            for (k, v) in a.reports ?? [:] { out.append(("artifacts.reports.\(k)", v)) }
        }
        if let r = release {
            for (f, v) in [("tagName", r.tagName), ("name", r.name), ("description", r.description)] {
                if let v { out.append(("release.\(f)", v)) }
            }
        }
        for (k, v) in outputs ?? [:] { out.append(("outputs.\(k)", v)) }
        for (i, o) in (options ?? []).enumerated() {
            frag("options[\(i)].", image: o.image, script: o.script, variables: o.variables,
                 idTokens: o.idTokens, cache: o.cache, note: o.note)
        }
        return out
    }
}
