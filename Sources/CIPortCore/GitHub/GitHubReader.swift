/// Reads a GitHub Actions workflow into the model.
///
/// Every key the reader consumes is recorded in the ledger under a dotted path that mirrors the
/// source (`on.push.branches`, `jobs.build.steps[2].uses`, `jobs.test.services.postgres.ports`);
/// writers downgrade those entries by the same paths. Keys GitHub does not define are recorded
/// `.lost` with a note, never skipped silently. A value of the wrong type is an `InputError` at
/// the value's position.
public enum GitHubReader {
    public static func read(_ root: YMapping, file: String, options: ConvertOptions,
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        var r = GitHubReaderState(file: file, options: options, ledger: ledger)
        defer { ledger = r.ledger }
        return try r.readWorkflow(root.merged())
    }
}

/// The reader's working state: the ledger it fills and how deep it is in local files.
struct GitHubReaderState {
    let file: String
    let options: ConvertOptions
    var ledger: Ledger
    /// Local files being read (composite actions inside composite actions), to stop cycles.
    var loading: [String] = []

    init(file: String, options: ConvertOptions, ledger: Ledger) {
        self.file = file
        self.options = options
        self.ledger = ledger
    }

    mutating func readWorkflow(_ root: YMapping) throws(InputError) -> Pipeline {
        var p = Pipeline(dialect: .github, pos: root.pos)
        for pair in root.pairs {
            let key = pair.key.value
            let v = pair.value
            switch key {
            case "name":
                p.name = try string(v, "name")
                record("name", v.pos)
            case "run-name":
                p.runName = try string(v, "run-name")
                record("run-name", v.pos)
            case "on", "true":
                // YAML 1.1 readers turn a plain `on` key into `true`; both mean the triggers.
                try readTriggers(v, into: &p)
            case "env":
                p.variables = try keyValues(v, "env")
            case "defaults":
                let d = try readDefaults(v, "defaults")
                p.defaults.shell = d.shell
                p.defaults.workingDirectory = d.workingDirectory
                if d.shell != nil || d.workingDirectory != nil { p.defaults.pos = v.pos }
            case "permissions":
                p.permissions = try readPermissions(v, "permissions")
            case "concurrency":
                p.concurrency = try readConcurrency(v, "concurrency")
            case "jobs":
                let jobs = try mapping(v, "jobs")
                record("jobs", v.pos)
                for jp in jobs.pairs {
                    let id = jp.key.value
                    p.jobs.append(try readJob(id, jp.value, keyPos: jp.key.pos))
                }
            default:
                lost(key, pair.key.pos, "'\(key)' is not a GitHub workflow keyword")
            }
        }
        if p.jobs.isEmpty {
            throw InputError(root.pos, "a GitHub workflow needs at least one job under 'jobs:'")
        }
        return p
    }
}

// MARK: - Helpers shared by the reader's parts

extension GitHubReaderState {
    mutating func record(_ path: @autoclosure () -> String, _ pos: SourcePos, _ status: Fidelity = .translated,
                         note: @autoclosure () -> String = "") {
        ledger.record(path(), at: pos, status, note: note())
    }

    mutating func lost(_ path: @autoclosure () -> String, _ pos: SourcePos, _ note: @autoclosure () -> String) {
        ledger.record(path(), at: pos, .lost, note: note())
    }

    func typeError(_ node: YNode, _ path: String, expected: String) -> InputError {
        InputError(node.pos, "\(path): expected \(expected), found \(node.kindName)")
    }

    // Paths below are autoclosures: they name a value only in an error, and building each key's
    // dotted path eagerly was a third of reading a workflow when the ledger is discarding.

