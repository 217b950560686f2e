import Foundation

/// `jobs.<id>`: runner, container, services, strategy, conditions and the rest of a job.
extension GitHubReaderState {
    mutating func readJob(_ id: String, _ node: YNode, keyPos: SourcePos) throws(InputError) -> Job {
        // Paths are built where they are used (a ledger entry, an error), not once per key up front:
        // with a discarding ledger (dataset validation) they are then never built.
        var path: String { "jobs.\(id)" }
        let m = try mapping(node, path)
        var job = Job(id: id, pos: keyPos)
        record(path, keyPos)
        for pair in m.pairs {
            let key = pair.key.value
            var kp: String { "\(path).\(key)" }
            let v = pair.value
            switch key {
            case "name":
                job.name = try string(v, kp); record(kp, v.pos)
            case "needs":
                guard v.scalar != nil || v.sequence != nil else { throw typeError(v, kp, expected: "a job id or a list of job ids") }
                let ids = try strings(v, kp)
                let items = v.sequence?.items ?? [v]
                record(kp, v.pos)
                for (i, need) in ids.enumerated() {
                    let np = items.indices.contains(i) ? items[i].pos : v.pos
                    record("\(kp)[\(i)]", np)
                    job.needs.append(Need(job: need, pos: np))
                }
            case "if":
                job.condition = try condition(v, kp); record(kp, v.pos)
            case "runs-on":
                job.runsOn = try readRunsOn(v, kp)
            case "container":
                job.image = try readContainer(v, kp)
            case "services":
                let sm = try optionalMapping(v, kp)
                record(kp, v.pos)
                for sp in sm.pairs {
                    job.services.append(try readService(sp.key.value, sp.value, "\(kp).\(sp.key.value)", keyPos: sp.key.pos))
                }
            case "strategy":
                job.matrix = try readStrategy(v, kp)
            case "outputs":
                job.outputs = try keyValues(v, kp)
            case "environment":
                job.environment = try readEnvironment(v, kp)
            case "timeout-minutes":
                let raw = try string(v, kp)
                job.timeout = Timeout(minutes: v.scalar?.int ?? Double(raw).map { Int($0.rounded(.up)) }, raw: raw, pos: v.pos)
                record(kp, v.pos)
            case "continue-on-error":
                if let b = v.scalar?.bool {
                    job.allowFailure = AllowFailure(allowed: b, pos: v.pos)
                } else {
                    let raw = try string(v, kp)
                    job.allowFailure = AllowFailure(allowed: false, expression: Self.stripBraces(raw), pos: v.pos)
                }
                record(kp, v.pos)
            case "env":
                job.variables = try keyValues(v, kp)
            case "defaults":
                let d = try readDefaults(v, kp)
                job.shell = d.shell
                job.workingDirectory = d.workingDirectory
            case "permissions":
                job.permissions = try readPermissions(v, kp)
            case "concurrency":
                job.concurrency = try readConcurrency(v, kp)
            case "uses":
                let ref = try string(v, kp)
                if job.uses == nil { job.uses = WorkflowCall(ref: ref, pos: v.pos) } else { job.uses?.ref = ref; job.uses?.pos = v.pos }
                readCalledWorkflow(ref, kp, v.pos)
            case "with":
                let with = try keyValues(v, kp)
                if job.uses == nil { job.uses = WorkflowCall(ref: "", pos: v.pos) }
                job.uses?.with = with
            case "secrets":
                if job.uses == nil { job.uses = WorkflowCall(ref: "", pos: v.pos) }
                if let s = v.scalar, s.value == "inherit" {
                    job.uses?.secretsInherit = true
                    record(kp, v.pos)
                } else {
                    job.uses?.secrets = try keyValues(v, kp)
                }
            case "steps":
                guard let q = v.sequence else { throw typeError(v, kp, expected: "a list of steps") }
                record(kp, v.pos)
                // Gathered apart and put into the job once: each write to a job field goes through its box.
                var steps = job.steps
                job.steps = []
                steps.reserveCapacity(steps.count + q.items.count)
                for (i, item) in q.items.enumerated() {
                    try readStep(item, "\(kp)[\(i)]", into: &steps)
                }
                job.steps = steps
            default:
                lost(kp, pair.key.pos, "'\(key)' is not a GitHub job keyword")
            }
        }
        if job.uses == nil && job.steps.isEmpty && m["steps"] == nil {
            throw InputError(node.pos, "\(path): a job needs 'steps' or 'uses'")
        }
        if job.uses?.ref.isEmpty == true {
            throw InputError(node.pos, "\(path): 'with' and 'secrets' are for a job that 'uses' a reusable workflow")
        }
        return job
    }

