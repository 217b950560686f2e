import Foundation

/// The steps GitLab itself takes before it reads jobs: YAML merge keys, `include:`, `extends:` and
/// `!reference`, in that order (GitLab's `Config#build_config`: external files, then extends, then tags).
extension GitLabReader {
    /// Applies `<<` merge keys at every level of the tree.
    static func applyingMergeKeys(_ n: YNode) -> YNode {
        mergeKeysApplied(n) ?? n
    }

    /// Whether `n` holds a `<<` merge key (what `mergeKeysApplied` looks for) and whether it holds a
    /// `!reference` list (what `containsReference` looks for), in one walk that reads the tree in
    /// place. Most files have neither, and then both passes are skipped: each walked the whole
    /// tree, copying every node it visited.
    static func resolvingMarks(_ n: YNode) -> (mergeKey: Bool, reference: Bool) {
        var mergeKey = false, reference = false
        mark(n, &mergeKey, &reference)
        return (mergeKey, reference)
    }

    private static func mark(_ n: YNode, _ mergeKey: inout Bool, _ reference: inout Bool) {
        if mergeKey && reference { return }
        switch n {
        case .scalar: return
        case .mapping(let m):
            m.pairs.withUnsafeBufferPointer { pairs in
                for i in pairs.indices {
                    if pairs[i].key.style == .plain && pairs[i].key.value == "<<" { mergeKey = true }
                    mark(pairs[i].value, &mergeKey, &reference)
                }
            }
        case .sequence(let q):
            if q.tag == "!reference" { reference = true }
            q.items.withUnsafeBufferPointer { items in
                for i in items.indices { mark(items[i], &mergeKey, &reference) }
            }
        }
    }

    /// `applyingMergeKeys`, nil when `n` has no merge key anywhere (most files): nothing is copied then.
    private static func mergeKeysApplied(_ n: YNode) -> YNode? {
        switch n {
        case .scalar: return nil
        case .sequence(var q):
            var changed = false
            for i in q.items.indices {
                if let v = mergeKeysApplied(q.items[i]) { q.items[i] = v; changed = true }
            }
            return changed ? .sequence(q) : nil
        case .mapping(let m):
            let hasMergeKey = m.pairs.contains { $0.key.value == "<<" && $0.key.style == .plain }
            var mm = hasMergeKey ? m.merged() : m
            var changed = hasMergeKey
            for i in mm.pairs.indices {
                if let v = mergeKeysApplied(mm.pairs[i].value) { mm.pairs[i].value = v; changed = true }
            }
            return changed ? .mapping(mm) : nil
        }
    }

    /// GitLab's deep merge (`extends`, `include`): mappings merge key by key, `over` winning;
    /// lists and scalars are replaced whole.
    static func deepMerge(_ base: YMapping, _ over: YMapping) -> YMapping {
        var pairs = base.pairs
        for p in over.pairs {
            if let i = pairs.firstIndex(where: { $0.key.value == p.key.value }) {
                if case .mapping(let bm) = pairs[i].value, case .mapping(let om) = p.value {
                    pairs[i] = YMapping.Pair(key: p.key, value: .mapping(deepMerge(bm, om)))
                } else {
                    pairs[i] = p
                }
            } else {
                pairs.append(p)
            }
        }
        return YMapping(pairs: pairs, tag: over.tag, pos: over.pos)
    }

    /// Keys that are not jobs at the top level of a GitLab file.
    static let globalKeys: Set<String> = [
        "stages", "types", "variables", "default", "workflow", "include", "spec",
        "image", "services", "before_script", "after_script", "cache",
    ]
}

extension GitLabReading {
    // MARK: include