    /// A scalar as text; numbers and booleans are read as their text (`3.10` stays `3.10`).
    func string(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> String {
        guard let s = node.scalar, !s.isNull else { throw typeError(node, path(), expected: "a string") }
        return s.value
    }

    /// A scalar or null (an empty key such as `push:`) as optional text.
    func optionalString(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> String? {
        guard let s = node.scalar else { throw typeError(node, path(), expected: "a string") }
        return s.isNull ? nil : s.value
    }

    func mapping(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> YMapping {
        guard let m = node.mapping else { throw typeError(node, path(), expected: "a mapping") }
        return m.merged()
    }

    /// A mapping, or null taken as an empty mapping (`workflow_dispatch:` with nothing under it).
    func optionalMapping(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> YMapping {
        if let s = node.scalar, s.isNull { return YMapping(pairs: [], pos: node.pos) }
        return try mapping(node, path())
    }

    /// A list of scalars; one scalar is a list of one.
    func strings(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [String] {
        guard let xs = node.strings else {
            if let q = node.sequence, let bad = q.items.first(where: { $0.scalar == nil }) {
                throw typeError(bad, path() + "[\(q.items.firstIndex(of: bad) ?? 0)]", expected: "a string")
            }
            throw typeError(node, path(), expected: "a string or a list of strings")
        }
        return xs
    }

    func bool(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Bool {
        guard let b = node.scalar?.bool else { throw typeError(node, path(), expected: "true or false") }
        return b
    }

    /// `KEY: value` pairs (env, with, outputs); nested collections are an error.
    mutating func keyValues(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [KeyValue] {
        if let s = node.scalar, !s.isNull, s.value.hasPrefix("${{") {
            // `env: ${{ fromJSON(...) }}` computes the whole mapping; keep it for review.
            record(path(), node.pos, .needsReview, note: "a computed mapping cannot be expanded before the run")
            return [KeyValue("", s.value, pos: node.pos)]
        }
        let m = try optionalMapping(node, path())
        record(path(), node.pos)
        var out: [KeyValue] = []
        for pair in m.pairs {
            var p: String { "\(path()).\(pair.key.value)" }
            let value: String
            if let s = pair.value.scalar {
                value = s.isNull ? "" : s.value
            } else {
                throw typeError(pair.value, p, expected: "a string")
            }
            record(p, pair.value.pos)
            out.append(KeyValue(pair.key.value, value, pos: pair.value.pos))
        }
        return out
    }

    /// Flow-style text of any node, for matrix values that are themselves lists or mappings.
    static func flowText(_ node: YNode) -> String {
        switch node {
        case .scalar(let s): return s.value
        case .sequence(let q): return "[" + q.items.map(flowText).joined(separator: ", ") + "]"
        case .mapping(let m): return "{" + m.pairs.map { "\($0.key.value): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}

// MARK: - Workflow-level settings

extension GitHubReaderState {
    struct RunDefaults { var shell: String?; var workingDirectory: String? }

    mutating func readDefaults(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> RunDefaults {
        let m = try mapping(node, path())
        record(path(), node.pos)
        var d = RunDefaults()
        for pair in m.pairs {
            var p: String { "\(path()).\(pair.key.value)" }
            guard pair.key.value == "run" else {
                lost(p, pair.key.pos, "'\(pair.key.value)' is not a key of defaults (only 'run')")
                continue
            }
            let run = try mapping(pair.value, p)
            record(p, pair.value.pos)
            for rp in run.pairs {
                var q: String { "\(p).\(rp.key.value)" }
                switch rp.key.value {
                case "shell": d.shell = try string(rp.value, q); record(q, rp.value.pos)
                case "working-directory": d.workingDirectory = try string(rp.value, q); record(q, rp.value.pos)
                default: lost(q, rp.key.pos, "'\(rp.key.value)' is not a key of defaults.run")
                }
            }
        }
        return d
    }

    mutating func readPermissions(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Permissions {
        record(path(), node.pos)
        if let s = node.scalar {
            // `permissions: read-all`, `write-all`, or `{}` written as an empty flow mapping.
            return Permissions(shorthand: s.isNull ? nil : s.value, pos: node.pos)
        }
        let m = try mapping(node, path())
        var scopes: [KeyValue] = []
        for pair in m.pairs {
            var p: String { "\(path()).\(pair.key.value)" }
            let level = try string(pair.value, p)
            record(p, pair.value.pos)
            scopes.append(KeyValue(pair.key.value, level, pos: pair.value.pos))
        }
        return Permissions(scopes: scopes, pos: node.pos)
    }

    mutating func readConcurrency(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Concurrency {
        record(path(), node.pos)
        if node.scalar != nil {
            return Concurrency(group: try string(node, path()), pos: node.pos)
        }
        let m = try mapping(node, path())
        var c = Concurrency(group: "", pos: node.pos)
        for pair in m.pairs {
            var p: String { "\(path()).\(pair.key.value)" }
            switch pair.key.value {
            case "group": c.group = try string(pair.value, p); record(p, pair.value.pos)
            case "cancel-in-progress": c.cancelInProgress = try string(pair.value, p); record(p, pair.value.pos)
            default: lost(p, pair.key.pos, "'\(pair.key.value)' is not a key of concurrency")
            }
        }
        if c.group.isEmpty { throw InputError(node.pos, "\(path()): 'group' is required") }
        return c
    }
}