    /// `if:` text without a wrapping `${{ }}`; booleans read as `true`/`false`.
    func condition(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Condition {
        let raw = try string(node, path())
        return Condition(Self.stripBraces(raw), pos: node.pos)
    }

    /// `${{ x }}` → `x` when the braces wrap the whole text.
    static func stripBraces(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("${{"), t.hasSuffix("}}") else { return t }
        let inner = t.dropFirst(3).dropLast(2)
        // `${{ a }} && ${{ b }}` is two expressions joined as text, not one; leave it whole.
        if inner.contains("${{") { return t }
        return inner.trimmingCharacters(in: .whitespaces)
    }

    private mutating func readRunsOn(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> RunsOn {
        record(path(), node.pos)
        switch node {
        case .scalar, .sequence:
            if node.scalar?.isNull == true { throw typeError(node, path(), expected: "a string or a list") }
            return RunsOn(labels: try strings(node, path()), pos: node.pos)
        case .mapping(let m):
            var r = RunsOn(labels: [], pos: node.pos)
            for pair in m.merged().pairs {
                var kp: String { "\(path()).\(pair.key.value)" }
                switch pair.key.value {
                case "group": r.group = try string(pair.value, kp)
                case "labels": r.labels = try strings(pair.value, kp)
                default:
                    lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of runs-on (only 'group' and 'labels')")
                    continue
                }
                record(kp, pair.value.pos)
            }
            return r
        }
    }

    private mutating func readContainer(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Image {
        record(path(), node.pos)
        if node.scalar != nil { return Image(name: try string(node, path()), pos: node.pos) }
        let m = try mapping(node, path())
        var img = Image(name: "", pos: node.pos)
        for pair in m.pairs {
            var kp: String { "\(path()).\(pair.key.value)" }
            let v = pair.value
            switch pair.key.value {
            case "image": img.name = try string(v, kp); record(kp, v.pos)
            case "credentials": img.credentials = try keyValues(v, kp)
            case "env": img.env = try keyValues(v, kp)
            case "ports": img.ports = try strings(v, kp); record(kp, v.pos)
            case "volumes": img.volumes = try strings(v, kp); record(kp, v.pos)
            case "options": img.options = try string(v, kp); record(kp, v.pos)
            default: lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of container")
            }
        }
        if img.name.isEmpty { throw InputError(node.pos, "\(path()): 'image' is required") }
        return img
    }

    private mutating func readService(_ name: String, _ node: YNode, _ path: @autoclosure () -> String,
                                      keyPos: SourcePos) throws(InputError) -> Service {
        record(path(), keyPos)
        let m = try mapping(node, path())
        var s = Service(image: "", alias: name, pos: keyPos)
        for pair in m.pairs {
            var kp: String { "\(path()).\(pair.key.value)" }
            let v = pair.value
            switch pair.key.value {
            case "image": s.image = try optionalString(v, kp) ?? ""; record(kp, v.pos)
            case "credentials": s.credentials = try keyValues(v, kp)
            case "env": s.env = try keyValues(v, kp)
            case "ports": s.ports = try strings(v, kp); record(kp, v.pos)
            case "options": s.options = try string(v, kp); record(kp, v.pos)
            case "volumes":
                _ = try strings(v, kp)
                lost(kp, v.pos, "GitLab services cannot mount volumes")
            default: lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of a service")
            }
        }
        return s
    }

    private mutating func readStrategy(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Matrix {
        let m = try mapping(node, path())
        record(path(), node.pos)
        var mx = Matrix(pos: node.pos)
        for pair in m.pairs {
            var kp: String { "\(path()).\(pair.key.value)" }
            let v = pair.value
            switch pair.key.value {
            case "matrix":
                try readMatrix(v, kp, into: &mx)
            case "fail-fast":
                // An expression here cannot be evaluated before the run; keep the default then.
                mx.failFast = v.scalar?.bool
                if mx.failFast == nil { _ = try string(v, kp) }
                record(kp, v.pos)
            case "max-parallel":
                mx.maxParallel = v.scalar?.int
                if mx.maxParallel == nil { _ = try string(v, kp) }
                record(kp, v.pos)
            default:
                lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of strategy")
            }
        }
        return mx
    }

    private mutating func readMatrix(_ node: YNode, _ path: @autoclosure () -> String, into mx: inout Matrix) throws(InputError) {
        record(path(), node.pos)
        mx.pos = node.pos
        if let s = node.scalar, !s.isNull {
            mx.expression = Self.stripBraces(s.value)
            return
        }
        let m = try mapping(node, path())
        for pair in m.pairs {
            var kp: String { "\(path()).\(pair.key.value)" }
            let v = pair.value
            switch pair.key.value {
            case "include", "exclude":
                var rows: [[KeyValue]] = []
                if let s = v.scalar, !s.isNull {
                    // `include: ${{ fromJSON(...) }}`: only known at run time.
                    mx.expression = mx.expression ?? Self.stripBraces(s.value)
                    record(kp, v.pos)
                    continue
                }
                guard let q = v.sequence else { throw typeError(v, kp, expected: "a list of mappings") }
                for (i, item) in q.items.enumerated() {
                    let row = try mapping(item, "\(kp)[\(i)]")
                    rows.append(row.pairs.map { KeyValue($0.key.value, Self.flowText($0.value), pos: $0.value.pos) })
                    record("\(kp)[\(i)]", item.pos)
                }
                if pair.key.value == "include" { mx.include = rows } else { mx.exclude = rows }
                record(kp, v.pos)
            default:
                let values: [String]
                switch v {
                case .sequence(let q): values = q.items.map(Self.flowText)
                case .scalar(let s) where !s.isNull: values = [s.value]  // an expression or a single value
                default: throw typeError(v, kp, expected: "a list of values")
                }
                mx.axes.append(Matrix.Axis(name: pair.key.value, values: values, pos: v.pos))
                record(kp, v.pos)
            }
        }
    }

    private mutating func readEnvironment(_ node: YNode, _ path: @autoclosure () -> String) throws(InputError) -> Environment {
        record(path(), node.pos)
        if node.scalar != nil { return Environment(name: try string(node, path()), pos: node.pos) }
        let m = try mapping(node, path())
        var env = Environment(name: "", pos: node.pos)
        for pair in m.pairs {
            var kp: String { "\(path()).\(pair.key.value)" }
            switch pair.key.value {
            case "name": env.name = try string(pair.value, kp)
            case "url": env.url = try string(pair.value, kp)
            default:
                lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of environment")
                continue
            }
            record(kp, pair.value.pos)
        }
        if env.name.isEmpty { throw InputError(node.pos, "\(path()): 'name' is required") }
        return env
    }

    /// Checks that a local reusable workflow exists when a loader is given; remote ones are recorded as they are.
    private mutating func readCalledWorkflow(_ ref: String, _ path: @autoclosure () -> String, _ pos: SourcePos) {
        guard ref.hasPrefix("./") else {
            record(path(), pos)
            return
        }
        guard let loader = options.loader else {
            record(path(), pos, .needsReview, note: "local workflow \(ref) not read (no --root given)")
            return
        }
        let found = (try? loader.load(String(ref.dropFirst(2)))) ?? nil
        if found == nil {
            record(path(), pos, .needsReview, note: "local workflow \(ref) not found under --root")
        } else {
            record(path(), pos)
        }
    }
}
