import Foundation
import Testing

/// The `registry` and `pipeline` commands through the real binary, as a user runs them.
@Suite(.enabled(if: Repo.hasCiportBinary, "needs the ciport binary (swift build)"))
struct RegistryCLITests {
    static let secret = "glpat-\(UUID().uuidString)"

    func ciport(_ args: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(Repo.ciportBinary, args, cwd: cwd, env: env)
    }

    /// A run directory as `ciport train` leaves it.
    static func fakeRunDir(in dir: URL, id: String, lr: Double, loss: [Double]) throws -> URL {
        let run = dir.appendingPathComponent("runs/\(id)")
        try FileManager.default.createDirectory(at: run.appendingPathComponent("adapter"), withIntermediateDirectories: true)
        try Data("{\"r\": 8}".utf8).write(to: run.appendingPathComponent("adapter/adapter_config.json"))
        try Data(#"{"base_model": "tiny", "learning_rate": \#(lr), "lora": {"r": 8}, "output_dir": "/tmp/x"}"#.utf8)
            .write(to: run.appendingPathComponent("run-config.json"))
        var events = #"{"event":"start","max_steps":\#(loss.count)}"# + "\n"
        for (i, l) in loss.enumerated() {
            events += #"{"event":"step","step":\#(i + 1),"loss":\#(l),"learning_rate":\#(lr),"tokens_per_s":1000.5}"# + "\n"
        }
        events += #"{"event":"eval","step":\#(loss.count),"loss":\#(loss.last! + 0.1)}"# + "\n"
        try Data(events.utf8).write(to: run.appendingPathComponent("events.jsonl"))
        let status = #"{"state":"finished","started":"2026-11-29T21:00:00Z","ended":"2026-11-29T21:05:00Z","step":\#(loss.count),"adapter":"\#(run.appendingPathComponent("adapter").path)","finishedCount":1}"#
        try Data(status.utf8).write(to: run.appendingPathComponent("status.json"))
        return run
    }

    @Test func registerPromoteDiffShowList() throws {
        let dir = try Repo.tempDir()
        let state = ["--state-dir", dir.appendingPathComponent("state").path]
        let a = try Self.fakeRunDir(in: dir, id: "20261129T2100-tiny", lr: 0.0002, loss: [3, 2, 1.5])
        let b = try Self.fakeRunDir(in: dir, id: "20261129T2200-tiny", lr: 0.0001, loss: [3, 1.8, 1.2])
        try Data("# TYPE fact_f1 gauge\nfact_f1 0.75\nparse_rate{engine=\"rules\"} 1\n".utf8).write(to: dir.appendingPathComponent("metrics.txt"))

        var r = try ciport(["registry", "register", a.path, "--as", "translator", "--alias", "candidate"] + state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("registered translator@1.0.0"))
        r = try ciport(["registry", "register", b.path, "--as", "translator", "--scores", dir.appendingPathComponent("metrics.txt").path] + state)
        #expect(r.stdout.contains("registered translator@1.1.0"), "\(r.stderr)")
        r = try ciport(["registry", "promote", "translator@1.1.0", "--alias", "production"] + state)
        #expect(r.status == 0 && r.stdout.contains("translator@production → 1.1.0"), "\(r.stderr)")

        r = try ciport(["registry", "diff", "translator@1.0.0", "translator@production"] + state)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("param  learning_rate: 0.0002 → 0.0001"))
        #expect(r.stdout.contains("metric  loss: 1.5 → 1.2"))
        #expect(r.stdout.contains("eval  fact_f1: ∅ → 0.75"))

        r = try ciport(["registry", "show", "translator@production"] + state)
        #expect(r.status == 0, "\(r.stderr)")
        for s in ["model    translator@1.1.0", "aliases  production", "fact_f1 = 0.75", "eval_loss = 1.3", "loss = 1.2  (3)",
                  "adapter/adapter_config.json", "sha256:", "base_model = tiny", "lora.r = 8"] {
            #expect(r.stdout.contains(s), "\(s) in\n\(r.stdout)")
        }
        #expect(!r.stdout.contains("output_dir"))

        r = try ciport(["registry", "list"] + state)
        #expect(r.stdout.contains("translator  latest 1.1.0  2 versions  candidate=1.0.0 production=1.1.0"), "\(r.stdout)")
        #expect(r.stdout.contains("20261129T2200-tiny  train  finished"))

        r = try ciport(["registry", "show", "nope@1.0.0"] + state)
        #expect(r.status == 66)
        r = try ciport(["registry", "promote", "translator@9.0.0"] + state)
        #expect(r.status == 66 && r.stderr.contains("error:"))
    }

