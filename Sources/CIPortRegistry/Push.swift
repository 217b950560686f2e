import Foundation

/// The outcome of one push.
public struct PushResult: Sendable, Equatable {
    /// The run id or model version on the server.
    public var remoteId: String
    /// False when everything was already there (a second push of the same thing).
    public var created: Bool
    /// Artifacts uploaded by this push.
    public var uploaded: Int
    /// Things the server could not take, said plainly (e.g. aliases on GitLab).
    public var notes: [String]
}

/// Pushes runs and model versions to an MLflow-compatible tracking server (MLflow REST API 2.0,
/// GitLab's model registry included).
///
/// Idempotent: every remote run carries the tag `ciport.run_id` and every model version
/// `ciport.version`; before creating anything the pusher looks for it (the local record of an
/// earlier push first, then a search), so pushing twice creates nothing twice, and a push that
/// stopped half-way is completed by the next one. The local registry records a push only once all
/// of it reached the server.
public struct Pusher: Sendable {
    public let registry: Registry
    public let target: RemoteTarget
    let client: MLflowClient
    let environment: [String: String]

    public init(registry: Registry, target: RemoteTarget, retry: RetryPolicy = RetryPolicy(),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                observer: (@Sendable (String) -> Void)? = nil) {
        self.registry = registry
        self.target = target
        self.environment = environment
        client = MLflowClient(target: target, retry: retry, observer: observer)
    }

    static let mlflow = "/api/2.0/mlflow"

    // MARK: Runs

    /// Pushes a run: experiment, run, params, tags, every metric point, artifacts, final status.
    public func push(run localId: String) async throws -> PushResult {
        try await wrapping { try await pushRun(localId) }
    }

    /// Pushes a model version (and first its run): registered model, version tagged with its
    /// semantic version and eval scores, and its aliases where the server supports them.
    public func push(model: String, version ref: String?) async throws -> PushResult {
        try await wrapping { try await pushVersion(model, ref) }
    }

    private func pushRun(_ localId: String) async throws -> (result: PushResult, info: [String: Any]) {
        let rec = try registry.run(localId)
        if let known = try registry.remoteId(kind: .run, localId: rec.id, remote: target.displayName),
           let info = try await getRun(known) {
            return (PushResult(remoteId: known, created: false, uploaded: 0, notes: []), info)
        }
        let expId = try await experimentId(rec.experiment)
        var created = false
        var info: [String: Any]
        if let found = try await searchRun(expId, rec.id) {
            info = found
        } else {
            info = try await createRun(expId, rec)
            created = true
        }
        guard let remoteId = info["run_id"] as? String ?? info["run_uuid"] as? String else {
            throw HTTPFailure(status: 200, errorCode: nil, message: "the run has no run_id", request: "POST \(Self.mlflow)/runs/create")
        }

        // Params and tags: re-logging the same value is accepted by MLflow, so a resumed push just repeats them.
        let params = rec.params.sorted(by: { $0.key < $1.key }).map { ["key": $0.key, "value": String($0.value.prefix(6000))] }
        for chunk in params.chunked(100) {
            _ = try await client.post("\(Self.mlflow)/runs/log-batch", ["run_id": remoteId, "params": chunk])
        }
        var tags = rec.tags.sorted(by: { $0.key < $1.key }).map { ["key": $0.key, "value": $0.value] }
        tags.append(["key": "ciport.run_id", "value": rec.id])
        for chunk in tags.chunked(100) {
            _ = try await client.post("\(Self.mlflow)/runs/log-batch", ["run_id": remoteId, "tags": chunk])
        }
        // Metrics: MLflow stores a (key, step, timestamp, value) point once, so identical points sent twice stay one.
        let metrics: [[String: Any]] = rec.metrics.map {
            ["key": $0.key, "value": $0.value, "step": $0.step, "timestamp": Int64(($0.timestamp.timeIntervalSince1970 * 1000).rounded())]
        }
        for chunk in metrics.chunked(1000) {
            _ = try await client.post("\(Self.mlflow)/runs/log-batch", ["run_id": remoteId, "metrics": chunk])
        }

        var uploaded = 0
        var notes: [String] = []
        if !rec.artifacts.isEmpty {
            let root = (info["artifact_uri"] as? String).flatMap(Self.proxiedArtifactPath)
            if let root {
                for a in rec.artifacts {
                    let dest = client.url("/api/2.0/mlflow-artifacts/artifacts/" + Self.encodePath(root + "/" + a.path))
                    try await client.put(file: a.localPath, to: dest, display: "PUT /api/2.0/mlflow-artifacts/artifacts/…/\(a.path)")
                    uploaded += 1
                }
            } else {
                notes.append("artifacts not uploaded: the server does not proxy artifacts for this run (artifact URI \(info["artifact_uri"] as? String ?? "none")); start it with --serve-artifacts")
            }
        }

        var update: [String: Any] = ["run_id": remoteId, "status": Self.mlflowStatus(rec.status)]
        if let end = rec.endTime { update["end_time"] = Int64(end.timeIntervalSince1970 * 1000) }
        _ = try await client.post("\(Self.mlflow)/runs/update", update)

        try registry.recordRemote(kind: .run, localId: rec.id, remote: target.displayName, remoteId: remoteId)
        return (PushResult(remoteId: remoteId, created: created, uploaded: uploaded, notes: notes), info)
    }

