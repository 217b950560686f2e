import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Paths of the repository and its virtual environment, found from this file.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var venvBin: URL {
        let env = ProcessInfo.processInfo.environment["CIPORT_VENV"]
        return (env.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent(".venv")).appendingPathComponent("bin")
    }
    static var mlflow: String { venvBin.appendingPathComponent("mlflow").path }
    static var checkJSONSchema: String { venvBin.appendingPathComponent("check-jsonschema").path }
    static var hasMLflow: Bool { FileManager.default.isExecutableFile(atPath: mlflow) }
    static var hasCheckJSONSchema: Bool { FileManager.default.isExecutableFile(atPath: checkJSONSchema) }
    static var ciportBinary: String {
        ProcessInfo.processInfo.environment["CIPORT_BIN"] ?? root.appendingPathComponent(".build/debug/ciport").path
    }
    static var hasCiportBinary: Bool { FileManager.default.isExecutableFile(atPath: ciportBinary) }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-registry-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to the end, reading both pipes before waiting so that it cannot block.
func runProcess(_ exe: String, _ args: [String], cwd: URL? = nil, env: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    if let env { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// A real MLflow tracking server on 127.0.0.1 with a SQLite backend and served artifacts, in its
/// own process group so that a kill takes its workers too.
final class MLflowServer: @unchecked Sendable {
    // @unchecked: every property is set in init and only read afterwards.
    let dir: URL
    let port: Int
    let process: Process
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the server (on `port`, or a free one) and waits up to `timeout` seconds for /health:
    /// mlflow takes ~15 s to start on an idle 2-core machine, much more on a loaded one.
    init(dir: URL, port: Int? = nil, timeout: Double = 180) async throws {
        self.dir = dir
        self.port = try port ?? Self.freePort()
        let p = Process()
        // Foundation starts the child as the leader of a new process group (pgid = pid), so the
        // group signal in kill() reaches uvicorn and mlflow's job runners too. (Not setsid(1): it
        // would fork, and the pid known here would be a short-lived parent.)
        p.executableURL = URL(fileURLWithPath: Repo.mlflow)
        p.arguments = ["server", "--host", "127.0.0.1", "--port", String(self.port),
                       "--backend-store-uri", "sqlite:///\(dir.path)/mlflow.db",
                       "--serve-artifacts", "--artifacts-destination", dir.appendingPathComponent("artifacts").path,
                       "--workers", "1"]
        var env = ProcessInfo.processInfo.environment
        env["MLFLOW_ENABLE_TELEMETRY"] = "false"
        env["DO_NOT_TRACK"] = "true"
        p.environment = env
        let log = dir.appendingPathComponent("mlflow-\(self.port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let h = try FileHandle(forWritingTo: log)
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !p.isRunning {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw ServerError(message: "mlflow server exited: \(text.suffix(2000))")
            }
            if let (data, resp) = try? await Self.session.data(from: URL(string: "\(url)/health")!),
               (resp as? HTTPURLResponse)?.statusCode == 200, String(decoding: data, as: UTF8.self).contains("OK") {
                return
            }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        kill()
        throw ServerError(message: "mlflow server not healthy after \(Int(timeout)) s; log: \(log.path)")
    }

    /// A session of its own with a timeout: a stuck read-back fails the test instead of hanging it.
    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = 60
        return URLSession(configuration: c)
    }()

    struct ServerError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// SIGKILL to the server's process group and to every descendant (in case one made a group of
    /// its own), then wait, with a deadline, for it to be reaped and for the port to close.
    func kill() {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        let victims = Self.descendants(of: pid)
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
        for v in victims { _ = Glibc.kill(v, SIGKILL) }
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        while Self.portOpen(port) && Date() < deadline { usleep(100_000) }
    }

    /// Every process below `pid`, from /proc.
    static func descendants(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { children[ppid, default: []].append(p) }
        }
        var out: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            for c in children[next] ?? [] { out.append(c); queue.append(c) }
        }
        return out
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ServerError(message: "no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func portOpen(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    // MARK: Reading back through MLflow's REST API (independent of the code under test)

    func get(_ path: String, _ query: [String: String] = [:]) async throws -> [String: Any] {
        var c = URLComponents(string: url + path)!
        if !query.isEmpty { c.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) } }
        let (data, resp) = try await Self.session.data(from: c.url!)
        let status = (resp as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw ServerError(message: "GET \(path) → \(status): \(String(decoding: data, as: UTF8.self))") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var req = URLRequest(url: URL(string: url + path)!)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        req.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, resp) = try await Self.session.data(for: req)
        let status = (resp as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw ServerError(message: "POST \(path) → \(status): \(String(decoding: data, as: UTF8.self))") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func raw(_ path: String) async throws -> Data {
        let (data, resp) = try await Self.session.data(from: URL(string: url + path)!)
        guard (resp as? HTTPURLResponse)?.statusCode == 200 else { throw ServerError(message: "GET \(path) failed") }
        return data
    }

    /// All active runs of an experiment.
    func runs(experiment name: String) async throws -> [[String: Any]] {
        let e = try await get("/api/2.0/mlflow/experiments/get-by-name", ["experiment_name": name])
        let id = (e["experiment"] as? [String: Any])?["experiment_id"] as? String ?? ""
        let r = try await post("/api/2.0/mlflow/runs/search", ["experiment_ids": [id], "max_results": 1000])
        return r["runs"] as? [[String: Any]] ?? []
    }

    func metricHistory(run: String, key: String) async throws -> [[String: Any]] {
        let r = try await get("/api/2.0/mlflow/metrics/get-history", ["run_id": run, "metric_key": key, "max_results": "25000"])
        return r["metrics"] as? [[String: Any]] ?? []
    }
}

func tagValue(_ tags: Any?, _ key: String) -> String? {
    (tags as? [[String: Any]])?.first(where: { $0["key"] as? String == key })?["value"] as? String
}
