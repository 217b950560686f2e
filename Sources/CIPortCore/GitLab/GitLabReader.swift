import Foundation

/// Reads a GitLab CI file into the model.
///
/// Ledger paths: top-level keywords by name (`stages`, `variables.NAME`, `default.image`,
/// `workflow.rules[0]`, `include[1]`, `spec.inputs.NAME`); job constructs under the job's name as
/// written (`build.script[2]`, `test:unit.rules[0]`, `deploy.environment`, `lint.artifacts.reports.junit`).
/// Keys a job inherits through `extends` are recorded under the job, at the template's position.
public enum GitLabReader {
    public static func read(_ root: YMapping, header: YMapping? = nil, file: String, options: ConvertOptions,
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        var r = GitLabReading(file: file, options: options, ledger: ledger,
                              pipeline: Pipeline(dialect: .gitlab, pos: root.pos))
        try r.readAll(root, header: header)
        ledger = r.ledger
        return r.pipeline
    }

    /// Splits a file that opens with a `spec:` header document: the header's text, and the body's
    /// text with the header's lines blanked so that positions in the body keep their line numbers.
    public static func splitSpecHeader(_ text: String) -> (header: String, body: String)? {
        // Most files start with something other than `spec:`: in ASCII text without carriage
        // returns (where bytes are characters and lines end at line feeds), look at the first
        // line that is not blank, a comment or `---` before splitting the whole text into lines.
        let startsWithSpec: Bool? = FastText.withBytes(text) { b -> Bool? in
            guard FastText.isASCII(b), FastText.find("\r", in: b) == nil else { return nil }
            var start = 0
            while start <= b.count {
                var end = start
                while end < b.count, b[end] != 0x0A { end += 1 }
                var lo = start, hi = end
                while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
                while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
                let blank = lo == hi, comment = !blank && b[lo] == UInt8(ascii: "#")
                let dashes = hi - lo == 3 && b[lo] == UInt8(ascii: "-") && b[lo + 1] == UInt8(ascii: "-") && b[lo + 2] == UInt8(ascii: "-")
                if !(blank || comment || dashes) { return FastText.has(b, at: start, "spec:") && start + 5 <= end }
                start = end + 1
            }
            return false
        }
        if startsWithSpec == false { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var sawSpec = false
        for (i, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if !sawSpec {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.hasPrefix("#") || t == "---" { continue }
                guard line.hasPrefix("spec:") else { return nil }
                sawSpec = true
                continue
            }
            if line.trimmingCharacters(in: .whitespaces) == "---" {
                let header = lines[..<i].joined(separator: "\n")
                let body = String(repeating: "\n", count: i + 1) + lines[(i + 1)...].joined(separator: "\n")
                return (header, body)
            }
        }
        return nil
    }

    /// GitLab's stages when a file names none; `.pre` and `.post` always exist around the declared ones.
    static let defaultStages = ["build", "test", "deploy"]
}

/// The state of one read: the growing model and ledger.
struct GitLabReading {
    let file: String
    let options: ConvertOptions
    var ledger: Ledger
    var pipeline: Pipeline
    /// Includes ciport did not fetch: templates named by `extends` or `!reference` may live there.
    var hasUnresolvedIncludes = false
    /// Defaults as GitLab applies them to jobs (also kept in `pipeline.defaults`).
    var defaultTags: [String]?
    /// Which default keywords came from the deprecated top-level form, for the ledger path.
    var defaultPaths: [String: String] = [:]
    /// `default:id_tokens` was set: every job that inherits defaults asks for an OIDC token.
    var defaultIDTokens = false
    static let idTokensNote = "GitHub mints OIDC tokens on request: the job gets `permissions: id-token: write`; fetch the token with the cloud's login action and check the audience"

    init(file: String, options: ConvertOptions, ledger: Ledger, pipeline: Pipeline) {
        self.file = file
        self.options = options
        self.ledger = ledger
        self.pipeline = pipeline
    }

