import ArgumentParser
import CIPortRegistry
import CIPortTrain
import Foundation

/// `ciport registry …`: the embedded model registry and pushes to MLflow-compatible servers.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Runs, metrics, artifacts and model versions: list, show, register, promote, diff, push.",
        discussion: """
        The registry is a SQLite file in the state directory (--state-dir, else CIPORT_STATE_DIR, else
        .ciport). `ciport train` records every run into it; `ciport registry register` makes a finished
        run the next semantic version of a model; `push` sends runs and versions to any MLflow-compatible
        tracking server, GitLab's model registry included (README: "Model registry").

        EXAMPLES
          ciport registry list
          ciport registry register .ciport/runs/20261129T2100-tiny --as translator --alias candidate
          ciport registry promote translator@1.1.0 --alias production
          ciport registry diff translator@1.0.0 translator@1.1.0
          ciport registry push translator@production --to http://127.0.0.1:5000
          ciport registry push translator@1.1.0 --to "$CI_API_V4_URL/projects/$CI_PROJECT_ID/ml/mlflow"

        EXIT STATUS
          0 done; 65 invalid input; 66 no such run, model, version or alias; 69 server unreachable; 1 server refused.
        """,
        subcommands: [List.self, Show.self, Record.self, Register.self, Promote.self, Diff.self, Push.self]
    )

    struct StateOptions: ParsableArguments {
        @Option(name: .long, help: "State directory holding registry.sqlite (default: CIPORT_STATE_DIR, else .ciport).")
        var stateDir: String?

        func open() throws -> Registry {
            try guarded { try Registry.open(stateDirectory: Registry.stateDirectory(explicit: stateDir)) }
        }
    }

    /// Prints a registry error the way the rest of ciport does and exits with its sysexits code.
    static func fail(_ e: RegistryError) -> ExitCode {
        FileIO.printErr(e.description)
        if e.isNotFound { return ExitCode(FileIO.exitNoInput) }
        if e.isUnreachable { return ExitCode(69) }
        return e.message.contains("refused") ? ExitCode(1) : ExitCode(FileIO.exitDataErr)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered models, then runs (newest first).")
        @OptionGroup var state: StateOptions
        @Option(help: "Only runs of this experiment.") var experiment: String?
        @Option(help: "At most this many runs.") var limit = 20

        func run() async throws {
            let r = try state.open()
            try guarded {
                let models = try r.models()
                print("MODELS")
                if models.isEmpty { print("  (none)") }
                for m in models {
                    let aliases = m.aliases.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    print("  \(m.name)  latest \(m.latest?.description ?? "-")  \(m.versionCount) version\(m.versionCount == 1 ? "" : "s")\(aliases.isEmpty ? "" : "  " + aliases)")
                }
                let runs = try r.runs(experiment: experiment)
                print("RUNS")
                if runs.isEmpty { print("  (none)") }
                for run in runs.prefix(limit) {
                    print("  \(run.id)  \(run.experiment)  \(run.status.rawValue)  \(Self.time(run.started))")
                }
                if runs.count > limit { print("  … \(runs.count - limit) more (--limit)") }
            }
        }

        static func time(_ d: Date) -> String {
            ISO8601DateFormatter.string(from: d, timeZone: .gmt, formatOptions: [.withInternetDateTime])
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model version (MODEL, MODEL@VERSION, MODEL@ALIAS) or a run (id, id prefix or run directory).")
        @OptionGroup var state: StateOptions
        @Argument(help: "MODEL[@VERSION|@ALIAS] or RUN.") var ref: String

        func run() async throws {
            let r = try state.open()
            try guarded {
                if let mv = try? r.version(ref: ref) {
                    print("model    \(mv.ref)")
                    print("run      \(mv.runId)")
                    print("created  \(List.time(mv.created))")
                    if let d = mv.description { print("about    \(d)") }
                    print("aliases  \(mv.aliases.isEmpty ? "-" : mv.aliases.joined(separator: ", "))")
                    if !mv.evalScores.isEmpty {
                        print("eval")
                        for (k, v) in mv.evalScores.sorted(by: { $0.key < $1.key }) { print("  \(k) = \(v)") }
                    }
                    for (remote, id) in try r.remotes(kind: .modelVersion, localId: mv.ref) { print("pushed   \(remote) (version \(id))") }
                    print("")
                    try printRun(try r.run(mv.runId), r)
                } else {
                    try printRun(try r.run(ref), r)
                }
            }
        }

        func printRun(_ run: RunRecord, _ r: Registry) throws {
            print("run      \(run.id)  (\(run.experiment), \(run.status.rawValue))")
            print("started  \(List.time(run.startTime))\(run.endTime.map { "  ended " + List.time($0) } ?? "")")
            if let s = run.source { print("source   \(s)") }
            if !run.params.isEmpty {
                print("params")
                for (k, v) in run.params.sorted(by: { $0.key < $1.key }) { print("  \(k) = \(v)") }
            }
            let latest = run.latestMetrics
            if !latest.isEmpty {
                print("metrics (last value; points)")
                let counts = Dictionary(grouping: run.metrics, by: \.key).mapValues(\.count)
                for (k, v) in latest.sorted(by: { $0.key < $1.key }) { print("  \(k) = \(v)  (\(counts[k] ?? 0))") }
            }
            if !run.artifacts.isEmpty {
                print("artifacts")
                for a in run.artifacts { print("  \(a.path)  \(a.size) B  sha256:\(a.sha256)") }
            }
            for (remote, id) in try r.remotes(kind: .run, localId: run.id) { print("pushed   \(remote) (run \(id))") }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a training run directory into the registry (ciport train does this itself).")
        @OptionGroup var state: StateOptions
        @Argument(help: "Run directory (with status.json).") var runDir: String

        func run() async throws {
            let r = try state.open()
            guard FileManager.default.fileExists(atPath: RunDirectory(path: runDir).statusPath) else {
                FileIO.printErr("\(runDir): error: not a ciport run directory (no status.json)")
                throw ExitCode(FileIO.exitNoInput)
            }
            let id = try guarded { try RunRecorder.record(RunDirectory(path: runDir), in: r) }
            print("recorded run \(id)")
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a finished run as the next version of a model.")
        @OptionGroup var state: StateOptions
        @Argument(help: "Run id, id prefix or run directory (recorded first when it is a directory not yet recorded).") var run: String
        @Option(name: .customLong("as"), help: "Model name.") var model: String
        @Option(help: "Which part of the latest version to bump: major, minor or patch.") var bump: SemVer.Bump = .minor
        @Option(help: "Exact version instead of a bump (must be above the latest).") var version: String?
        @Option(help: "Alias to point at the new version (repeatable), e.g. candidate.") var alias: [String] = []
        @Option(help: "Eval scores to attach: a JSON object of numbers, or an OpenMetrics metrics.txt.") var scores: String?
        @Option(help: "Description of the version.") var description: String?

        func run() async throws {
            let r = try state.open()
            var explicit: SemVer?
            if let version {
                guard let v = SemVer(version) else { throw ValidationError("--version \(version) is not MAJOR.MINOR.PATCH") }
                explicit = v
            }
            let parsedScores = try scores.map { try ScoresFile.read($0) }
            let mv = try guarded { () throws -> ModelVersion in
                var runRef = self.run
                if FileManager.default.fileExists(atPath: RunDirectory(path: runRef).statusPath), (try? r.run(runRef)) == nil {
                    runRef = try RunRecorder.record(RunDirectory(path: runRef), in: r)
                }
                var mv = try r.register(run: runRef, as: model, bump: bump, version: explicit, aliases: alias, description: description)
                if let parsedScores, !parsedScores.isEmpty {
                    try r.logEvalScores(model: model, version: mv.version.description, parsedScores)
                    mv = try r.version(model: model, ref: mv.version.description)
                }
                return mv
            }
            print("registered \(mv.ref) from run \(mv.runId)\(mv.aliases.isEmpty ? "" : " (" + mv.aliases.joined(separator: ", ") + ")")")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point an alias (default production) at a model version.")
        @OptionGroup var state: StateOptions
        @Argument(help: "MODEL@VERSION (or MODEL@ALIAS).") var ref: String
        @Option(help: "Alias to set.") var alias = "production"

        func run() async throws {
            let r = try state.open()
            guard ref.contains("@") else { throw ValidationError("give MODEL@VERSION, e.g. translator@1.2.0") }
            let mv = try guarded { () throws -> ModelVersion in
                let target = try r.version(ref: ref)
                return try r.setAlias(model: target.model, alias: alias, version: target.version.description)
            }
            print("\(mv.model)@\(alias) → \(mv.version)")
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare two model versions (params, final metrics, eval scores), or two runs.")
        @OptionGroup var state: StateOptions
        @Argument(help: "MODEL@VERSION or RUN.") var a: String
        @Argument(help: "MODEL@VERSION or RUN (a bare @VERSION reuses the first model).") var b: String

        func run() async throws {
            let r = try state.open()
            let d = try guarded { () throws -> VersionDiff in
                if a.contains("@") || b.hasPrefix("@") {
                    let va = try r.version(ref: a)
                    let vb = try r.version(ref: b.hasPrefix("@") ? va.model + b : b)
                    return try r.diff(va, vb)
                }
                return try r.diff(runs: a, b)
            }
            print("--- \(d.a)")
            print("+++ \(d.b)")
            if d.rows.isEmpty { print("no differences (\(d.unchanged) equal)"); return }
            for row in d.rows {
                var line = "\(row.section.rawValue)  \(row.key): \(row.a ?? "∅") → \(row.b ?? "∅")"
                if let delta = row.delta { line += String(format: "  (%+.6g)", delta) }
                print(line)
            }
            print("\(d.rows.count) changed, \(d.unchanged) equal")
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push a run or a model version to an MLflow-compatible tracking server (GitLab included).",
            discussion: """
            The token comes from --token-env NAME, else MLFLOW_TRACKING_TOKEN, else CI_JOB_TOKEN. It is
            sent as a Bearer header and never printed or stored. Pushing again creates nothing twice, and
            completes a push that was cut off.
            """
        )
        @OptionGroup var state: StateOptions
        @Argument(help: "RUN, or MODEL@VERSION / MODEL@ALIAS.") var ref: String
        @Option(help: "Tracking URI, e.g. http://127.0.0.1:5000 or https://gitlab.example.com/api/v4/projects/42/ml/mlflow.") var to: String
        @Option(help: "Name of the environment variable holding the token.") var tokenEnv: String?
        @Option(help: "Attempts per request on 5xx and connection failures.") var attempts = 5

        func run() async throws {
            let r = try state.open()
            let target = try guarded { try RemoteTarget(url: to, tokenEnv: tokenEnv) }
            let pusher = Pusher(registry: r, target: target, retry: RetryPolicy(attempts: attempts))
            let result: PushResult
            let what: String
            do {
                if let mv = try? r.version(ref: ref) {
                    what = mv.ref
                    result = try await pusher.push(model: mv.model, version: mv.version.description)
                } else {
                    let run = try r.run(ref)
                    what = "run \(run.id)"
                    result = try await pusher.push(run: run.id)
                }
            } catch let e as RegistryError {
                throw RegistryCommand.fail(e)
            }
            for n in result.notes { FileIO.printErr("note: \(n)") }
            let verb = result.created ? "pushed" : "already at the server:"
            print("\(verb) \(what) → \(target.displayName) (\(ref.contains("@") ? "version" : "run") \(result.remoteId)\(result.uploaded > 0 ? ", \(result.uploaded) artifact\(result.uploaded == 1 ? "" : "s") uploaded" : ""))")
        }
    }
}

extension SemVer.Bump: ExpressibleByArgument {}

/// Runs `body`, turning registry errors into ciport's message and exit code.
func guarded<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RegistryError { throw RegistryCommand.fail(e) }
}

/// Eval scores for `register --scores`: a JSON object of numbers, or OpenMetrics text (the
/// `metrics.txt` that `ciport eval` writes for GitLab), whose unlabelled samples are taken.
enum ScoresFile {
    static func read(_ path: String) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileIO.printErr("\(path): error: no such file or directory")
            throw ExitCode(FileIO.exitNoInput)
        }
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            return obj.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        return parseOpenMetrics(String(decoding: data, as: UTF8.self))
    }

    static func parseOpenMetrics(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.contains("{") { continue }
            let parts = line.split(separator: " ")
            if parts.count >= 2, let v = Double(parts[1]), v.isFinite { out[String(parts[0])] = v }
        }
        return out
    }
}
