import CIPortCore
import Foundation

/// `dataset build`: the bundled pair files (one YAML file per pair) into records.
public enum DatasetBuilder {
    /// One pair file as authored in data/pairs/.
    public struct Pair: Sendable {
        public var id: String
        public var task: String
        public var source: DatasetRecord.Side
        public var target: DatasetRecord.Side
        public var license: String
        public var sourceFile: String
        public var targetFile: String
    }

    /// Reads a pair file; errors name the file, line and column of the bad field.
    public static func readPair(_ text: String, file: String) throws(InputError) -> Pair {
        guard let root = try YAMLLoader.load(text, file: file) else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "empty pair file")
        }
        guard let m = root.mapping else { throw InputError(root.pos, "a pair file is a mapping, not \(root.kindName)") }
        func string(_ key: String, in map: YMapping, required: Bool = true) throws(InputError) -> String? {
            guard let node = map[key] else {
                if required { throw InputError(map.pos, "missing '\(key)'") }
                return nil
            }
            guard let s = node.scalar, !s.isNull else { throw InputError(node.pos, "'\(key)' must be a string, not \(node.kindName)") }
            return s.value
        }
        func side(_ key: String) throws(InputError) -> DatasetRecord.Side {
            guard let node = m[key] else { throw InputError(m.pos, "missing '\(key)'") }
            guard let sm = node.mapping else { throw InputError(node.pos, "'\(key)' must be a mapping with platform, stack, cloud") }
            let name = try string("platform", in: sm)!
            guard let platform = DatasetPlatform(rawValue: name) else {
                throw InputError(sm["platform"]!.pos, "unknown platform '\(name)' (one of \(DatasetPlatform.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return DatasetRecord.Side(platform: platform, stack: try string("stack", in: sm, required: false),
                                      cloud: try string("cloud", in: sm, required: false))
        }
        let id = try string("id", in: m)!
        let task = try string("task", in: m)!
        guard DatasetRecord.tasks.contains(task) else {
            throw InputError(m["task"]!.pos, "unknown task '\(task)' (platform, stack or deploy)")
        }
        let pair = Pair(id: id, task: task, source: try side("source"), target: try side("target"),
                        license: try string("license", in: m)!,
                        sourceFile: try string("source_file", in: m)!, targetFile: try string("target_file", in: m)!)
        if pair.sourceFile.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InputError(m["source_file"]!.pos, "'source_file' is empty")
        }
        if pair.targetFile.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InputError(m["target_file"]!.pos, "'target_file' is empty")
        }
        return pair
    }

    /// Every `*.yml` pair under `dir`, sorted by file name, as records; bad files are collected as
    /// errors (all of them, not just the first) and left out.
    public static func build(pairsDir dir: String) throws -> (records: [DatasetRecord], errors: [InputError]) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError(.missingInput, "\(dir): error: no such directory")
        }
        var files: [String] = []
        let e = FileManager.default.enumerator(atPath: dir)
        while let rel = e?.nextObject() as? String {
            if rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") { files.append(rel) }
        }
        var records: [DatasetRecord] = []
        var errors: [InputError] = []
        var seen: [String: String] = [:]
        for rel in files.sorted() {
            let path = (dir as NSString).appendingPathComponent(rel)
            do {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw InputError(SourcePos(file: path, line: 1, column: 1), "cannot read the file")
                }
                let pair = try readPair(try YAMLLoader.decode(data, file: path), file: path)
                if let other = seen[pair.id] {
                    throw InputError(SourcePos(file: path, line: 1, column: 1), "id '\(pair.id)' is also used by \(other)")
                }
                seen[pair.id] = path
                records.append(.make(id: pair.id, task: pair.task, source: pair.source, target: pair.target,
                                     sourceFile: pair.sourceFile, targetFile: pair.targetFile,
                                     provenance: "authored", license: pair.license))
            } catch let e as InputError {
                errors.append(e)
            }
        }
        return (records, errors)
    }
}