    private func getRun(_ remoteId: String) async throws -> [String: Any]? {
        do {
            let r = try await client.get("\(Self.mlflow)/runs/get", ["run_id": remoteId])
            // A run deleted on the server is pushed again, as new.
            guard let info = (r["run"] as? [String: Any])?["info"] as? [String: Any],
                  (info["lifecycle_stage"] as? String ?? "active") == "active" else { return nil }
            return info
        } catch let f as HTTPFailure where f.notFound {
            return nil
        }
    }

    private func experimentId(_ name: String) async throws -> String {
        do {
            let r = try await client.get("\(Self.mlflow)/experiments/get-by-name", ["experiment_name": name])
            if let id = (r["experiment"] as? [String: Any])?["experiment_id"] as? String { return id }
        } catch let f as HTTPFailure where f.notFound {}
        do {
            let r = try await client.post("\(Self.mlflow)/experiments/create", ["name": name], retrying: false)
            if let id = r["experiment_id"] as? String { return id }
        } catch let f as HTTPFailure where f.errorCode == "RESOURCE_ALREADY_EXISTS" || f.retryable {
            // Someone (or our own lost request) created it meanwhile: read it.
            let r = try await client.get("\(Self.mlflow)/experiments/get-by-name", ["experiment_name": name])
            if let id = (r["experiment"] as? [String: Any])?["experiment_id"] as? String { return id }
        }
        throw HTTPFailure(status: 200, errorCode: nil, message: "no experiment_id in the answer", request: "POST \(Self.mlflow)/experiments/create")
    }

    /// The active remote run tagged with this local id, if any.
    private func searchRun(_ expId: String, _ localId: String) async throws -> [String: Any]? {
        guard !localId.contains("'") else { return nil }
        do {
            let r = try await client.post("\(Self.mlflow)/runs/search", [
                "experiment_ids": [expId], "filter": "tags.`ciport.run_id` = '\(localId)'",
                "run_view_type": "ACTIVE_ONLY", "max_results": 10,
            ])
            let runs = (r["runs"] as? [[String: Any]]) ?? []
            // Oldest first: if a duplicate ever slipped in, keep using the original.
            let infos = runs.compactMap { $0["info"] as? [String: Any] }
                .sorted { ($0["start_time"] as? Int64 ?? 0) < ($1["start_time"] as? Int64 ?? 0) }
            return infos.first
        } catch let f as HTTPFailure where target.isGitLab && !f.retryable {
            // GitLab's search does not filter on tags everywhere; the local record is then the only guard.
            return nil
        }
    }

    /// Creates a remote run. Not retried blindly: after a lost answer the run may exist, so
    /// each retry searches first.
    private func createRun(_ expId: String, _ rec: RunRecord) async throws -> [String: Any] {
        var tags: [[String: String]] = [["key": "ciport.run_id", "value": rec.id], ["key": "mlflow.runName", "value": rec.name]]
        if let job = environment["CI_JOB_ID"], !job.isEmpty { tags.append(["key": "gitlab.CI_JOB_ID", "value": job]) }
        let body: [String: Any] = ["experiment_id": expId, "run_name": rec.name,
                                   "start_time": Int64(rec.startTime.timeIntervalSince1970 * 1000), "tags": tags]
        var lastFailure: HTTPFailure?
        for attempt in 1...client.retry.attempts {
            if attempt > 1 {
                try await Task.sleep(nanoseconds: UInt64(client.retry.delay(beforeAttempt: attempt) * 1e9))
                if let found = try await searchRun(expId, rec.id) { return found }
            }
            do {
                let r = try await client.post("\(Self.mlflow)/runs/create", body, retrying: false)
                if let info = (r["run"] as? [String: Any])?["info"] as? [String: Any] { return info }
                throw HTTPFailure(status: 200, errorCode: nil, message: "no run in the answer", request: "POST \(Self.mlflow)/runs/create")
            } catch let f as HTTPFailure where f.retryable {
                lastFailure = f
            }
        }
        throw lastFailure!
    }