    mutating func record(_ path: @autoclosure () -> String, _ pos: SourcePos, _ status: Fidelity = .translated,
                         _ note: @autoclosure () -> String = "") {
        ledger.record(path(), at: pos, status, note: note())
    }

    mutating func readAll(_ raw: YMapping, header: YMapping?) throws(InputError) {
        if let header { try readSpec(header) }
        // Merge keys and `!reference` tags are looked for once; without them (most files) their
        // passes would return the tree unchanged. Only an included file can bring tags the walk
        // did not see (`extends` copies what is in this file).
        let marks = GitLabReader.resolvingMarks(.mapping(raw))
        var root = raw
        if marks.mergeKey {
            guard case .mapping(let merged) = GitLabReader.applyingMergeKeys(.mapping(raw)) else { return }
            root = merged
        }
        let includes = root.pair("include") != nil
        var seen = Set<String>()
        root = try resolveIncludes(root, depth: 0, seen: &seen, pathPrefix: "")
        root = try resolveExtends(root)
        if marks.reference || includes { root = try resolveReferences(root) }

        // Globals first: defaults and stages shape every job, wherever they sit in the file.
        var declaredStages: [String]?
        for p in root.pairs {
            let key = p.key.value
            switch key {
            case "stages", "types":
                var stages: [String] = []
                for item in try flattened(p.value, key) { stages.append(try string(item, key)) }
                declaredStages = stages
                record(key, p.key.pos, .translated, key == "types" ? "deprecated `types:` read as `stages:`" : "")
            case "variables":
                try readGlobalVariables(p.value)
            case "default":
                try readDefaults(try mapping(p.value, "default"), prefix: "default", deprecated: false)
            case "workflow":
                try readWorkflow(try mapping(p.value, "workflow"))
            case "image", "services", "before_script", "after_script", "cache":
                let m = YMapping(pairs: [p], pos: p.key.pos)
                try readDefaults(m, prefix: "", deprecated: true)
            case "spec":
                // A `spec:` in the body (no `---` after it) is what GitLab rejects; read it anyway.
                try readSpec(YMapping(pairs: [p], pos: p.key.pos))
                record("spec", p.key.pos, .approximated, "`spec:` belongs in a header document ended by `---`")
            case "include":
                continue
            default:
                continue
            }
        }
        pipeline.stages = declaredStages ?? GitLabReader.defaultStages

        for p in root.pairs where !GitLabReader.globalKeys.contains(p.key.value) {
            let name = p.key.value
            guard case .mapping(let m) = p.value else {
                // GitLab refuses a top-level key that is neither a keyword nor a job; keep going.
                record(name, p.key.pos, .lost, "top-level `\(name)` is neither a GitLab keyword nor a job (a job is a mapping)")
                continue
            }
            if name.hasPrefix(".") {
                record(name, p.key.pos, .translated, "hidden job (template): not run; its keys are merged into the jobs that extend or reference it")
                continue
            }
            pipeline.jobs.append(try readJob(name, m.merged(), keyPos: p.key.pos))
        }
        for j in pipeline.jobs where !(j.stage.map { [".pre", ".post"].contains($0) || pipeline.stages.contains($0) } ?? true) {
            ledger.record("\(j.id).stage", at: j.pos, .needsReview,
                          note: "stage `\(j.stage ?? "")` is not in `stages:`; GitLab rejects this file, ciport runs the job last")
        }
    }

    // MARK: spec:inputs

