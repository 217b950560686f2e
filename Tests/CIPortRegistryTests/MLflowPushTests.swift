import Foundation
import Testing
@testable import CIPortRegistry

/// Pushes to a real MLflow server (PyPI `mlflow`, installed by `make python`), started here on
/// 127.0.0.1 with a SQLite backend and served artifacts, and reads everything back through
/// MLflow's own REST API.
@Suite(.serialized, .enabled(if: Repo.hasMLflow, "needs .venv/bin/mlflow (make python)"))
struct MLflowPushTests {
    static let secret = "tok-\(UUID().uuidString)-never-show-me"

    @Test func pushRunAndVersionReadBackAndPushAgainWithoutDuplicates() async throws {
        let dir = try Repo.tempDir()
        let server = try await MLflowServer(dir: dir)
        defer { server.kill(); try? FileManager.default.removeItem(at: dir) }

        let t = try TempRegistry()
        _ = try t.finishedRun("run-one", lr: "0.0002", finalLoss: 0.75)
        try t.registry.setTag(run: "run-one", key: "ciport.base_model", value: "tiny")
        _ = try t.registry.register(run: "run-one", as: "translator", aliases: ["candidate"], description: "first")
        try t.registry.logEvalScores(model: "translator", version: "1.0.0", ["fact_f1": 0.8125])
        // A copy of the registry from before any push: it knows nothing of remote ids, so a push
        // from it must find the remote objects by their ciport tags.
        let copyPath = t.dir.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: t.registry.path, toPath: copyPath)

        let env = ["MY_TOKEN": Self.secret, "CI_JOB_ID": "4242"]
        let target = try RemoteTarget(url: server.url, tokenEnv: "MY_TOKEN", environment: env)
        let pusher = Pusher(registry: t.registry, target: target, environment: env)
        let first = try await pusher.push(model: "translator", version: "candidate")
        #expect(first.created)
        #expect(first.uploaded == 1)
        #expect(first.remoteId == "1")

        // Read back through MLflow's REST API.
        let runs = try await server.runs(experiment: "train")
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        let info = try #require(run["info"] as? [String: Any])
        let data = try #require(run["data"] as? [String: Any])
        let remoteRunId = try #require(info["run_id"] as? String)
        #expect(info["status"] as? String == "FINISHED")
        #expect(info["end_time"] as? Int == 1_800_000_100_000)
        #expect(tagValue(data["tags"], "ciport.run_id") == "run-one")
        #expect(tagValue(data["tags"], "gitlab.CI_JOB_ID") == "4242")
        #expect(tagValue(data["tags"], "ciport.base_model") == "tiny")
        #expect(tagValue(data["params"], "learning_rate") == "0.0002")
        #expect(tagValue(data["params"], "lora.r") == "8")
        let history = try await server.metricHistory(run: remoteRunId, key: "loss")
        #expect(history.map { $0["step"] as? Int } == [1, 2, 3])
        #expect(history.last?["value"] as? Double == 0.75)
        let artifactRoot = try #require(Pusher.proxiedArtifactPath(info["artifact_uri"] as? String ?? ""))
        let bytes = try await server.raw("/api/2.0/mlflow-artifacts/artifacts/\(artifactRoot)/adapter/model.bin")
        #expect(String(decoding: bytes, as: UTF8.self) == "weights of run-one")

        let model = try await server.get("/api/2.0/mlflow/registered-models/get", ["name": "translator"])
        #expect((model["registered_model"] as? [String: Any])?["name"] as? String == "translator")
        let versions = try await server.get("/api/2.0/mlflow/model-versions/search", ["filter": "name='translator'"])
        let vs = versions["model_versions"] as? [[String: Any]] ?? []
        #expect(vs.count == 1)
        #expect(vs.first?["run_id"] as? String == remoteRunId)
        #expect(vs.first?["description"] as? String == "first")
        #expect(tagValue(vs.first?["tags"], "ciport.version") == "1.0.0")
        #expect(tagValue(vs.first?["tags"], "ciport.eval.fact_f1") == "0.8125")
        let alias = try await server.get("/api/2.0/mlflow/registered-models/alias", ["name": "translator", "alias": "candidate"])
        #expect((alias["model_version"] as? [String: Any])?["version"] as? String == "1")
        #expect(try t.registry.remoteId(kind: .run, localId: "run-one", remote: server.url) == remoteRunId)
        #expect(try t.registry.remoteId(kind: .modelVersion, localId: "translator@1.0.0", remote: server.url) == "1")