    // MARK: Model versions

    private func pushVersion(_ model: String, _ ref: String?) async throws -> (result: PushResult, info: [String: Any]) {
        let mv = try registry.version(model: model, ref: ref)
        let (runResult, runInfo) = try await pushRun(mv.runId)
        let remoteRunId = runResult.remoteId
        let key = mv.ref
        var notes = runResult.notes

        try await ensureRegisteredModel(model)
        var created = false
        var remoteVersion: String
        var versionInfo: [String: Any]
        if let known = try registry.remoteId(kind: .modelVersion, localId: key, remote: target.displayName),
           let v = try await getVersion(model, known) {
            remoteVersion = known
            versionInfo = v
        } else if let v = try await findVersion(model, mv.version) {
            versionInfo = v
            remoteVersion = "\(v["version"] ?? "")"
        } else {
            versionInfo = try await createVersion(mv, remoteRunId: remoteRunId, source: runInfo["artifact_uri"] as? String)
            remoteVersion = "\(versionInfo["version"] ?? "")"
            created = true
        }
        // Eval scores may have been added since an earlier push: tags are set (not added), so repeating is harmless.
        for (k, v) in mv.evalScores.sorted(by: { $0.key < $1.key }) {
            _ = try await client.post("\(Self.mlflow)/model-versions/set-tag",
                                      ["name": model, "version": remoteVersion, "key": "ciport.eval.\(k)", "value": Registry.format(v)])
        }
        if !mv.aliases.isEmpty {
            if target.isGitLab {
                notes.append("aliases (\(mv.aliases.joined(separator: ", "))) not pushed: GitLab's model registry has no aliases")
            } else {
                for a in mv.aliases {
                    _ = try await client.post("\(Self.mlflow)/registered-models/alias", ["name": model, "alias": a, "version": remoteVersion])
                }
            }
        }
        var uploaded = runResult.uploaded
        if target.isGitLab, created {
            uploaded += try await uploadGitLabModelFiles(mv, versionInfo: versionInfo, notes: &notes)
        }
        try registry.recordRemote(kind: .modelVersion, localId: key, remote: target.displayName, remoteId: remoteVersion)
        return (PushResult(remoteId: remoteVersion, created: created, uploaded: uploaded, notes: notes), versionInfo)
    }

    private func ensureRegisteredModel(_ name: String) async throws {
        do {
            _ = try await client.get("\(Self.mlflow)/registered-models/get", ["name": name])
            return
        } catch let f as HTTPFailure where f.notFound {}
        do {
            _ = try await client.post("\(Self.mlflow)/registered-models/create", ["name": name], retrying: false)
        } catch let f as HTTPFailure where f.errorCode == "RESOURCE_ALREADY_EXISTS" || f.retryable {
            _ = try await client.get("\(Self.mlflow)/registered-models/get", ["name": name])
        }
    }

    private func getVersion(_ model: String, _ version: String) async throws -> [String: Any]? {
        do {
            let r = try await client.get("\(Self.mlflow)/model-versions/get", ["name": model, "version": version])
            return r["model_version"] as? [String: Any]
        } catch let f as HTTPFailure where f.notFound {
            return nil
        }
    }

