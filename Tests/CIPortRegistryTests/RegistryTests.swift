import CIPortCore
import Foundation
import GRDB
import Testing
@testable import CIPortRegistry

struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func fipsVectors(input: String, digest: String) {
        #expect(SHA256.hex(of: Array(input.utf8)) == digest)
    }

    @Test func millionAsInUnevenChunks() {
        var s = SHA256()
        var left = 1_000_000
        var n = 1
        while left > 0 {  // chunk sizes 1, 2, 3 … cross every block boundary alignment
            let k = min(n, left)
            s.update([UInt8](repeating: 0x61, count: k))
            left -= k
            n = n % 200 + 1
        }
        #expect(SHA256.hex(s.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let dir = try Repo.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("weights.bin")
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 17)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
        try Data(bytes).write(to: f)
        let (digest, size) = try SHA256.file(f.path)
        #expect(size == Int64(bytes.count))
        let ref = try runProcess("/usr/bin/sha256sum", [f.path])
        #expect(ref.stdout.hasPrefix(digest + " "))
    }
}

struct SemVerTests {
    @Test func parsesAndRefuses() {
        #expect(SemVer("1.2.3") == SemVer(1, 2, 3))
        #expect(SemVer("v0.10.0") == SemVer(0, 10, 0))
        for bad in ["1.2", "1.2.3.4", "01.2.3", "1.-2.3", "a.b.c", "", "1..2", "production", "1.2.3-rc1"] {
            #expect(SemVer(bad) == nil, "\(bad)")
        }
    }

    @Test func bumpsAndOrders() {
        let v = SemVer(1, 4, 2)
        #expect(v.bumped(.patch) == SemVer(1, 4, 3))
        #expect(v.bumped(.minor) == SemVer(1, 5, 0))
        #expect(v.bumped(.major) == SemVer(2, 0, 0))
        #expect(SemVer(1, 10, 0) > SemVer(1, 9, 9))
        #expect(SemVer(2, 0, 0) > SemVer(1, 99, 99))
    }
}

/// A registry in a fresh temporary state directory.
struct TempRegistry {
    let dir: URL
    let registry: Registry
    init() throws {
        dir = try Repo.tempDir()
        registry = try Registry.open(stateDirectory: dir.path)
    }

    /// A finished run with params, three loss points and an artifact.
    func finishedRun(_ id: String, lr: String = "0.0002", finalLoss: Double = 1.0, experiment: String = "train") throws -> String {
        let r = try registry.startRun(id: id, experiment: experiment, started: Date(timeIntervalSince1970: 1_800_000_000))
        try registry.logParams(run: r, ["learning_rate": lr, "base_model": "tiny", "lora.r": "8"])
        try registry.logMetrics(run: r, [3.0, 2.0, finalLoss].enumerated().map {
            MetricPoint(key: "loss", value: $0.element, step: $0.offset + 1, timestamp: Date(timeIntervalSince1970: 1_800_000_000 + Double($0.offset)))
        })
        let f = dir.appendingPathComponent("\(id)-adapter.bin")
        try Data("weights of \(id)".utf8).write(to: f)
        try registry.logArtifact(run: r, path: f.path, name: "adapter/model.bin")
        try registry.finishRun(r, ended: Date(timeIntervalSince1970: 1_800_000_100))
        return r
    }
}

struct MigrationTests {
    @Test func freshDatabaseHasEveryMigration() throws {
        let t = try TempRegistry()
        #expect(try t.registry.appliedMigrations() == ["v1-tracking", "v2-models"])
        #expect(FileManager.default.fileExists(atPath: t.dir.appendingPathComponent("registry.sqlite").path))
    }

    @Test func upgradesAVersion1DatabaseKeepingItsRuns() throws {
        let dir = try Repo.tempDir()
        let path = dir.appendingPathComponent("registry.sqlite").path
        // A database as the first release left it: only v1, with a run in it.
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(old, upTo: "v1-tracking")
        try old.write { db in
            try db.execute(sql: "INSERT INTO experiment (name, created) VALUES ('train', 0)")
            try db.execute(sql: "INSERT INTO run (id, experimentId, name, status, startTime) VALUES ('old-run', 1, 'old-run', 'finished', 0)")
            try db.execute(sql: "INSERT INTO metric (runId, key, step, value, timestamp) VALUES ('old-run', 'loss', 1, 0.5, 0)")
        }
        try old.close()

        let r = try Registry.open(at: path)
        #expect(try r.appliedMigrations() == ["v1-tracking", "v2-models"])
        #expect(try r.run("old-run").latestMetrics["loss"] == 0.5)
        let mv = try r.register(run: "old-run", as: "legacy")
        #expect(mv.version == SemVer(1, 0, 0))
        // Opening again applies nothing twice.
        #expect(try Registry.open(at: path).appliedMigrations().count == 2)
    }
}