    /// Merges local includes into `root` (included content first, the including file wins) and
    /// records every other include without fetching it.
    mutating func resolveIncludes(_ root: YMapping, depth: Int, seen: inout Set<String>,
                                  pathPrefix: String) throws(InputError) -> YMapping {
        guard let pair = root.pair("include") else { return root }
        if depth > 20 {
            throw InputError(pair.key.pos, "includes nested more than 20 levels deep")
        }
        let entries: [(YNode, String)]
        switch pair.value {
        case .sequence(let q):
            var es: [(YNode, String)] = []
            for (i, item) in q.items.enumerated() { es.append((item, "\(pathPrefix)include[\(i)]")) }
            entries = es
        case .scalar(let s) where s.isNull: entries = []
        default: entries = [(pair.value, "\(pathPrefix)include")]
        }
        var merged = YMapping(pairs: [], pos: root.pos)
        for (node, path) in entries {
            if let included = try include(node, path: path, depth: depth, seen: &seen) {
                merged = GitLabReader.deepMerge(merged, included)
            }
        }
        let own = YMapping(pairs: root.pairs.filter { $0.key.value != "include" }, tag: root.tag, pos: root.pos)
        return GitLabReader.deepMerge(merged, own)
    }

    /// One `include:` entry: the included mapping when it is a local file ciport could read.
    private mutating func include(_ node: YNode, path: String, depth: Int,
                                  seen: inout Set<String>) throws(InputError) -> YMapping? {
        var kind: Include.Kind
        var location: String
        var entry: YMapping?
        switch node {
        case .scalar(let s):
            location = s.value
            kind = location.hasPrefix("https://") || location.hasPrefix("http://") ? .remote : .local
        case .mapping(let raw):
            let m = raw.merged()
            entry = m
            if let v = m["local"] { kind = .local; location = try string(v, "include:local") }
            else if let v = m["template"] { kind = .template; location = try string(v, "include:template") }
            else if let v = m["remote"] { kind = .remote; location = try string(v, "include:remote") }
            else if let v = m["component"] { kind = .component; location = try string(v, "include:component") }
            else if let v = m["project"] { kind = .project; location = try string(v, "include:project") }
            else {
                throw InputError(m.pos, "`include` entry needs one of local, template, remote, project, component")
            }
        case .sequence:
            throw InputError(node.pos, "`include` entry must be a string or a mapping, got a list")
        }
        var inc = Include(kind: kind, location: location, pos: node.pos)
        var notes: [String] = []
        if let m = entry {
            for p in m.pairs {
                switch p.key.value {
                case "local", "template", "remote", "component", "project": continue
                case "file": inc.files = try strings(p.value, "include:file")
                case "ref": inc.ref = try optionalString(p.value, "include:ref")
                case "inputs":
                    for ip in try mapping(p.value, "include:inputs").pairs {
                        let v = ip.value.string ?? (ip.value.strings?.joined(separator: ",") ?? "")
                        inc.inputs.append(KeyValue(ip.key.value, v, pos: ip.key.pos))
                    }
                case "rules":
                    notes.append("its `rules:` are not evaluated; ciport includes the file unconditionally")
                case "integrity", "cache":
                    continue
                default:
                    throw InputError(p.key.pos, "unknown key `\(p.key.value)` in `include` entry")
                }
            }
        }
        guard kind == .local else {
            pipeline.includes.append(inc)
            hasUnresolvedIncludes = true
            let what = kind == .project ? "\(location) (\(inc.files.joined(separator: ", ")))" : location
            notes.insert("\(kind.rawValue) include \(what) is not fetched: jobs and templates it defines are missing from the output", at: 0)
            ledger.record(path, at: node.pos, .needsReview, note: notes.joined(separator: "; "))
            return nil
        }
        let relative = location.hasPrefix("/") ? String(location.dropFirst()) : location
        if relative.contains("*") {
            pipeline.includes.append(inc)
            hasUnresolvedIncludes = true
            ledger.record(path, at: node.pos, .needsReview, note: "wildcard local include \(location) is not expanded")
            return nil
        }
        if seen.contains(relative) {
            ledger.record(path, at: node.pos, note: "\(location) is already included")
            return nil
        }
        guard let loader = options.loader, let loaded = try loader.load(relative) else {
            pipeline.includes.append(inc)
            hasUnresolvedIncludes = true
            ledger.record(path, at: node.pos, .needsReview,
                          note: "local include \(location) not found under --root: jobs it defines are missing")
            return nil
        }
        seen.insert(relative)
        let text: String
        if let split = GitLabReader.splitSpecHeader(loaded.text) {
            let header = try YAMLLoader.load(split.header, file: loaded.file, limits: options.limits)?.mapping
            text = GitLabReader.interpolateInputs(split.body, inputs: inc.inputs, spec: header)
        } else {
            text = GitLabReader.interpolateInputs(loaded.text, inputs: inc.inputs)
        }
        guard let doc = try YAMLLoader.load(text, file: loaded.file, limits: options.limits) else {
            ledger.record(path, at: node.pos, note: "\(location) is empty")
            return nil
        }
        guard case .mapping(let m) = GitLabReader.applyingMergeKeys(doc) else {
            throw InputError(doc.pos, "an included GitLab CI file must be a mapping, got \(doc.kindName)")
        }
        ledger.record(path, at: node.pos, note: notes.joined(separator: "; "), target: "(merged from \(loaded.file))")
        return try resolveIncludes(m, depth: depth + 1, seen: &seen, pathPrefix: "\(relative):")
    }

