import Foundation
import Testing
@testable import CIPortCore

/// Reviewed golden conversions: each input under Fixtures/golden/ and each bundled example converts
/// to exactly its snapshot under Snapshots/. Set CIPORT_RECORD=1 to re-record; a recording run fails
/// so it is never green by accident.
struct GoldenTests {
    static let snapshots = TestPaths.testsDir.appendingPathComponent("Snapshots")
    static let sources: [String: URL] = {
        var out: [String: URL] = [:]
        let golden = TestPaths.testsDir.appendingPathComponent("Fixtures/golden")
        for f in TestPaths.yamlFiles(golden) { out[f.name] = golden.appendingPathComponent(f.name) }
        for sub in ["github", "gitlab"] {
            let dir = TestPaths.repo.appendingPathComponent("examples/\(sub)")
            for f in TestPaths.yamlFiles(dir) { out["example-" + f.name] = dir.appendingPathComponent(f.name) }
        }
        // Sources of some bundled dataset pairs (written by the project) widen the coverage.
        let pairs = TestPaths.repo.appendingPathComponent("data/pairs")
        for id in pairIDs {
            let url = pairs.appendingPathComponent(id + ".yml")
            out["pair-" + id + ".yml"] = url
        }
        return out
    }()
    static let pairIDs = [
        "gh2gl-php-laravel-mysql-matrix", "gh2gl-go-lint-test-goreleaser", "gh2gl-docker-multiarch-buildx",
        "gh2gl-terraform-plan-apply-gate", "gh2gl-rust-cross-targets", "gh2gl-node-monorepo-paths-filter",
        "gl2gh-python-django-pg-redis", "gl2gh-java-gradle-needs-dag", "gl2gh-ruby-rspec-parallel-shards",
        "gl2gh-terraform-manual-apply", "gl2gh-node-pages-docs", "gl2gh-docker-kaniko-registry",
    ]
    static let names: [String] = sources.keys.sorted()

    /// The `source_file` block of a dataset pair file.
    static func pairSource(_ pair: String) throws -> String {
        let root = try #require(try YAMLLoader.load(pair, file: "pair.yml"))
        return try #require(root.mapping?["source_file"]?.string)
    }

    @Test func thereAreAtLeastThirtyGoldens() {
        #expect(Self.names.count >= 30)
    }

    @Test(arguments: names)
    func conversionMatchesReviewedSnapshot(_ name: String) throws {
        var src = try String(contentsOf: try #require(Self.sources[name]), encoding: .utf8)
        if name.hasPrefix("pair-") { src = try Self.pairSource(src) }
        let c = try Translator.convert(src, file: name)
        let ext = c.target == .gitlab ? ".gitlab-ci.yml" : ".github.yml"
        var stem = (name as NSString).deletingPathExtension
        if stem.hasSuffix(".gitlab-ci") { stem = (stem as NSString).deletingPathExtension }
        let snap = Self.snapshots.appendingPathComponent(stem + ext)
        var doc = c.output
        doc += "\n# --- ledger (not part of the output) ---\n"
        for e in c.ledger.entries where e.status != .translated {
            doc += "# \(e.pos.line):\(e.pos.column) \(e.status.rawValue) \(e.construct)\(e.note.isEmpty ? "" : ": " + e.note)\n"
        }
        doc += "# \(c.ledger.summary)\n"
        if ProcessInfo.processInfo.environment["CIPORT_RECORD"] != nil {
            try doc.write(to: snap, atomically: true, encoding: .utf8)
            Issue.record("recorded \(snap.lastPathComponent); unset CIPORT_RECORD and review it")
            return
        }
        let expected = try String(contentsOf: snap, encoding: .utf8)
        #expect(doc == expected, "\(name) differs from \(snap.lastPathComponent); rerun with CIPORT_RECORD=1 and review the diff")
    }
}