struct RunTrackingTests {
    @Test func recordsParamsMetricsArtifactsAndStatus() throws {
        let t = try TempRegistry()
        let id = try t.finishedRun("run-a")
        let run = try t.registry.run("run-a")
        #expect(run.id == id && run.status == .finished && run.experiment == "train")
        #expect(run.params["lora.r"] == "8")
        #expect(run.metrics.map(\.step) == [1, 2, 3])
        #expect(run.latestMetrics["loss"] == 1.0)
        let a = try #require(run.artifacts.first)
        #expect(a.path == "adapter/model.bin")
        #expect(a.sha256 == SHA256.hex(of: Array("weights of run-a".utf8)))
        #expect(a.size == Int64("weights of run-a".utf8.count))
        // Prefix and run-directory path both resolve.
        #expect(try t.registry.run("run-").id == "run-a")
        #expect(try t.registry.run("/somewhere/runs/run-a").id == "run-a")
    }

    @Test func rerecordingAStepReplacesItAndUnknownRunsAreErrors() throws {
        let t = try TempRegistry()
        _ = try t.finishedRun("r1")
        try t.registry.logMetric(run: "r1", key: "loss", value: 0.9, step: 3)
        #expect(try t.registry.run("r1").metrics.count == 3)
        #expect(try t.registry.run("r1").latestMetrics["loss"] == 0.9)
        #expect(throws: RegistryError.self) { try t.registry.logMetric(run: "nope", key: "x", value: 1) }
        #expect((try? t.registry.run("nope")) == nil)
    }

