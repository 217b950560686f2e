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

/// SplitMix64: a small seeded generator, so that every random case is the same on every run and a
/// failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (0 when n < 1).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}
