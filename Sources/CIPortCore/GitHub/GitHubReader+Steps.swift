import Foundation

/// Steps, and local composite actions inlined in their place.
extension GitHubReaderState {
    /// One step, or the steps of a local composite action it calls (resolved through the loader).
    mutating func readStep(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> [Step] {
        var steps: [Step] = []
        try readStep(node, path(), into: &steps)
        return steps
    }

    /// `readStep` appending to `steps`, so that a job's steps gather in one array rather than an
    /// array per step that is then copied into the job.
    mutating func readStep(_ node: YNode, _ path: @autoclosure () -> String, into steps: inout [Step]) throws(InputError) {
        let m = try mapping(node, path())
        record(path(), node.pos)
        var run: String?
        var uses: String?
        var step = Step(.run(""), pos: node.pos)
        for pair in m.pairs {
            let key = pair.key.value
            var kp: String { "\(path()).\(key)" }
            let v = pair.value
            switch key {
            case "run": run = try string(v, kp); record(kp, v.pos)
            case "uses": uses = try string(v, kp); record(kp, v.pos)
            case "id": step.id = try string(v, kp); record(kp, v.pos)
            case "name": step.name = try string(v, kp); record(kp, v.pos)
            case "with": step.with = try keyValues(v, kp)
            case "env": step.env = try keyValues(v, kp)
            case "if": step.condition = try condition(v, kp); record(kp, v.pos)
            case "shell": step.shell = try string(v, kp); record(kp, v.pos)
            case "working-directory": step.workingDirectory = try string(v, kp); record(kp, v.pos)
            case "continue-on-error": step.continueOnError = try string(v, kp); record(kp, v.pos)
            case "timeout-minutes":
                let raw = try string(v, kp)
                step.timeoutMinutes = v.scalar?.int ?? Double(raw).map { Int($0.rounded(.up)) }
                record(kp, v.pos)
            default:
                lost(kp, pair.key.pos, "'\(key)' is not a GitHub step keyword")
            }
        }
        switch (run, uses) {
        case (let r?, nil): step.action = .run(r)
        case (nil, let u?): step.action = .uses(u)
        case (.some, .some): throw InputError(node.pos, "\(path()): a step has 'run' or 'uses', not both")
        case (nil, nil): throw InputError(node.pos, "\(path()): a step needs 'run' or 'uses'")
        }
        if let u = uses, u.hasPrefix("./"), !u.contains("/.github/workflows/") {
            if let inlined = try inlineComposite(step, ref: u, path()) {
                steps.append(contentsOf: inlined)
                return
            }
        }
        steps.append(step)
    }

    /// The steps of a local composite action with the caller's inputs substituted, or nil when it
    /// cannot be read (no loader, missing file, not a composite); the ledger says which.
    private mutating func inlineComposite(_ caller: Step, ref: String, _ path: String) throws(InputError) -> [Step]? {
        let usesPath = "\(path).uses"
        guard let loader = options.loader else {
            record(usesPath, caller.pos, .needsReview, note: "local action \(ref) not read (no --root given)")
            return nil
        }
        let dir = String(ref.dropFirst(2)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if loading.contains(dir) {
            record(usesPath, caller.pos, .needsReview, note: "local action \(ref) calls itself")
            return nil
        }
        var loaded: (file: String, text: String)?
        for name in ["action.yml", "action.yaml"] where loaded == nil {
            loaded = try loader.load(dir.isEmpty ? name : "\(dir)/\(name)")
        }
        guard let loaded else {
            record(usesPath, caller.pos, .needsReview, note: "local action \(ref) not found under --root")
            return nil
        }
        guard let root = try YAMLLoader.load(loaded.text, file: loaded.file, limits: options.limits)?.mapping?.merged(),
              let runs = root["runs"]?.mapping?.merged()
        else {
            throw InputError(SourcePos(file: loaded.file, line: 1, column: 1), "not an action metadata file (no 'runs:')")
        }
        guard runs["using"]?.string == "composite", let stepsNode = runs["steps"] else {
            record(usesPath, caller.pos, .needsReview,
                   note: "local action \(ref) runs '\(runs["using"]?.string ?? "?")', not composite steps; port it by hand")
            return nil
        }
        // Inputs: the caller's `with:` wins over the action's defaults.
        var inputs: [String: String] = [:]
        if let im = root["inputs"]?.mapping {
            for p in im.pairs { inputs[p.key.value] = p.value.mapping?["default"]?.string ?? "" }
        }
        for w in caller.with { inputs[w.key] = w.value }

        loading.append(dir)
        defer { loading.removeLast() }
        let inner = GitHubReaderState(file: loaded.file, options: options, ledger: Ledger())
        var sub = inner
        sub.loading = loading
        guard let q = stepsNode.sequence else { throw typeError(stepsNode, "runs.steps", expected: "a list of steps") }
        var out: [Step] = []
        for (i, item) in q.items.enumerated() {
            let sp = "\(path).composite.steps[\(i)]"
            for var s in try sub.readStep(item, sp) {
                var unresolved = false
                func substitute(_ text: String) -> String { Self.substituteInputs(text, inputs, unresolved: &unresolved) }
                switch s.action {
                case .run(let r): s.action = .run(substitute(r))
                case .uses: break
                }
                s.with = s.with.map { KeyValue($0.key, substitute($0.value), pos: $0.pos) }
                s.env = caller.env + s.env.map { KeyValue($0.key, substitute($0.value), pos: $0.pos) }
                if let c = s.condition { s.condition = Condition(substitute(c.expression), pos: c.pos) }
                if let cc = caller.condition {
                    s.condition = Condition(s.condition.map { "(\(cc.expression)) && (\($0.expression))" } ?? cc.expression, pos: cc.pos)
                }
                s.workingDirectory = s.workingDirectory ?? caller.workingDirectory
                if unresolved {
                    sub.ledger.record(sp, at: s.pos, .needsReview, note: "refers to inputs of \(ref) that could not be substituted")
                }
                out.append(s)
            }
        }
        ledger.merge(sub.ledger)
        for w in caller.with { record("\(path).with.\(w.key)", w.pos, note: "") }
        record(usesPath, caller.pos, .approximated, note: "local composite action \(ref) inlined (\(out.count) steps)")
        return out
    }

    /// Replaces `${{ inputs.NAME }}` with the input's value; other uses of `inputs` set `unresolved`.
    static func substituteInputs(_ text: String, _ inputs: [String: String], unresolved: inout Bool) -> String {
        guard text.contains("inputs.") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let expr = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if expr.hasPrefix("inputs."), let v = inputs[String(expr.dropFirst("inputs.".count))] {
                out += v
            } else {
                if expr.contains("inputs.") { unresolved = true }
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