    // MARK: extends

    /// Replaces every job's `extends:` with the merged content of the jobs it names.
    mutating func resolveExtends(_ root: YMapping) throws(InputError) -> YMapping {
        // Nothing to merge in a file without `extends:`.
        let extends = root.pairs.contains { p in
            if case .mapping(let m) = p.value { return m.pairs.contains { $0.key.value == "extends" } }
            return false
        }
        guard extends else { return root }
        var raw: [String: YMapping] = [:]
        for p in root.pairs where !GitLabReader.globalKeys.contains(p.key.value) {
            if case .mapping(let m) = p.value { raw[p.key.value] = m }
        }
        var done: [String: YMapping] = [:]
        var out = root
        for (i, p) in root.pairs.enumerated() where raw[p.key.value] != nil {
            let resolved = try extended(p.key.value, raw: raw, done: &done, chain: [])
            out.pairs[i] = YMapping.Pair(key: p.key, value: .mapping(resolved))
        }
        return out
    }

    private mutating func extended(_ name: String, raw: [String: YMapping], done: inout [String: YMapping],
                                   chain: [String]) throws(InputError) -> YMapping {
        if let d = done[name] { return d }
        guard let m = raw[name] else { return YMapping(pairs: [], pos: pipeline.pos) }
        guard let ext = m.pair("extends") else {
            done[name] = m
            return m
        }
        let bases = try strings(ext.value, "\(name).extends")
        if chain.count > 10 {
            throw InputError(ext.key.pos, "`extends` nests more than 11 levels deep (\((chain + [name]).joined(separator: " → ")))")
        }
        var result = YMapping(pairs: [], pos: m.pos)
        var missing: [String] = []
        for base in bases {
            if base == name || chain.contains(base) {
                throw InputError(ext.value.pos, "`extends` cycle: \((chain + [name, base]).joined(separator: " → "))")
            }
            guard raw[base] != nil else {
                missing.append(base)
                continue
            }
            let b = try extended(base, raw: raw, done: &done, chain: chain + [name])
            result = GitLabReader.deepMerge(result, b)
        }
        // The base's own name, stage-less hidden flags and the like are not inherited; only keys.
        let own = YMapping(pairs: m.pairs.filter { $0.key.value != "extends" }, tag: m.tag, pos: m.pos)
        result = GitLabReader.deepMerge(result, own)
        if missing.isEmpty {
            ledger.record("\(name).extends", at: ext.key.pos, note: "", target: "(merged from \(bases.joined(separator: ", ")))")
        } else if hasUnresolvedIncludes {
            ledger.record("\(name).extends", at: ext.value.pos, .needsReview,
                          note: "\(missing.joined(separator: ", ")) is not in this file (probably in an include ciport did not fetch): its keys are missing")
        } else {
            throw InputError(ext.value.pos, "`extends` names \(missing.map { "`\($0)`" }.joined(separator: ", ")), which this file does not define")
        }
        done[name] = result
        return result
    }