    @Test func tokenNeverAppearsInOutputOrDatabase() throws {
        let dir = try Repo.tempDir()
        let stateDir = dir.appendingPathComponent("state")
        let state = ["--state-dir", stateDir.path]
        let a = try Self.fakeRunDir(in: dir, id: "r1", lr: 0.0002, loss: [2, 1])
        _ = try ciport(["registry", "register", a.path, "--as", "m"] + state)
        let port = try MLflowServer.freePort()  // nothing listens there
        var outputs: [ProcessResult] = []
        for env in [["MLFLOW_TRACKING_TOKEN": Self.secret], ["CI_JOB_TOKEN": Self.secret], ["MY_TOKEN": Self.secret]] {
            let extra = env["MY_TOKEN"] != nil ? ["--token-env", "MY_TOKEN"] : []
            let r = try ciport(["registry", "push", "m@1.0.0", "--to", "http://127.0.0.1:\(port)", "--attempts", "1"] + extra + state, env: env)
            #expect(r.status == 69, "\(r.stderr)")
            #expect(r.stderr.contains("cannot reach http://127.0.0.1:\(port)"))
            outputs.append(r)
        }
        // A token in the URL is refused without being echoed.
        outputs.append(try ciport(["registry", "push", "m@1.0.0", "--to", "http://me:\(Self.secret)@127.0.0.1:\(port)"] + state))
        #expect(outputs.last?.status == 65)
        outputs.append(try ciport(["registry", "show", "m@1.0.0"] + state, env: ["MLFLOW_TRACKING_TOKEN": Self.secret]))
        outputs.append(try ciport(["registry", "list"] + state, env: ["MLFLOW_TRACKING_TOKEN": Self.secret]))
        for o in outputs { #expect(!(o.stdout + o.stderr).contains(Self.secret)) }
        for f in try FileManager.default.contentsOfDirectory(atPath: stateDir.path) {
            let d = try Data(contentsOf: stateDir.appendingPathComponent(f))
            #expect(d.range(of: Data(Self.secret.utf8)) == nil, "\(f)")
        }
    }

    @Test func pipelineInitWritesRefusesToOverwriteAndForces() throws {
        let dir = try Repo.tempDir()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("configs"), withIntermediateDirectories: true)
        try Data("{}\n".utf8).write(to: dir.appendingPathComponent("data/train.jsonl"))
        try Data("base_model: tiny:llama\ndataset:\n  train: data/train.jsonl\n".utf8).write(to: dir.appendingPathComponent("configs/train.yml"))

        var r = try ciport(["pipeline", "init", "--dir", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let ci = dir.appendingPathComponent(".gitlab-ci.yml")
        let component = dir.appendingPathComponent("templates/finetune/template.yml")
        #expect(FileManager.default.fileExists(atPath: ci.path))
        #expect(try String(contentsOf: component, encoding: .utf8).contains("default: \"tiny:llama\""))

        try Data("# mine\n".utf8).write(to: ci)
        r = try ciport(["pipeline", "init", "--dir", dir.path])
        #expect(r.status == 73)
        #expect(r.stderr.contains("already exists (use --force to overwrite)"))
        #expect(try String(contentsOf: ci, encoding: .utf8) == "# mine\n")

        r = try ciport(["pipeline", "init", "--dir", dir.path, "--force", "--accelerator", "rocm"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOf: ci, encoding: .utf8).contains("/dev/kfd"))

        if PipelineTests.translatorReadsGitLab {
            r = try ciport(["pipeline", "init", "--dir", dir.path, "--platform", "github"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("translated from the generated GitLab pipeline"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".github/workflows/finetune.yml").path))
        }
        // No leftovers from the atomic writes.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)

        let empty = try Repo.tempDir()
        r = try ciport(["pipeline", "init", "--dir", empty.path])
        #expect(r.status == 66 && r.stderr.contains("no dataset found"))
    }
}
