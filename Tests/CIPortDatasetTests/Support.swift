import Foundation
@testable import CIPortDataset

/// Fixtures and temporary folders for the dataset tests.
enum Fixture {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var pairs: String { dir.appendingPathComponent("pairs").path }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-dataset-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// The fixture pairs as records, in file-name order.
    static func records() throws -> [DatasetRecord] {
        try DatasetBuilder.build(pairsDir: pairs).records
    }

    static func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    /// Runs `validate` and returns its error lines and summary.
    static func validate(_ paths: [String], options: DatasetValidator.Options = .init()) async throws
        -> (lines: [String], summary: DatasetValidator.Summary) {
        var lines: [String] = []
        let s = try await DatasetValidator.validate(paths: paths, options: options) { lines.append($0) }
        return (lines, s)
    }

    static var corpus: String {
        ProcessInfo.processInfo.environment["CIPORT_CORPUS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/corpus").path
    }
    static var hasCorpus: Bool { FileManager.default.fileExists(atPath: corpus) }
}

extension DatasetRecord {
    /// A copy with one line of the target file changed (and the hash kept consistent).
    func editingTarget(_ from: String, _ to: String) -> DatasetRecord {
        var r = self
        r.messages[2].content = r.messages[2].content.replacingOccurrences(of: from, with: to)
        let src = Prompts.unfence(r.messages[1].content)!, dst = Prompts.unfence(r.messages[2].content)!
        r.meta.hash = ContentHash.of(source: src, target: dst)
        return r
    }
}