    // MARK: !reference

    /// Replaces `!reference [.job, key, …]` tags with the values they point at (after `extends`).
    mutating func resolveReferences(_ root: YMapping) throws(InputError) -> YMapping {
        var out = root
        // Only the parts that hold a tag are rebuilt (most files have none).
        for (i, p) in root.pairs.enumerated() where Self.containsReference(p.value) {
            out.pairs[i].value = try referencesResolved(p.value, config: root, path: p.key.value, depth: 0)
        }
        return out
    }

    /// Whether a `!reference` tag appears anywhere in `n`.
    static func containsReference(_ n: YNode) -> Bool {
        switch n {
        case .scalar: return false
        case .mapping(let m): return m.pairs.contains { containsReference($0.value) }
        case .sequence(let q): return q.tag == "!reference" || q.items.contains(where: containsReference)
        }
    }

    private mutating func referencesResolved(_ n: YNode, config: YMapping, path: String,
                                             depth: Int) throws(InputError) -> YNode {
        switch n {
        case .scalar: return n
        case .mapping(var m):
            for (i, p) in m.pairs.enumerated() where Self.containsReference(p.value) {
                m.pairs[i].value = try referencesResolved(p.value, config: config, path: "\(path).\(p.key.value)", depth: depth)
            }
            return .mapping(m)
        case .sequence(var q):
            if q.tag == "!reference" {
                if depth >= 10 {
                    throw InputError(q.pos, "`!reference` tags nested more than 10 levels deep")
                }
                var keys: [String] = []
                for item in q.items {
                    guard let s = item.scalar else {
                        throw InputError(item.pos, "`!reference` takes a list of names, like [.setup, script]")
                    }
                    keys.append(s.value)
                }
                guard !keys.isEmpty else { throw InputError(q.pos, "`!reference` needs at least a job name") }
                var target: YNode? = .mapping(config)
                for k in keys { target = target?.mapping?.merged()[k] }
                guard let found = target else {
                    if hasUnresolvedIncludes {
                        ledger.record(path, at: q.pos, .needsReview,
                                      note: "!reference [\(keys.joined(separator: ", "))] is not in this file (probably in an include ciport did not fetch)")
                        return .sequence(YSequence(items: [], pos: q.pos))
                    }
                    throw InputError(q.pos, "`!reference [\(keys.joined(separator: ", "))]` points at nothing in this file")
                }
                ledger.record(path, at: q.pos, note: "", target: "(!reference [\(keys.joined(separator: ", "))] resolved)")
                return try referencesResolved(found, config: config, path: path, depth: depth + 1)
            }
            for (i, item) in q.items.enumerated() where Self.containsReference(item) {
                q.items[i] = try referencesResolved(item, config: config, path: "\(path)[\(i)]", depth: depth)
            }
            return .sequence(q)
        }
    }
}

extension GitLabReader {
    /// Replaces `$[[ inputs.name ]]` with the values an include (or the spec defaults) give.
    static func interpolateInputs(_ text: String, inputs: [KeyValue], spec: YMapping? = nil) -> String {
        guard text.contains("$[[") else { return text }
        var values: [String: String] = [:]
        if let specInputs = spec?["spec"]?.mapping?["inputs"]?.mapping {
            for p in specInputs.pairs {
                if let d = p.value.mapping?["default"]?.string { values[p.key.value] = d }
            }
        }
        for kv in inputs { values[kv.key] = kv.value }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "$[[") {
            guard let close = rest[open.upperBound...].range(of: "]]") else { break }
            out += rest[..<open.lowerBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = inner.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? inner
            if name.hasPrefix("inputs."), let v = values[String(name.dropFirst("inputs.".count))] {
                out += v
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
