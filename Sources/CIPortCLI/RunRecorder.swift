import ArgumentParser
import CIPortRegistry
import CIPortTrain
import Foundation

/// Records a training run directory into the registry: its resolved config as params, every
/// numeric field of its step and eval events as metrics per step, its config and adapter as
/// artifacts with SHA-256, and its status. Recording again (after `--resume`) updates the same run.
enum RunRecorder {
    static let experiment = "train"

    @discardableResult
    static func record(_ run: RunDirectory, in registry: Registry) throws -> String {
        guard let status = run.readStatus() else {
            throw ValidationError("\(run.path): not a ciport run directory (no status.json)")
        }
        let id = try registry.startRun(id: run.id, experiment: experiment, name: run.id, source: run.path, started: status.started)

        var params: [String: String] = [:]
        if let d = FileManager.default.contents(atPath: run.runConfigPath), let cfg = try? JSONDecoder().decode(JSONValue.self, from: d) {
            flatten(cfg, prefix: "", into: &params)
        }
        // Where this machine put things says nothing about the model, and would differ between runs.
        params.removeValue(forKey: "output_dir")
        params.removeValue(forKey: "resume_from")
        try registry.logParams(run: id, params)
        if let base = params["base_model"] { try registry.setTag(run: id, key: "ciport.base_model", value: base) }

        // Timestamps must be stable across re-recording, or a second push would add points: the
        // event's own time when it has one, else the run's start.
        var points: [MetricPoint] = []
        if let text = try? String(contentsOfFile: run.eventsPath, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let v = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), case .object(let o) = v,
                      let name = o["event"]?.string, name == "step" || name == "eval", let step = o["step"]?.int else { continue }
                let time = (o["time"]?.double ?? o["timestamp"]?.double).map { Date(timeIntervalSince1970: $0) } ?? status.started
                for (k, value) in o.sorted(by: { $0.key < $1.key }) {
                    guard !["event", "step", "max_steps", "time", "timestamp"].contains(k), let x = value.double else { continue }
                    points.append(MetricPoint(key: name == "eval" && !k.hasPrefix("eval_") ? "eval_" + k : k, value: x, step: step, timestamp: time))
                }
            }
        }
        try registry.logMetrics(run: id, points)

        for f in ["config.yml", "run-config.json"] where FileManager.default.fileExists(atPath: run.file(f)) {
            try registry.logArtifact(run: id, path: run.file(f), name: f)
        }
        if status.state == .finished, let adapter = status.adapter, FileManager.default.fileExists(atPath: adapter) {
            try registry.logArtifact(run: id, path: adapter, name: "adapter")
        }
        let final: RunStatus = switch status.state {
        case .finished: .finished
        case .failed: .failed
        case .interrupted: .killed
        case .running: .running
        }
        try registry.finishRun(id, status: final, ended: status.ended ?? Date())
        return id
    }

    /// For `ciport train`: a registry problem must not fail a training run that worked.
    static func recordQuietly(_ run: RunDirectory) {
        do {
            let registry = try Registry.open(stateDirectory: Registry.stateDirectory())
            try record(run, in: registry)
        } catch {
            FileIO.printErr("warning: run \(run.id) not recorded in the registry: \(error); record it later with `ciport registry record \(run.path)`")
        }
    }

    static func flatten(_ v: JSONValue, prefix: String, into out: inout [String: String]) {
        switch v {
        case .object(let o):
            for (k, x) in o { flatten(x, prefix: prefix.isEmpty ? k : prefix + "." + k, into: &out) }
        case .null: break
        case .string(let s): out[prefix] = s
        case .array, .bool, .int, .number: out[prefix] = v.encoded()
        }
    }
}
