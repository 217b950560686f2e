import Foundation
import Testing
@testable import CIPortCore

/// Reviewed golden conversions: each input under Fixtures/golden/ converts to exactly the snapshot
/// under Snapshots/. Set CIPORT_RECORD=1 to re-record; a recording run fails so it is never green by accident.
struct GoldenTests {
    static let inputs = TestPaths.testsDir.appendingPathComponent("Fixtures/golden")
    static let snapshots = TestPaths.testsDir.appendingPathComponent("Snapshots")
    static let names: [String] = TestPaths.yamlFiles(inputs).map(\.name)

    @Test func thereAreAtLeastThirtyGoldens() {
        #expect(Self.names.count >= 30)
    }

    @Test(arguments: names)
    func conversionMatchesReviewedSnapshot(_ name: String) throws {
        let src = try String(contentsOf: Self.inputs.appendingPathComponent(name), encoding: .utf8)
        let c = try Translator.convert(src, file: name)
        let ext = c.target == .gitlab ? ".gitlab-ci.yml" : ".github.yml"
        let snap = Self.snapshots.appendingPathComponent((name as NSString).deletingPathExtension + ext)
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
