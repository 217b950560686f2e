import Foundation

/// One training run on disk: `RUNS/<id>/` with the config, the worker's events, its log and
/// checkpoints, and `status.json`, which says `finished` only once the worker reported `done`.
public struct RunDirectory: Sendable {
    public enum State: String, Codable, Sendable { case running, finished, failed, interrupted }

    public struct Status: Codable, Sendable, Equatable {
        public var state: State
        public var started: Date
        public var ended: Date?
        public var step: Int?
        public var maxSteps: Int?
        public var adapter: String?
        public var message: String?
        public var finishedCount: Int = 0

        public init(state: State, started: Date) {
            self.state = state
            self.started = started
        }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// A new run directory named after the time and the config.
    public static func create(in runsDir: String, name: String) throws -> RunDirectory {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        var id = "\(stamp)-\(name)"
        var n = 1
        while FileManager.default.fileExists(atPath: (runsDir as NSString).appendingPathComponent(id)) {
            n += 1
            id = "\(stamp)-\(name)-\(n)"
        }
        let p = (runsDir as NSString).appendingPathComponent(id)
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return RunDirectory(path: p)
    }

    public var id: String { (path as NSString).lastPathComponent }
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    public var runConfigPath: String { file("run-config.json") }
    public var eventsPath: String { file("events.jsonl") }
    public var statusPath: String { file("status.json") }

    public func readStatus() -> Status? {
        guard let d = FileManager.default.contents(atPath: statusPath) else { return nil }
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .iso8601
        return try? dec.decode(Status.self, from: d)
    }

    public func writeStatus(_ s: Status) throws {
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .iso8601
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWrite.write(try enc.encode(s), to: statusPath)
    }

    /// Appends one line to events.jsonl (opened per call: a crash loses at most the line in flight).
    public func appendEvent(_ line: String) {
        let url = URL(fileURLWithPath: eventsPath)
        if !FileManager.default.fileExists(atPath: eventsPath) { FileManager.default.createFile(atPath: eventsPath, contents: nil) }
        guard let h = try? FileHandle(forWritingTo: url) else { return }
        defer { try? h.close() }
        _ = try? h.seekToEnd()
        try? h.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// Write to a temporary file beside the target, then rename: readers never see half a file.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
