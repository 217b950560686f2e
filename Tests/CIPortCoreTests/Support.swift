import Foundation
@testable import CIPortCore

/// Paths shared by the tests: fixtures beside the tests, the corpus beside the repository.
enum TestPaths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repo = testsDir.deletingLastPathComponent().deletingLastPathComponent()

    /// `CIPORT_CORPUS`, else `../shared/corpus` beside the repository; nil when absent (tests skip).
    static let corpus: URL? = {
        let path = ProcessInfo.processInfo.environment["CIPORT_CORPUS"]
            ?? repo.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue ? URL(fileURLWithPath: path) : nil
    }()

    static var hasCorpus: Bool { corpus != nil }

    /// Every YAML file under `sub` of the corpus, as (relative name, text).
    static func corpusFiles(_ sub: String) -> [(name: String, text: String)] {
        guard let dir = corpus?.appendingPathComponent(sub) else { return [] }
        return yamlFiles(dir).map { (sub + "/" + $0.name, $0.text) }
    }

    static func yamlFiles(_ dir: URL) -> [(name: String, text: String)] {
        guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
        var out: [(String, String)] = []
        for case let rel as String in e where rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") {
            if let t = try? String(contentsOf: dir.appendingPathComponent(rel), encoding: .utf8) { out.append((rel, t)) }
        }
        return out.sorted { $0.0 < $1.0 }
    }
}
