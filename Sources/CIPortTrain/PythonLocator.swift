import Foundation

/// Finds the Python that runs the worker: `--python`, then `CIPORT_PYTHON`, then the project's
/// `.venv`, then `python3`; and checks that it can import the worker.
public enum PythonLocator {
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    public static func candidates(explicit: String?, projectRoot: String) -> [(path: String, source: String)] {
        var out: [(String, String)] = []
        if let explicit { out.append((explicit, "--python")) }
        if let env = ProcessInfo.processInfo.environment["CIPORT_PYTHON"], !env.isEmpty { out.append((env, "CIPORT_PYTHON")) }
        out.append(((projectRoot as NSString).appendingPathComponent(".venv/bin/python"), "the project's .venv"))
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            out.append(((String(dir) as NSString).appendingPathComponent("python3"), "python3 on PATH"))
        }
        return out
    }

    /// The first candidate that exists; an explicit choice that does not work is an error, not skipped.
    public static func locate(explicit: String?, projectRoot: String) throws -> String {
        for (i, c) in candidates(explicit: explicit, projectRoot: projectRoot).enumerated() {
            guard FileManager.default.isExecutableFile(atPath: c.path) else {
                if i == 0, explicit != nil || c.source == "CIPORT_PYTHON" {
                    throw NotFound(description: "\(c.source): \(c.path) is not an executable Python")
                }
                continue
            }
            try check(c.path, source: c.source)
            return c.path
        }
        throw NotFound(description: "no Python found; run `make python` to create .venv with the training worker")
    }

    /// Fails with a fix-it message when the interpreter cannot import the worker and its libraries.
    static func check(_ python: String, source: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import ciport_trainer, torch, transformers, peft, trl"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw NotFound(description: "\(source): cannot start \(python): \(error.localizedDescription)")
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "import failed"
            throw NotFound(description: "\(python) (\(source)) cannot run the training worker: \(last); run `make python` (or pass --python)")
        }
    }
}