    mutating func readSpec(_ header: YMapping) throws(InputError) {
        guard let spec = header["spec"] else { return }
        let m = try mapping(spec, "spec")
        for p in m.pairs {
            guard p.key.value == "inputs" else {
                record("spec.\(p.key.value)", p.key.pos, .lost, "`spec:\(p.key.value)` has no GitHub counterpart")
                continue
            }
            for ip in try mapping(p.value, "spec:inputs").pairs {
                var input = Input(name: ip.key.value, pos: ip.key.pos)
                if case .mapping(let im) = ip.value {
                    for q in im.merged().pairs {
                        let what = "spec:inputs:\(ip.key.value):\(q.key.value)"
                        switch q.key.value {
                        case "default":
                            input.defaultValue = q.value.string ?? q.value.strings?.joined(separator: ",")
                        case "description": input.description = try optionalString(q.value, what)
                        case "type": input.type = try string(q.value, what)
                        case "options": input.options = try strings(q.value, what)
                        case "regex":
                            record("spec.inputs.\(ip.key.value).regex", q.key.pos, .lost, "GitHub does not check inputs against a regex")
                        default:
                            throw InputError(q.key.pos, "unknown key `\(q.key.value)` in spec:inputs:\(ip.key.value)")
                        }
                    }
                } else if !(ip.value.scalar?.isNull ?? false) {
                    throw InputError(ip.value.pos, "spec:inputs:\(ip.key.value) must be a mapping")
                }
                input.required = input.defaultValue == nil
                pipeline.inputs.append(input)
                record("spec.inputs.\(ip.key.value)", ip.key.pos)
            }
        }
    }

    // MARK: variables

    mutating func readGlobalVariables(_ node: YNode) throws(InputError) {
        for p in try mapping(node, "variables").pairs {
            let v = try variableValue(p.value, p.key.value)
            pipeline.variables.append(KeyValue(p.key.value, v.value, pos: p.key.pos))
            if v.description != nil || !v.options.isEmpty {
                // A prefilled "Run pipeline" variable: an input of a manual run.
                var input = Input(name: p.key.value, pos: p.key.pos)
                input.description = v.description
                input.defaultValue = v.value
                input.options = v.options
                input.type = v.options.isEmpty ? "string" : "choice"
                input.required = false
                pipeline.inputs.append(input)
            }
            record("variables.\(p.key.value)", p.key.pos)
        }
    }

    func readVariables(_ node: YNode, _ what: String) throws(InputError) -> [KeyValue] {
        var out: [KeyValue] = []
        for p in try mapping(node, what).pairs {
            let v = try variableValue(p.value, p.key.value)
            out.append(KeyValue(p.key.value, v.value, pos: p.key.pos))
        }
        return out
    }

    // MARK: default

    mutating func readDefaults(_ m: YMapping, prefix: String, deprecated: Bool) throws(InputError) {
        var d = pipeline.defaults
        d.pos = d.pos ?? m.pos
        let note = deprecated ? "deprecated top-level keyword, read as `default:`" : "applied to every job that does not set it"
        for p in m.pairs {
            let key = p.key.value
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            // `default:` wins over the deprecated top-level form wherever both are written.
            if deprecated, defaultPaths[key] != nil {
                record(path, p.key.pos, .translated, "overridden by `default:\(key)`")
                continue
            }
            defaultPaths[key] = path
            switch key {
            case "image": d.image = try readImage(p.value, path)
            case "services": d.services = try readServices(p.value, path)
            case "before_script": d.beforeSteps = try readScript(p.value, path, phase: .before)
            case "after_script": d.afterSteps = try readScript(p.value, path, phase: .after)
            case "cache": d.caches = try readCaches(p.value, path)
            case "artifacts": d.artifacts = try readArtifacts(p.value, path)
            case "retry": d.retry = try readRetry(p.value, path)
            case "timeout":
                let raw = try string(p.value, path)
                d.timeout = Timeout(minutes: GitLabReader.minutes(raw), raw: raw, pos: p.value.pos)
            case "interruptible": d.interruptible = try bool(p.value, path)
            case "tags":
                let tags = try strings(p.value, path)
                defaultTags = tags
                d.runsOn = RunsOn(labels: tags, pos: p.value.pos)
            case "id_tokens":
                defaultIDTokens = true
                record(path, p.key.pos, .needsReview, GitLabReading.idTokensNote)
                continue
            case "hooks", "identity":
                record(path, p.key.pos, .lost, "`\(key)` has no GitHub counterpart")
                continue
            default:
                record(path, p.key.pos, .lost, "unknown `default:` keyword")
                continue
            }
            record(path, p.key.pos, .translated, note)
        }
        pipeline.defaults = d
    }
}