    /// The remote version of `model` tagged `ciport.version = version`, if any.
    private func findVersion(_ model: String, _ version: SemVer) async throws -> [String: Any]? {
        if target.isGitLab {
            // GitLab's versions are the semantic versions themselves (set through gitlab.version).
            return try await getVersion(model, version.description)
        }
        var token: String?
        repeat {
            var q = ["filter": "name='\(model.replacingOccurrences(of: "'", with: ""))'", "max_results": "200"]
            if let token { q["page_token"] = token }
            let r = try await client.get("\(Self.mlflow)/model-versions/search", q)
            for v in (r["model_versions"] as? [[String: Any]]) ?? [] {
                let tags = (v["tags"] as? [[String: Any]]) ?? []
                if tags.contains(where: { $0["key"] as? String == "ciport.version" && $0["value"] as? String == version.description }) {
                    return v
                }
            }
            token = r["next_page_token"] as? String
        } while token?.isEmpty == false
        return nil
    }

    private func createVersion(_ mv: ModelVersion, remoteRunId: String, source: String?) async throws -> [String: Any] {
        var body: [String: Any] = [
            "name": mv.model, "run_id": remoteRunId, "source": source ?? "runs:/\(remoteRunId)",
            "tags": [["key": "ciport.version", "value": mv.version.description],
                     ["key": "gitlab.version", "value": mv.version.description]],
        ]
        if let d = mv.description { body["description"] = d }
        var lastFailure: HTTPFailure?
        for attempt in 1...client.retry.attempts {
            if attempt > 1 {
                try await Task.sleep(nanoseconds: UInt64(client.retry.delay(beforeAttempt: attempt) * 1e9))
                if let found = try await findVersion(mv.model, mv.version) { return found }
            }
            do {
                let r = try await client.post("\(Self.mlflow)/model-versions/create", body, retrying: false)
                if let v = r["model_version"] as? [String: Any] { return v }
                throw HTTPFailure(status: 200, errorCode: nil, message: "no model_version in the answer", request: "POST \(Self.mlflow)/model-versions/create")
            } catch let f as HTTPFailure where f.retryable {
                lastFailure = f
            }
        }
        throw lastFailure!
    }

    /// GitLab keeps model files in its package registry: PUT each file of the producing run to
    /// `projects/:id/packages/ml_models/:model_version_id/files/PATH`.
    private func uploadGitLabModelFiles(_ mv: ModelVersion, versionInfo: [String: Any], notes: inout [String]) async throws -> Int {
        guard let api = target.gitlabProjectAPI else { return 0 }
        guard let id = Self.gitlabModelVersionId(versionInfo) else {
            notes.append("model files not uploaded: GitLab's answer names no model version id")
            return 0
        }
        var n = 0
        for a in try registry.run(mv.runId).artifacts {
            let dest = Self.gitlabModelFileURL(projectAPI: api, modelVersionId: id, path: a.path)
            try await client.put(file: a.localPath, to: dest, display: "PUT …/packages/ml_models/\(id)/files/\(a.path)")
            n += 1
        }
        return n
    }

    // MARK: Helpers

    /// Turns transport failures into the registry's errors: the server named by its display
    /// URL, the request by method and path — never a header, so never the token.
    private func wrapping(_ body: () async throws -> (result: PushResult, info: [String: Any])) async throws -> PushResult {
        do {
            return try await body().result
        } catch let f as HTTPFailure {
            if f.status == nil {
                throw RegistryError.unreachable("cannot reach \(target.displayName): \(f.message) (\(f.request), gave up after \(client.retry.attempts) attempts); nothing was recorded as pushed, run the same push again to complete it")
            }
            var hint = ""
            if f.status == 401 || f.status == 403 {
                hint = target.tokenSource.map { "; check the token in \($0)" } ?? "; the server wants a token: set MLFLOW_TRACKING_TOKEN or use --token-env NAME"
            }
            throw RegistryError.remote("\(target.displayName) refused \(f.request): \(f.message)\(f.errorCode.map { " (\($0))" } ?? "")\(hint)")
        }
    }

    static func mlflowStatus(_ s: RunStatus) -> String {
        switch s {
        case .running: "RUNNING"
        case .finished: "FINISHED"
        case .failed: "FAILED"
        case .killed: "KILLED"
        }
    }

    /// `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host/1/abc/artifacts` → `1/abc/artifacts`.
    static func proxiedArtifactPath(_ uri: String) -> String? {
        guard uri.hasPrefix("mlflow-artifacts:") else { return nil }
        var rest = uri.dropFirst("mlflow-artifacts:".count)
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            rest = rest[slash...]
        }
        let p = rest.drop(while: { $0 == "/" })
        return p.isEmpty ? nil : String(p)
    }

    static func encodePath(_ p: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        return p.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }.joined(separator: "/")
    }

    static func gitlabModelFileURL(projectAPI: URL, modelVersionId: String, path: String) -> URL {
        URL(string: projectAPI.absoluteString + "/packages/ml_models/\(modelVersionId)/files/" + encodePath(path))!
    }

    /// GitLab answers model-versions/create with the version's package location in `source`
    /// (…/packages/ml_models/ID/files/ or mlflow-artifacts:/ID): the id is the number after
    /// `ml_models/`, else the trailing number.
    static func gitlabModelVersionId(_ info: [String: Any]) -> String? {
        for field in ["source", "artifact_uri"] {
            guard let s = info[field] as? String else { continue }
            if let r = s.range(of: #"ml_models/[0-9]+"#, options: .regularExpression) {
                return String(s[r].dropFirst("ml_models/".count))
            }
            let digits = s.reversed().drop(while: { $0 == "/" }).prefix(while: \.isNumber)
            if !digits.isEmpty { return String(digits.reversed()) }
        }
        return nil
    }
}

extension Array {
    func chunked(_ n: Int) -> [[Element]] {
        stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) }
    }
}
