import Foundation

/// Step and job outputs.
///
/// GitHub passes values through `steps.<id>.outputs.<name>` (a step writes `name=value` to
/// `$GITHUB_OUTPUT`, or an action sets it) and `needs.<job>.outputs.<name>`. On GitLab every
/// `script:` line runs in one shell, so a step output is a shell variable: a line after a `run:`
/// step reads it back from the `$GITHUB_OUTPUT` stand-in file, and an action's output is the
/// variable its translated lines export (`DOCKER_METADATA_OUTPUT_TAGS`). Job outputs are written to a
/// dotenv report at the end of the script, which GitLab loads into the jobs that need this one.
extension GitLabWriterState {
    /// The dotenv report that carries job outputs to later jobs.
    static let outputFile = ".ciport-outputs.env"
    /// GitHub's `$GITHUB_OUTPUT` stand-in, read back after each step that writes it.
    static let stepOutputFile = ".ciport-step-outputs"

    /// `steps.<id>.outputs.<name>` references in the job's text, as lower-cased (id, name) pairs.
    static func stepOutputRefs(_ job: Job) -> Set<[String]> {
        var texts: [String] = []
        for s in job.steps {
            texts += [s.script ?? "", s.condition?.expression ?? ""] + s.with.map(\.value) + s.env.map(\.value)
        }
        texts += job.outputs.map(\.value) + job.variables.map(\.value)
        texts += [job.environment?.name ?? "", job.environment?.url ?? "", job.condition?.expression ?? ""]
        var refs = Set<[String]>()
        for t in texts {
            // Both parts are ASCII, so lower-casing their bytes is what `lowercased()` does.
            FastText.stepOutputMatches(t, needName: true) { b, id, name in
                refs.insert([FastText.lowercasedASCII(b, id), FastText.lowercasedASCII(b, name)])
                return true
            }
        }
        return refs
    }

    /// Decides, before the job is written, how each output its text reads gets its value; fills
    /// `expr`, `outputExports` and `outputReloads` for the job.
    mutating func outputPlan(_ job: Job) {
        expr = Expressions.Options(inputs: .variable)
        outputExports = [:]
        outputReloads = [:]
        for n in validNeeds[job.id] ?? [] {
            for kv in p.job(n.job)?.outputs ?? [] { expr.resolvedOutputs.insert(Expressions.variableName(forOutput: kv.key)) }
        }
        let refs = Self.stepOutputRefs(job)
        guard !refs.isEmpty else { return }
        for step in job.steps {
            guard let id = step.id else { continue }
            let names = refs.filter { $0[0] == id.lowercased() }.map { $0[1] }.sorted()
            guard !names.isEmpty else { continue }
            if let script = step.script {
                guard FastText.contains(script, "GITHUB_OUTPUT") else { continue }
                outputReloads[step.pos] = names.map { (Expressions.variableName(forOutput: $0, step: id), $0) }
                for n in names { expr.resolvedOutputs.insert(Expressions.variableName(forOutput: n, step: id)) }
            } else if let outputs = options.catalog.outputs(step, dialect: .github, expressions: expr) {
                for kv in outputs where names.contains(kv.key.lowercased()) {
                    let v = Expressions.variableName(forOutput: kv.key, step: id)
                    if ActionRenderer.isVariableReference(kv.value) {
                        expr.outputAliases[v] = String(ActionRenderer.bareReference(kv.value).dropFirst())
                    } else {
                        outputExports[step.pos, default: []].append((v, kv.value))
                        expr.resolvedOutputs.insert(v)
                    }
                }
            }
        }
    }

    /// The line that reads a step output back from the `$GITHUB_OUTPUT` stand-in (the last value
    /// written under that name; GitHub's `name<<EOF` multi-line form is not read).
    static func reloadOutput(_ variable: String, _ output: String) -> String {
        "export \(variable)=\"$(sed -n 's/^\(output)=//p' \"$GITHUB_OUTPUT\" | tail -n 1)\""
    }

    /// Lines at the end of the script that write the job's outputs to the dotenv report.
    mutating func jobOutputLines(_ job: Job, _ o: inout JobOut) {
        guard !job.outputs.isEmpty else { return }
        let jp = "jobs.\(job.id)"
        var lines: [String] = []
        var comments: [String] = []
        for kv in job.outputs {
            let t = text(kv.value, .script, path: "\(jp).outputs.\(kv.key)", pos: kv.pos, matrix: true, notes: &comments)
            let v = FastText.escapingForDoubleQuotes(t.text)
            let name = Expressions.variableName(forOutput: kv.key)
            lines.append("printf '%s=%s\\n' \(name) \"\(v)\" >> \"$CI_PROJECT_DIR/\(Self.outputFile)\"")
            note("\(jp).outputs.\(kv.key)", kv.pos, .approximated,
                 "dotenv variable \(name) for the jobs that need this one (GitLab loads it as a CI/CD variable)",
                 target: "\(names[job.id] ?? job.id).artifacts.reports.dotenv")
        }
        o.script += lines.enumerated().map { YOutItem(.string($1), comments: $0 == 0 ? ["outputs for later jobs"] + comments : []) }
        var a = Artifacts(pos: job.pos)
        a.reports = [KeyValue("dotenv", Self.outputFile, pos: job.pos)]
        mergeArtifacts(&o, a)
    }
}