    @Test func directoryArtifactsAreHashedFileByFile() throws {
        let t = try TempRegistry()
        let id = try t.registry.startRun(id: "d")
        let adapter = t.dir.appendingPathComponent("adapter")
        try FileManager.default.createDirectory(at: adapter.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: adapter.appendingPathComponent("adapter_config.json"))
        try Data("abc".utf8).write(to: adapter.appendingPathComponent("sub/x.bin"))
        let arts = try t.registry.logArtifact(run: id, path: adapter.path)
        #expect(arts.map(\.path) == ["adapter/adapter_config.json", "adapter/sub/x.bin"])
        #expect(arts[1].sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

struct ModelRegistryTests {
    @Test func semverBumpsFromFirstVersion() throws {
        let t = try TempRegistry()
        for i in 1...5 { _ = try t.finishedRun("r\(i)") }
        #expect(try t.registry.register(run: "r1", as: "m").version == SemVer(1, 0, 0))
        #expect(try t.registry.register(run: "r2", as: "m").version == SemVer(1, 1, 0))
        #expect(try t.registry.register(run: "r3", as: "m", bump: .patch).version == SemVer(1, 1, 1))
        #expect(try t.registry.register(run: "r4", as: "m", bump: .major).version == SemVer(2, 0, 0))
        #expect(throws: RegistryError.self) { try t.registry.register(run: "r5", as: "m", version: SemVer(1, 9, 0)) }
        #expect(try t.registry.register(run: "r5", as: "m", version: SemVer(2, 0, 10)).version == SemVer(2, 0, 10))
        #expect(try t.registry.version(model: "m").version == SemVer(2, 0, 10))
        #expect(try t.registry.versions(model: "m").map(\.version.description) == ["1.0.0", "1.1.0", "1.1.1", "2.0.0", "2.0.10"])
    }

    @Test func onlyFinishedRunsRegister() throws {
        let t = try TempRegistry()
        let id = try t.registry.startRun(id: "live")
        #expect(throws: RegistryError.self) { try t.registry.register(run: id, as: "m") }
        try t.registry.finishRun(id, status: .failed)
        #expect(throws: RegistryError.self) { try t.registry.register(run: id, as: "m") }
    }

    @Test func aliasesMoveOnPromote() throws {
        let t = try TempRegistry()
        _ = try t.finishedRun("a")
        _ = try t.finishedRun("b")
        _ = try t.registry.register(run: "a", as: "m", aliases: ["candidate"])
        try t.registry.setAlias(model: "m", alias: "production", version: "1.0.0")
        _ = try t.registry.register(run: "b", as: "m", aliases: ["candidate"])
        #expect(try t.registry.version(model: "m", ref: "candidate").version == SemVer(1, 1, 0))
        #expect(try t.registry.version(model: "m", ref: "production").version == SemVer(1, 0, 0))
        #expect(try t.registry.version(model: "m", ref: "1.0.0").aliases == ["production"])

        try t.registry.setAlias(model: "m", alias: "production", version: "candidate")
        #expect(try t.registry.version(ref: "m@production").version == SemVer(1, 1, 0))
        #expect(try t.registry.version(ref: "m@1.1.0").aliases == ["candidate", "production"])
        #expect(try t.registry.version(ref: "m@1.0.0").aliases.isEmpty)
        #expect(try t.registry.models().first?.aliases == ["candidate": SemVer(1, 1, 0), "production": SemVer(1, 1, 0)])

        #expect(throws: RegistryError.self) { try t.registry.setAlias(model: "m", alias: "1.2.3", version: "1.0.0") }
        #expect(throws: RegistryError.self) { try t.registry.setAlias(model: "m", alias: "x", version: "9.9.9") }
        #expect(throws: RegistryError.self) { try t.registry.version(ref: "m@staging") }
        #expect(try t.registry.removeAlias(model: "m", alias: "candidate"))
        #expect(try t.registry.version(ref: "m@1.1.0").aliases == ["production"])
    }

    @Test func diffShowsChangedParamsMetricsAndEvalScores() throws {
        let t = try TempRegistry()
        _ = try t.finishedRun("a", lr: "0.0002", finalLoss: 1.5)
        _ = try t.finishedRun("b", lr: "0.0001", finalLoss: 1.0)
        let v1 = try t.registry.register(run: "a", as: "m")
        let v2 = try t.registry.register(run: "b", as: "m")
        try t.registry.logEvalScores(model: "m", version: "1.0.0", ["fact_f1": 0.5, "parses": 1])
        try t.registry.logEvalScores(model: "m", version: "1.1.0", ["fact_f1": 0.75, "parses": 1])
        let d = try t.registry.diff(try t.registry.version(ref: v1.ref), try t.registry.version(ref: v2.ref))
        #expect(d.a == "m@1.0.0" && d.b == "m@1.1.0")
        #expect(d.rows.map { "\($0.section.rawValue):\($0.key)" } == ["param:learning_rate", "metric:loss", "eval:fact_f1"])
        #expect(d.rows[0].a == "0.0002" && d.rows[0].b == "0.0001")
        #expect(d.rows[1].delta == -0.5)
        #expect(d.rows[2].delta == 0.25)
        #expect(d.unchanged == 3)  // base_model, lora.r, parses
    }

    @Test func badNamesAreRefused() throws {
        let t = try TempRegistry()
        _ = try t.finishedRun("a")
        for bad in ["", "../x", "a b", "x@y", ".hidden"] {
            #expect(throws: RegistryError.self, "\(bad)") { try t.registry.register(run: "a", as: bad) }
        }
    }
}

struct RemoteTargetTests {
    @Test func tokenPrecedenceAndGitLabDetection() throws {
        let env = ["MLFLOW_TRACKING_TOKEN": "t1", "CI_JOB_TOKEN": "t2", "MINE": "t3"]
        #expect(try RemoteTarget(url: "http://h:5000/", environment: env).tokenSource == "MLFLOW_TRACKING_TOKEN")
        #expect(try RemoteTarget(url: "http://h:5000", environment: ["CI_JOB_TOKEN": "x"]).tokenSource == "CI_JOB_TOKEN")
        #expect(try RemoteTarget(url: "http://h:5000", tokenEnv: "MINE", environment: env).tokenSource == "MINE")
        #expect(try RemoteTarget(url: "http://h:5000", environment: [:]).tokenSource == nil)
        #expect(throws: RegistryError.self) { try RemoteTarget(url: "http://h", tokenEnv: "UNSET", environment: env) }

        let g = try RemoteTarget(url: "https://gitlab.example.com/api/v4/projects/42/ml/mlflow/", environment: [:])
        #expect(g.isGitLab)
        #expect(g.gitlabProjectAPI?.absoluteString == "https://gitlab.example.com/api/v4/projects/42")
        #expect(g.displayName == "https://gitlab.example.com/api/v4/projects/42/ml/mlflow")
        let file = Pusher.gitlabModelFileURL(projectAPI: g.gitlabProjectAPI!, modelVersionId: "7", path: "adapter/a b.bin")
        #expect(file.absoluteString == "https://gitlab.example.com/api/v4/projects/42/packages/ml_models/7/files/adapter/a%20b.bin")
        #expect(Pusher.gitlabModelVersionId(["source": "/api/v4/projects/42/packages/ml_models/7/files/"]) == "7")
        #expect(!(try RemoteTarget(url: "http://127.0.0.1:5000", environment: [:]).isGitLab))
    }

    @Test func credentialsInTheURLAreRefusedWithoutEchoingThem() {
        do {
            _ = try RemoteTarget(url: "https://user:s3cr3t-pass@mlflow.example.com", environment: [:])
            Issue.record("accepted a URL with credentials")
        } catch {
            #expect(!"\(error)".contains("s3cr3t-pass"))
        }
        #expect(!RemoteTarget.redact("https://u:s3cr3t@h/x?token=abc").contains("s3cr3t"))
        #expect(!RemoteTarget.redact("https://u:s3cr3t@h/x?token=abc").contains("abc"))
    }

    @Test func proxiedArtifactPaths() {
        #expect(Pusher.proxiedArtifactPath("mlflow-artifacts:/1/abc/artifacts") == "1/abc/artifacts")
        #expect(Pusher.proxiedArtifactPath("mlflow-artifacts://host:5000/1/abc/artifacts") == "1/abc/artifacts")
        #expect(Pusher.proxiedArtifactPath("s3://bucket/1/abc") == nil)
    }
}
