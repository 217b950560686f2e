import CIPortCore
import Foundation
import GRDB

/// State of a run, in the registry's words (MLflow's RUNNING / FINISHED / FAILED / KILLED).
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running, finished, failed, killed
}

/// One value of a metric at a step.
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var value: Double
    public var step: Int
    public var timestamp: Date

    public init(key: String, value: Double, step: Int = 0, timestamp: Date = Date()) {
        self.key = key; self.value = value; self.step = step; self.timestamp = timestamp
    }
}

/// A file recorded with a run: its path inside the run's artifacts, where it lies on disk, its size and SHA-256.
public struct Artifact: Sendable, Equatable {
    public var path: String
    public var localPath: String
    public var size: Int64
    public var sha256: String
}

/// Everything recorded about one run.
public struct RunRecord: Sendable {
    public var id: String
    public var experiment: String
    public var name: String
    public var status: RunStatus
    public var startTime: Date
    public var endTime: Date?
    public var source: String?
    public var params: [String: String]
    public var tags: [String: String]
    /// Every metric point, ordered by key then step.
    public var metrics: [MetricPoint]
    public var artifacts: [Artifact]

    /// The value at the highest step of each metric.
    public var latestMetrics: [String: Double] {
        var out: [String: Double] = [:]
        for m in metrics { out[m.key] = m.value }  // ordered by step within a key: the last one wins
        return out
    }
}

/// A registered model version: a semantic version of a model, the run that produced it, its
/// aliases and its evaluation scores.
public struct ModelVersion: Sendable, Equatable {
    public var model: String
    public var version: SemVer
    public var runId: String
    public var description: String?
    public var created: Date
    public var aliases: [String]
    public var evalScores: [String: Double]

    /// `MODEL@VERSION`.
    public var ref: String { "\(model)@\(version)" }
}

/// A registered model with its versions' summary.
public struct ModelSummary: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var versionCount: Int
    public var latest: SemVer?
    public var aliases: [String: SemVer]
}

/// The embedded registry: one SQLite file (default `.ciport/registry.sqlite`) holding experiments,
/// runs, metrics, artifacts, registered models and versions. Safe to share between tasks: GRDB's
/// queue serializes access, and every multi-row change is one transaction.
public struct Registry: Sendable {
    /// File name inside the state directory.
    public static let fileName = "registry.sqlite"

    let db: DatabaseQueue
    /// Path of the SQLite file.
    public let path: String

    /// The state directory: `explicit`, else `CIPORT_STATE_DIR`, else `.ciport`.
    public static func stateDirectory(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["CIPORT_STATE_DIR"], !env.isEmpty { return env }
        return ".ciport"
    }

    /// Opens (creating if needed) the registry in a state directory, migrating it to the current schema.
    public static func open(stateDirectory dir: String) throws -> Registry {
        try open(at: (dir as NSString).appendingPathComponent(fileName))
    }