        // Again, from the same registry: nothing new.
        let again = try await pusher.push(model: "translator", version: "1.0.0")
        #expect(!again.created)
        #expect(again.remoteId == "1")
        // Again, from a registry that never recorded the push: found by tags, nothing new.
        let copy = try Registry.open(at: copyPath)
        let fromCopy = try await Pusher(registry: copy, target: target, environment: env).push(model: "translator", version: "1.0.0")
        #expect(!fromCopy.created)
        #expect(fromCopy.remoteId == "1")
        #expect(try copy.remoteId(kind: .run, localId: "run-one", remote: server.url) == remoteRunId)

        #expect(try await server.runs(experiment: "train").count == 1)
        #expect(try await server.metricHistory(run: remoteRunId, key: "loss").count == 3)
        let after = try await server.get("/api/2.0/mlflow/model-versions/search", ["filter": "name='translator'"])
        #expect((after["model_versions"] as? [[String: Any]])?.count == 1)

        // A second version of the model becomes remote version 2.
        _ = try t.finishedRun("run-two", lr: "0.0001", finalLoss: 0.5)
        _ = try t.registry.register(run: "run-two", as: "translator")
        let second = try await pusher.push(model: "translator", version: nil)
        #expect(second.created && second.remoteId == "2")
        #expect(try await server.runs(experiment: "train").count == 2)

        // The token went to the server as a header only: not into the registry file.
        let db = try Data(contentsOf: URL(fileURLWithPath: t.registry.path))
        #expect(db.range(of: Data(Self.secret.utf8)) == nil)
    }

    @Test func serverKilledMidPushGivesAClearErrorAndTheNextPushCompletes() async throws {
        let dir = try Repo.tempDir()
        var server = try await MLflowServer(dir: dir)
        defer { server.kill(); try? FileManager.default.removeItem(at: dir) }

        let t = try TempRegistry()
        let id = try t.registry.startRun(id: "big-run", experiment: "train", started: Date(timeIntervalSince1970: 1_800_000_000))
        try t.registry.logParam(run: id, key: "epochs", value: "3")
        // 2,500 points: three log-batch requests, so the push has a middle to be cut in.
        try t.registry.logMetrics(run: id, (1...2500).map {
            MetricPoint(key: "loss", value: 1 / Double($0), step: $0, timestamp: Date(timeIntervalSince1970: 1_800_000_000 + Double($0)))
        })
        let f = t.dir.appendingPathComponent("w.bin")
        try Data(repeating: 7, count: 100_000).write(to: f)
        try t.registry.logArtifact(run: id, path: f.path, name: "adapter/w.bin")
        try t.registry.finishRun(id)

        let env = ["MLFLOW_TRACKING_TOKEN": Self.secret]
        let target = try RemoteTarget(url: server.url, environment: env)
        let killed = Flag()
        let victim = server
        // Kill the server as the first metrics batch is about to go: the run exists remotely, half-filled.
        let observer: @Sendable (String) -> Void = { request in
            if request.hasSuffix("runs/log-batch"), killed.setOnce() { victim.kill() }
        }
        let pusher = Pusher(registry: t.registry, target: target, retry: RetryPolicy(attempts: 2, baseDelay: 0.05, timeout: 10),
                            environment: env, observer: observer)
        do {
            _ = try await pusher.push(run: id)
            Issue.record("the push succeeded against a dead server")
        } catch let e as RegistryError {
            #expect(e.isUnreachable)
            #expect(e.message.contains("cannot reach \(server.url)"))
            #expect(e.message.contains("runs/log-batch"))
            #expect(!e.message.contains(Self.secret))
        }
        // Nothing recorded as pushed; the run itself intact.
        #expect(try t.registry.remoteId(kind: .run, localId: id, remote: server.url) == nil)
        #expect(try t.registry.remotes(kind: .run, localId: id).isEmpty)
        #expect(try t.registry.run(id).metrics.count == 2500)

        // Same server back on the same port and store: the next push completes the cut one.
        server = try await MLflowServer(dir: dir, port: server.port)
        let done = try await Pusher(registry: t.registry, target: target, environment: env).push(run: id)
        #expect(!done.created)  // the run made before the kill was found by its ciport.run_id tag
        let runs = try await server.runs(experiment: "train")
        #expect(runs.count == 1)
        let remoteId = try #require((runs.first?["info"] as? [String: Any])?["run_id"] as? String)
        #expect(done.remoteId == remoteId)
        #expect(try await server.metricHistory(run: remoteId, key: "loss").count == 2500)
        #expect((runs.first?["info"] as? [String: Any])?["status"] as? String == "FINISHED")
        #expect(try t.registry.remoteId(kind: .run, localId: id, remote: server.url) == remoteId)
    }
}

/// A flag that is set once, from any thread.
final class Flag: @unchecked Sendable {
    // @unchecked: the value is only touched under the lock.
    private let lock = NSLock()
    private var set = false
    func setOnce() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if set { return false }
        set = true
        return true
    }
}
