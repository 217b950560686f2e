import CIPortCore
import CIPortTrain
import Foundation

/// File access for commands: positioned errors, atomic writes.
enum FileIO {
    /// Exit codes from sysexits(3), as `convert --help` documents them.
    static let exitLost: Int32 = 1
    static let exitDataErr: Int32 = 65
    static let exitNoInput: Int32 = 66
    static let exitCantCreate: Int32 = 73

    struct MissingInput: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path): error: no such file or directory" }
    }

    /// Reads a CI file: `-` is standard input. Refuses oversized files before reading them.
    static func readText(_ path: String, limits: YAMLLimits = .default) throws -> (name: String, text: String) {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            if data.count > limits.maxBytes {
                throw InputError(SourcePos(file: "<stdin>", line: 1, column: 1),
                                 "input is \(data.count) bytes, over the \(limits.maxBytes)-byte limit for a CI file")
            }
            return ("<stdin>", try YAMLLoader.decode(data, file: "<stdin>"))
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw MissingInput(path: path) }
        if isDir.boolValue { throw InputError(SourcePos(file: path, line: 1, column: 1), "is a directory") }
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attrs?[.size] as? NSNumber)?.intValue, size > limits.maxBytes {
            throw InputError(SourcePos(file: path, line: 1, column: 1),
                             "file is \(size / 1_048_576) MB, over the \(limits.maxBytes / 1_048_576) MB limit for a CI file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(SourcePos(file: path, line: 1, column: 1), "cannot read the file (permissions?)")
        }
        return (path, try YAMLLoader.decode(data, file: path))
    }

    /// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
    /// crash or a failure never leaves a half-written file behind.
    static func writeAtomically(_ text: String, to path: String) throws {
        try AtomicWrite.write(Data(text.utf8), to: path)
    }

    static func printErr(_ s: String) {
        FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }
}

/// Loads `include: local` files, local composite actions and reusable workflows from `--root`,
/// refusing anything that resolves outside it.
struct RootLoader: SourceLoader {
    let root: URL

    init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath()
    }

    func load(_ path: String) throws(InputError) -> (file: String, text: String)? {
        let rel = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let url = root.appendingPathComponent(rel).standardizedFileURL.resolvingSymlinksInPath()
        guard url.path == root.path || url.path.hasPrefix(root.path + "/") else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        if data.count > YAMLLimits.default.maxBytes { return nil }
        let shown = String(url.path.dropFirst(root.path.count + 1))
        return (shown, try YAMLLoader.decode(data, file: shown))
    }
}