    /// Opens (creating if needed) the registry file at `path`, migrating it to the current schema.
    public static func open(at path: String) throws -> Registry {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Two ciport processes (train in one shell, registry list in another) may meet: wait, don't fail.
        config.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(queue)
        } catch let e as DatabaseError {
            throw RegistryError.io("\(path): cannot open the registry (\(e.resultCode)): \(e.message ?? "")")
        }
        return Registry(db: queue, path: path)
    }

    /// Identifiers of the applied migrations, oldest first.
    public func appliedMigrations() throws -> [String] {
        try db.read { db in try Schema.migrator.appliedIdentifiers(db) }.sorted()
    }

    // MARK: Runs

    /// Starts a run, or reopens it when `id` already exists (a resumed training run records into
    /// the same run). Returns the run id: `id`, or a new 32-hex-digit one.
    @discardableResult
    public func startRun(id: String? = nil, experiment: String = "default", name: String? = nil,
                         source: String? = nil, started: Date = Date()) throws -> String {
        let runId = id ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO experiment (name, created) VALUES (?, ?)",
                           arguments: [experiment, Date().timeIntervalSince1970])
            let expId = try Int64.fetchOne(db, sql: "SELECT id FROM experiment WHERE name = ?", arguments: [experiment])!
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [runId]) == true {
                try db.execute(sql: "UPDATE run SET status = 'running', endTime = NULL WHERE id = ?", arguments: [runId])
            } else {
                try db.execute(sql: """
                    INSERT INTO run (id, experimentId, name, status, startTime, source) VALUES (?, ?, ?, 'running', ?, ?)
                    """, arguments: [runId, expId, name ?? runId, started.timeIntervalSince1970, source])
            }
        }
        return runId
    }

    public func logParam(run: String, key: String, value: String) throws {
        try logParams(run: run, [key: value])
    }

    /// Records parameters; a parameter logged again takes the new value.
    public func logParams(run: String, _ params: [String: String]) throws {
        try db.write { db in
            try requireRun(db, run)
            for (k, v) in params.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO param (runId, key, value) VALUES (?, ?, ?)", arguments: [run, k, v])
            }
        }
    }

    public func logMetric(run: String, key: String, value: Double, step: Int = 0, timestamp: Date = Date()) throws {
        try logMetrics(run: run, [MetricPoint(key: key, value: value, step: step, timestamp: timestamp)])
    }

    /// Records metric points; one (key, step) holds one value, so re-recording a replayed event log is harmless.
    public func logMetrics(run: String, _ points: [MetricPoint]) throws {
        try db.write { db in
            try requireRun(db, run)
            for p in points where p.value.isFinite {
                try db.execute(sql: "INSERT OR REPLACE INTO metric (runId, key, step, value, timestamp) VALUES (?, ?, ?, ?, ?)",
                               arguments: [run, p.key, p.step, p.value, p.timestamp.timeIntervalSince1970])
            }
        }
    }

    public func setTag(run: String, key: String, value: String) throws {
        try db.write { db in
            try requireRun(db, run)
            try db.execute(sql: "INSERT OR REPLACE INTO tag (runId, key, value) VALUES (?, ?, ?)", arguments: [run, key, value])
        }
    }

    /// Records a file, or every file under a directory, as artifacts of `run`, with size and SHA-256.
    /// `name` is the artifact path (default: the file or directory's last component).
    @discardableResult
    public func logArtifact(run: String, path: String, name: String? = nil) throws -> [Artifact] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw RegistryError.notFound("\(path): no such file or directory")
        }
        let base = name ?? (path as NSString).lastPathComponent
        var files: [(String, String)] = []
        if isDir.boolValue {
            let root = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            guard let e = FileManager.default.enumerator(atPath: root) else { throw RegistryError.io("\(path): cannot list the directory") }
            for case let rel as String in e {
                let full = (root as NSString).appendingPathComponent(rel)
                var d: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue {
                    files.append((base + "/" + rel, full))
                }
            }
            files.sort { $0.0 < $1.0 }
        } else {
            files = [(base, URL(fileURLWithPath: path).standardizedFileURL.path)]
        }
        // Hash outside the write transaction: multi-GB weights must not hold the database lock.
        let artifacts = try files.map { (p, full) in
            let (digest, size) = try SHA256.file(full)
            return Artifact(path: p, localPath: full, size: size, sha256: digest)
        }
        try db.write { db in
            try requireRun(db, run)
            for a in artifacts {
                try db.execute(sql: "INSERT OR REPLACE INTO artifact (runId, path, localPath, size, sha256) VALUES (?, ?, ?, ?, ?)",
                               arguments: [run, a.path, a.localPath, a.size, a.sha256])
            }
        }
        return artifacts
    }

    /// Ends a run with a final status.
    public func finishRun(_ run: String, status: RunStatus = .finished, ended: Date = Date()) throws {
        try db.write { db in
            try requireRun(db, run)
            try db.execute(sql: "UPDATE run SET status = ?, endTime = ? WHERE id = ?",
                           arguments: [status.rawValue, status == .running ? nil : ended.timeIntervalSince1970, run])
        }
    }

    /// Everything about one run; a unique id prefix is accepted.
    public func run(_ idOrPrefix: String) throws -> RunRecord {
        try db.read { db in
            let id = try resolveRunId(db, idOrPrefix)
            let row = try Row.fetchOne(db, sql: """
                SELECT run.*, experiment.name AS experimentName FROM run JOIN experiment ON experiment.id = run.experimentId
                WHERE run.id = ?
                """, arguments: [id])!
            var params: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT key, value FROM param WHERE runId = ?", arguments: [id]) { params[r["key"]] = r["value"] }
            var tags: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT key, value FROM tag WHERE runId = ?", arguments: [id]) { tags[r["key"]] = r["value"] }
            let metrics = try Row.fetchAll(db, sql: "SELECT * FROM metric WHERE runId = ? ORDER BY key, step", arguments: [id]).map {
                MetricPoint(key: $0["key"], value: $0["value"], step: $0["step"], timestamp: Date(timeIntervalSince1970: $0["timestamp"]))
            }
            let artifacts = try Row.fetchAll(db, sql: "SELECT * FROM artifact WHERE runId = ? ORDER BY path", arguments: [id]).map {
                Artifact(path: $0["path"], localPath: $0["localPath"], size: $0["size"], sha256: $0["sha256"])
            }
            return RunRecord(id: id, experiment: row["experimentName"], name: row["name"],
                             status: RunStatus(rawValue: row["status"]) ?? .failed,
                             startTime: Date(timeIntervalSince1970: row["startTime"]),
                             endTime: (row["endTime"] as Double?).map(Date.init(timeIntervalSince1970:)),
                             source: row["source"], params: params, tags: tags, metrics: metrics, artifacts: artifacts)
        }
    }

    /// Run summaries, newest first.
    public func runs(experiment: String? = nil) throws -> [(id: String, experiment: String, name: String, status: RunStatus, started: Date)] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT run.id, run.name, run.status, run.startTime, experiment.name AS experimentName
                FROM run JOIN experiment ON experiment.id = run.experimentId
                WHERE ? IS NULL OR experiment.name = ?
                ORDER BY run.startTime DESC, run.id
                """, arguments: [experiment, experiment]).map {
                (id: $0["id"], experiment: $0["experimentName"], name: $0["name"],
                 status: RunStatus(rawValue: $0["status"]) ?? .failed, started: Date(timeIntervalSince1970: $0["startTime"]))
            }
        }
    }

    // MARK: Models

    /// Registers `run` as the next version of `model` (created on first use): the latest version
    /// bumped by `bump` (the first version is 1.0.0), or exactly `version`, which must be above
    /// the latest. The run must have finished. `aliases` (e.g. `candidate`) move to the new version.
    @discardableResult
    public func register(run: String, as model: String, bump: SemVer.Bump = .minor, version: SemVer? = nil,
                         aliases: [String] = [], description: String? = nil) throws -> ModelVersion {
        try Self.checkName(model, what: "model name")
        for a in aliases { try Self.checkAlias(a) }
        let v: SemVer = try db.write { db in
            let runId = try resolveRunId(db, run)
            let status = try String.fetchOne(db, sql: "SELECT status FROM run WHERE id = ?", arguments: [runId])
            guard status == RunStatus.finished.rawValue else {
                throw RegistryError.invalid("run \(runId) is \(status ?? "unknown"), not finished: only finished runs can be registered")
            }
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "INSERT OR IGNORE INTO model (name, description, created) VALUES (?, NULL, ?)", arguments: [model, now])
            let latest = try latestVersion(db, model)
            let next: SemVer
            if let version {
                if let latest, version <= latest {
                    throw RegistryError.conflict("\(model)@\(version) is not above the latest version \(latest)")
                }
                next = version
            } else {
                next = latest?.bumped(bump) ?? SemVer(1, 0, 0)
            }
            try db.execute(sql: """
                INSERT INTO modelVersion (model, version, major, minor, patch, runId, description, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [model, next.description, next.major, next.minor, next.patch, runId, description, now])
            for a in aliases {
                try db.execute(sql: "INSERT OR REPLACE INTO alias (model, alias, version, updated) VALUES (?, ?, ?, ?)",
                               arguments: [model, a, next.description, now])
            }
            return next
        }
        return try self.version(model: model, ref: v.description)
    }

    /// Points `alias` (e.g. `production`) of `model` at `version`, moving it from wherever it was.
    @discardableResult
    public func setAlias(model: String, alias: String, version: String) throws -> ModelVersion {
        try Self.checkAlias(alias)
        let mv = try self.version(model: model, ref: version)
        try db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO alias (model, alias, version, updated) VALUES (?, ?, ?, ?)",
                           arguments: [model, alias, mv.version.description, Date().timeIntervalSince1970])
        }
        return try self.version(model: model, ref: mv.version.description)
    }

    /// Removes an alias; true when it existed.
    @discardableResult
    public func removeAlias(model: String, alias: String) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "DELETE FROM alias WHERE model = ? AND alias = ?", arguments: [model, alias])
            return db.changesCount > 0
        }
    }

    /// Records evaluation scores of a model version (what `ciport eval` measured); a key scored again takes the new value.
    public func logEvalScores(model: String, version: String, _ scores: [String: Double]) throws {
        let mv = try self.version(model: model, ref: version)
        try db.write { db in
            for (k, v) in scores.sorted(by: { $0.key < $1.key }) where v.isFinite {
                try db.execute(sql: "INSERT OR REPLACE INTO evalScore (model, version, key, value) VALUES (?, ?, ?, ?)",
                               arguments: [model, mv.version.description, k, v])
            }
        }
    }

    /// One version of `model`: `ref` is a version (`1.2.0`), an alias (`production`), or nil / `latest`.
    public func version(model: String, ref: String? = nil) throws -> ModelVersion {
        try db.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE name = ?", arguments: [model]) == true else {
                throw RegistryError.notFound("no registered model named '\(model)'")
            }
            let v: String
            if ref == nil || ref == "latest" {
                guard let l = try latestVersion(db, model) else { throw RegistryError.notFound("model '\(model)' has no versions") }
                v = l.description
            } else if let sv = SemVer(ref!) {
                v = sv.description
            } else if let target = try String.fetchOne(db, sql: "SELECT version FROM alias WHERE model = ? AND alias = ?", arguments: [model, ref!]) {
                v = target
            } else {
                throw RegistryError.notFound("'\(ref!)' is neither a version nor an alias of '\(model)'")
            }
            guard let mv = try loadVersion(db, model, v) else { throw RegistryError.notFound("\(model)@\(v) does not exist") }
            return mv
        }
    }

    /// Resolves `MODEL@REF` (or `MODEL`, meaning the latest version).
    public func version(ref: String) throws -> ModelVersion {
        let parts = ref.split(separator: "@", maxSplits: 1).map(String.init)
        return try version(model: parts[0], ref: parts.count > 1 ? parts[1] : nil)
    }

    /// Every version of a model, oldest first.
    public func versions(model: String) throws -> [ModelVersion] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT version FROM modelVersion WHERE model = ? ORDER BY major, minor, patch", arguments: [model])
                .compactMap { try loadVersion(db, model, $0) }
        }
    }

    /// Every registered model, by name.
    public func models() throws -> [ModelSummary] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model ORDER BY name").map { r in
                let name: String = r["name"]
                var aliases: [String: SemVer] = [:]
                for a in try Row.fetchAll(db, sql: "SELECT alias, version FROM alias WHERE model = ?", arguments: [name]) {
                    aliases[a["alias"]] = SemVer(a["version"] as String)
                }
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM modelVersion WHERE model = ?", arguments: [name]) ?? 0
                return ModelSummary(name: name, description: r["description"], versionCount: count,
                                    latest: try latestVersion(db, name), aliases: aliases)
            }
        }
    }

    // MARK: Remote references

    /// The remote id of a run or model version pushed completely to `remote`, if it was.
    public func remoteId(kind: RemoteKind, localId: String, remote: String) throws -> String? {
        try db.read { db in
            try String.fetchOne(db, sql: "SELECT remoteId FROM remoteRef WHERE kind = ? AND localId = ? AND remote = ?",
                                arguments: [kind.rawValue, localId, remote])
        }
    }

    func recordRemote(kind: RemoteKind, localId: String, remote: String, remoteId: String) throws {
        try db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO remoteRef (kind, localId, remote, remoteId, pushed) VALUES (?, ?, ?, ?, ?)",
                           arguments: [kind.rawValue, localId, remote, remoteId, Date().timeIntervalSince1970])
        }
    }

    /// Every remote this object was pushed to, with its id there.
    public func remotes(kind: RemoteKind, localId: String) throws -> [(remote: String, remoteId: String)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT remote, remoteId FROM remoteRef WHERE kind = ? AND localId = ? ORDER BY remote",
                             arguments: [kind.rawValue, localId]).map { (remote: $0["remote"], remoteId: $0["remoteId"]) }
        }
    }

    public enum RemoteKind: String, Sendable { case run, modelVersion }

    // MARK: Helpers

    private func requireRun(_ db: Database, _ id: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [id]) == true else {
            throw RegistryError.notFound("no run '\(id)' in the registry")
        }
    }

    private func resolveRunId(_ db: Database, _ idOrPrefix: String) throws -> String {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [idOrPrefix]) == true { return idOrPrefix }
        // A run directory path names its run by its last component.
        let last = (idOrPrefix as NSString).lastPathComponent
        if last != idOrPrefix, try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [last]) == true { return last }
        let escaped = idOrPrefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let matches = try String.fetchAll(db, sql: "SELECT id FROM run WHERE id LIKE ? ESCAPE '\\' LIMIT 2", arguments: [escaped + "%"])
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { throw RegistryError.notFound("no run '\(idOrPrefix)' in the registry") }
        throw RegistryError.invalid("'\(idOrPrefix)' names more than one run; give more of the id")
    }

    private func latestVersion(_ db: Database, _ model: String) throws -> SemVer? {
        try String.fetchOne(db, sql: "SELECT version FROM modelVersion WHERE model = ? ORDER BY major DESC, minor DESC, patch DESC LIMIT 1",
                            arguments: [model]).flatMap(SemVer.init)
    }

    private func loadVersion(_ db: Database, _ model: String, _ version: String) throws -> ModelVersion? {
        guard let r = try Row.fetchOne(db, sql: "SELECT * FROM modelVersion WHERE model = ? AND version = ?", arguments: [model, version]),
              let sv = SemVer(r["version"] as String) else { return nil }
        let aliases = try String.fetchAll(db, sql: "SELECT alias FROM alias WHERE model = ? AND version = ? ORDER BY alias", arguments: [model, version])
        var scores: [String: Double] = [:]
        for s in try Row.fetchAll(db, sql: "SELECT key, value FROM evalScore WHERE model = ? AND version = ?", arguments: [model, version]) {
            scores[s["key"]] = s["value"]
        }
        return ModelVersion(model: model, version: sv, runId: r["runId"], description: r["description"],
                            created: Date(timeIntervalSince1970: r["created"]), aliases: aliases, evalScores: scores)
    }

    static func checkName(_ s: String, what: String) throws {
        let ok = !s.isEmpty && s.count <= 200 && s.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./".unicodeScalars.contains($0)
        } && !s.hasPrefix(".") && !s.contains("..")
        if !ok { throw RegistryError.invalid("'\(s)' is not a valid \(what): use letters, digits, '-', '_', '.' and '/'") }
    }

    static func checkAlias(_ s: String) throws {
        try checkName(s, what: "alias")
        // An alias that reads as a version would make MODEL@REF ambiguous.
        if SemVer(s) != nil || s == "latest" { throw RegistryError.invalid("'\(s)' cannot be an alias: it reads as a version") }
    }
}
