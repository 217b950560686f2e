/// The result of converting one file.
public struct Conversion: Sendable {
    public var source: Platform
    public var target: Platform
    /// The translated file's text, already validated.
    public var output: String
    public var ledger: Ledger
    /// The source read into the model.
    public var pipeline: Pipeline
}

/// Entry point of the core: source text in, validated target text and a ledger out.
public enum Translator {
    /// Says which platform a parsed file is written for, or nil when it is neither.
    public static func detect(_ root: YMapping) -> Platform? {
        // Linear scans: a file has a few dozen top-level keys, and sets of them cost more.
        func has(_ k: String) -> Bool { root.pairs.contains { $0.key.value == k } }
        // An action definition (`runs:` with `using:`) is neither a workflow nor a pipeline.
        if has("runs"), root["runs"]?.mapping?["using"] != nil { return nil }
        if let jobs = root["jobs"]?.mapping {
            // `on` reads as `true` to YAML 1.1 parsers, so both spellings count.
            if has("on") || has("true") { return .github }
            let githubJobKeys = ["runs-on", "steps", "uses"]
            if jobs.pairs.contains(where: { p in p.value.mapping?.pairs.contains { githubJobKeys.contains($0.key.value) } ?? false }) {
                return .github
            }
        }
        let gitlabTop: Set<String> = ["stages", "include", "workflow", "default", "variables", "image", "services",
                                      "before_script", "after_script", "cache", "spec"]
        if root.pairs.contains(where: { gitlabTop.contains($0.key.value) }) { return .gitlab }
        for p in root.pairs {
            if let m = p.value.mapping, m["script"] != nil || m["extends"] != nil || m["trigger"] != nil
                || m["stage"] != nil || m["run"] != nil {
                return .gitlab
            }
        }
        return nil
    }

    /// Parses `text` (named `file` in messages) into the model, recording every construct in `ledger`.
    public static func read(_ text: String, file: String, from platform: Platform? = nil,
                            options: ConvertOptions = ConvertOptions(),
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        // A GitLab file with a `spec:` header is two YAML documents; the loader reads one at a time.
        var text = text
        var header: YMapping?
        if platform != .github, mayHaveSpecHeader(text), let split = GitLabReader.splitSpecHeader(text) {
            guard let h = try YAMLLoader.load(split.header, file: file, limits: options.limits)?.mapping else {
                throw InputError(SourcePos(file: file, line: 1, column: 1), "the `spec:` header is not a mapping")
            }
            header = h
            text = split.body
        }
        guard let root = try YAMLLoader.load(text, file: file, limits: options.limits) else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "empty file: not a GitHub workflow or GitLab CI file")
        }
        guard let map = root.mapping else {
            throw InputError(root.pos, "top level is \(root.kindName); a GitHub workflow or GitLab CI file is a mapping")
        }
        guard let source = platform ?? (header != nil ? .gitlab : detect(map)) else {
            throw InputError(root.pos, "not a GitHub workflow (no 'on:' and 'jobs:') nor a GitLab CI file (no jobs with 'script:')")
        }
        switch source {
        case .github: return try GitHubReader.read(map, file: file, options: options, ledger: &ledger)
        case .gitlab: return try GitLabReader.read(map, header: header, file: file, options: options, ledger: &ledger)
        }
    }

    /// A cheap test before the line-by-line split: a spec header needs a `---` line (three dashes
    /// at a line's start; memchr finds the candidates).
    static func mayHaveSpecHeader(_ text: String) -> Bool {
        FastText.withBytes(text) { b in FastText.has(b, at: 0, "---") || FastText.find("\n---", in: b) != nil }
    }

    /// Writes a model for `target` and returns the YAML text (not yet validated).
    public static func write(_ pipeline: Pipeline, to target: Platform, options: ConvertOptions = ConvertOptions(),
                             ledger: inout Ledger) -> String {
        writeWithTree(pipeline, to: target, options: options, ledger: &ledger, file: "").text
    }

    /// The YAML text and the tree a YAML reader reads back from it (positions in `file`).
    static func writeWithTree(_ pipeline: Pipeline, to target: Platform, options: ConvertOptions,
                              ledger: inout Ledger, file: String) -> (text: String, tree: YNode) {
        let out: YOut
        switch target {
        case .gitlab: out = GitLabWriter.write(pipeline, options: options, ledger: &ledger)
        case .github: out = GitHubWriter.write(pipeline, options: options, ledger: &ledger)
        }
        let s = ledger.summary
        var header = ["Converted from \(pipeline.dialect) (\(pipeline.pos.file)) by ciport."]
        if s.count(.lost) + s.count(.needsReview) + s.count(.approximated) > 0 {
            header.append("Fidelity: \(s). Lines marked '# ciport:' need a person's eye.")
        }
        return YAMLWriter.writeWithTree(out, header: header, file: file)
    }

    /// Both platforms refuse jobs that need each other in a circle; a translation of such a file
    /// could only fail validation, so the source's own cycle is the error, at its `needs:` entry.
    static func rejectNeedsCycles(_ p: Pipeline) throws(InputError) {
        var index: [String: Int] = [:]
        for (i, j) in p.jobs.enumerated() where index[j.id] == nil { index[j.id] = i }
        let edges = p.jobs.map { j in j.needs.compactMap { n in n.project == nil ? index[n.job].map { (to: $0, pos: n.pos) } : nil } }
        if let first = needsCycles(edges, names: p.jobs.map(\.id)).first {
            let platform = p.dialect == .github ? "GitHub Actions" : "GitLab"
            throw InputError(first.pos, "jobs need each other in a circle (\(first.cycle)); \(platform) refuses such a file")
        }
    }

    /// Converts `text` to `target` (the other platform when nil), validating the output.
    public static func convert(_ text: String, file: String, from: Platform? = nil, to target: Platform? = nil,
                               options: ConvertOptions = ConvertOptions()) throws(InputError) -> Conversion {
        var ledger = Ledger()
        let pipeline = try read(text, file: file, from: from, options: options, ledger: &ledger)
        try rejectNeedsCycles(pipeline)
        let dest = target ?? pipeline.dialect.other
        let outName = dest == .gitlab ? ".gitlab-ci.yml" : "workflow.yml"
        // The writer gives the tree its text holds, so the output is validated without parsing
        // it again (GitLab → GitHub writes about twice the bytes it reads).
        let (output, tree) = writeWithTree(pipeline, to: dest, options: options, ledger: &ledger, file: outName)
        #if DEBUG
        // Debug builds (every test) read each output back and hold it to that tree: values,
        // styles, positions and shared aliases alike.
        guard let reparsed = try? YAMLLoader.load(output, file: outName), reparsed == tree else {
            throw InputError(SourcePos(file: file, line: 1, column: 1),
                             "internal error: ciport wrote YAML that does not read back as what it validated; please report this file")
        }
        #endif
        let problems = Validator.validate(tree, platform: dest).filter { $0.severity == .error }
        if let first = problems.first {
            throw InputError(SourcePos(file: file, line: 1, column: 1),
                             "internal error: the translation fails validation (\(first)); please report this file")
        }
        return Conversion(source: pipeline.dialect, target: dest, output: output, ledger: ledger, pipeline: pipeline)
    }
}
