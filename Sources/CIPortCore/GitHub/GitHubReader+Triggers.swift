/// `on:` in its three forms: `on: push`, `on: [push, pull_request]`, and a mapping of events.
extension GitHubReaderState {
    mutating func readTriggers(_ node: YNode, into p: inout Pipeline) throws(InputError) {
        record("on", node.pos)
        switch node {
        case .scalar(let s):
            guard !s.isNull else { throw typeError(node, "on", expected: "an event name, a list or a mapping") }
            try readEvent(s.value, nil, keyPos: s.pos, into: &p)
        case .sequence(let q):
            for (i, item) in q.items.enumerated() {
                guard let s = item.scalar, !s.isNull else { throw typeError(item, "on[\(i)]", expected: "an event name") }
                try readEvent(s.value, nil, keyPos: s.pos, into: &p)
            }
        case .mapping(let m):
            for pair in m.merged().pairs {
                try readEvent(pair.key.value, pair.value, keyPos: pair.key.pos, into: &p)
            }
        }
    }

    static func event(_ name: String) -> Trigger.Event {
        switch name {
        case "push": .push
        case "pull_request": .pullRequest
        case "pull_request_target": .pullRequestTarget
        case "schedule": .schedule
        case "workflow_dispatch": .manual
        case "workflow_call": .call
        case "repository_dispatch": .api
        case "release": .release
        case "workflow_run": .workflowRun
        default: .other
        }
    }

    private mutating func readEvent(_ name: String, _ config: YNode?, keyPos: SourcePos,
                                    into p: inout Pipeline) throws(InputError) {
        var path: String { "on.\(name)" }
        var t = Trigger(event: Self.event(name), rawEvent: name, pos: keyPos)
        record(path, keyPos)
        if name == "schedule" {
            guard let config, let q = config.sequence else {
                throw typeError(config ?? .scalar(YScalar("", pos: keyPos)), path, expected: "a list of '- cron:' entries")
            }
            for (i, item) in q.items.enumerated() {
                var ip: String { "\(path)[\(i)]" }
                let m = try mapping(item, ip)
                var s = Trigger(event: .schedule, rawEvent: name, pos: item.pos)
                for pair in m.pairs {
                    var kp: String { "\(ip).\(pair.key.value)" }
                    if pair.key.value == "cron" {
                        s.cron = try string(pair.value, kp)
                        record(kp, pair.value.pos)
                    } else {
                        lost(kp, pair.key.pos, "'\(pair.key.value)' is not a key of a schedule entry")
                    }
                }
                guard s.cron != nil else { throw InputError(item.pos, "\(ip): 'cron' is required") }
                record(ip, item.pos)
                p.triggers.append(s)
            }
            return
        }
        guard let config else { p.triggers.append(t); return }
        let m = try optionalMapping(config, path)
        for pair in m.pairs {
            let key = pair.key.value
            var kp: String { "\(path).\(key)" }
            let v = pair.value
            switch (t.event, key) {
            case (.push, "branches"), (.pullRequest, "branches"), (.pullRequestTarget, "branches"),
                 (.workflowRun, "branches"), (.other, "branches"):
                t.branches = try strings(v, kp); record(kp, v.pos)
            case (_, "branches-ignore"):
                t.branchesIgnore = try strings(v, kp); record(kp, v.pos)
            case (.push, "tags"), (.other, "tags"):
                t.tags = try strings(v, kp); record(kp, v.pos)
            case (.push, "tags-ignore"), (.other, "tags-ignore"):
                t.tagsIgnore = try strings(v, kp); record(kp, v.pos)
            case (.push, "paths"), (.pullRequest, "paths"), (.pullRequestTarget, "paths"), (.other, "paths"):
                t.paths = try strings(v, kp); record(kp, v.pos)
            case (.push, "paths-ignore"), (.pullRequest, "paths-ignore"), (.pullRequestTarget, "paths-ignore"),
                 (.other, "paths-ignore"):
                t.pathsIgnore = try strings(v, kp); record(kp, v.pos)
            case (.workflowRun, "workflows"):
                t.workflows = try strings(v, kp); record(kp, v.pos)
            case (_, "types"):
                t.types = try strings(v, kp); record(kp, v.pos)
            case (.manual, "inputs"), (.call, "inputs"):
                try readInputs(v, kp, into: &p)
            case (.call, "outputs"):
                // No field in the model: GitLab child pipelines hand nothing back to their parent.
                let om = try optionalMapping(v, kp)
                for o in om.pairs {
                    lost("\(kp).\(o.key.value)", o.key.pos,
                         "outputs of a called workflow have no GitLab counterpart (a child pipeline returns no values)")
                }
                lost(kp, v.pos, "outputs of a called workflow have no GitLab counterpart")
            case (.call, "secrets"):
                let sm = try optionalMapping(v, kp)
                for s in sm.pairs {
                    record("\(kp).\(s.key.value)", s.key.pos, .approximated,
                           note: "GitLab child pipelines read the project's CI/CD variables; no secret is passed explicitly")
                }
                record(kp, v.pos, .approximated, note: "secrets come from the project's CI/CD variables on GitLab")
            default:
                lost(kp, pair.key.pos, "'\(key)' is not a filter of the '\(name)' event")
            }
        }
        p.triggers.append(t)
    }

    /// `workflow_dispatch.inputs` and `workflow_call.inputs`.
    private mutating func readInputs(_ node: YNode, _ path: @autoclosure () -> String, into p: inout Pipeline) throws(InputError) {
        let m = try optionalMapping(node, path())
        record(path(), node.pos)
        for pair in m.pairs {
            var ip: String { "\(path()).\(pair.key.value)" }
            var input = Input(name: pair.key.value, pos: pair.key.pos)
            let spec = try optionalMapping(pair.value, ip)
            for sp in spec.pairs {
                var kp: String { "\(ip).\(sp.key.value)" }
                switch sp.key.value {
                case "description": input.description = try optionalString(sp.value, kp)
                case "type": input.type = try string(sp.value, kp)
                case "required": input.required = try bool(sp.value, kp)
                case "default": input.defaultValue = try optionalString(sp.value, kp)
                case "options": input.options = try strings(sp.value, kp)
                case "deprecationMessage": input.description = (input.description ?? "") + " (deprecated)"
                default:
                    lost(kp, sp.key.pos, "'\(sp.key.value)' is not a key of an input")
                    continue
                }
                record(kp, sp.value.pos)
            }
            record(ip, pair.key.pos)
            if !p.inputs.contains(where: { $0.name == input.name }) { p.inputs.append(input) }
        }
    }
}
