import Foundation
import Testing
@testable import CIPortDataset

struct StatsTests {
    @Test func countsAndHistogram() throws {
        let dir = try Fixture.tempDir()
        let file = dir.appendingPathComponent("pairs.jsonl")
        try Fixture.write(try Fixture.records().map { $0.jsonLine() } + ["{not json"], to: file)
        let stats = try DatasetStats.collect([dir.path])
        #expect(stats.records == 3 && stats.unreadable == 1)
        #expect(stats.tasks == ["platform": 2, "stack": 1])
        #expect(stats.platforms == ["github → gitlab": 1, "gitlab → github": 1, "github → github": 1])
        #expect(stats.stacks["node → go"] == 1 && stats.stacks["python → python"] == 1)
        #expect(stats.provenances == ["authored": 3])
        let text = stats.render(width: 10)
        #expect(text.contains("by task") && text.contains("3 distinct stacks"))
        #expect(text.contains("│██████████ "), "\(text)")
        #expect(text.contains("1 unreadable"))
    }

    @Test func histogramBinsArePowersOfTwo() {
        let rows = DatasetStats.histogram([10, 70, 70, 300], width: 8)
        #expect(rows.count == 4) // 0–63, 64–127, 128–255 (empty), 256–511
        #expect(rows[0].contains("0–63") && rows[0].hasSuffix(" 1"))
        #expect(rows[1].contains("████████ 2"))
        #expect(rows[2].hasSuffix("│ 0"))
        #expect(rows[0].contains("████ 1"))
    }
}

struct ExportTests {
    @Test func layouts() throws {
        let r = try #require(try Fixture.records().first)
        let alpaca = try #require(try JSONSerialization.jsonObject(with: Data(DatasetExporter.line(r, format: .alpaca).utf8)) as? [String: String])
        #expect(Set(alpaca.keys) == ["instruction", "input", "output", "system", "id"])
        #expect(!alpaca["instruction"]!.contains("```") && alpaca["input"]!.hasPrefix("```yaml\nname: CI"))
        #expect(alpaca["output"] == r.messages[2].content && alpaca["system"] == Prompts.system)
        let pc = try #require(try JSONSerialization.jsonObject(with: Data(DatasetExporter.line(r, format: .promptCompletion).utf8)) as? [String: String])
        #expect(pc["prompt"]!.hasPrefix(Prompts.system) && pc["prompt"]!.contains(r.messages[1].content))
        #expect(pc["completion"] == r.messages[2].content)
        #expect(DatasetExporter.line(r, format: .messages) == r.jsonLine())
    }

    @Test func exportStreamsAndRefusesBadInput() throws {
        let dir = try Fixture.tempDir()
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        try Fixture.write(try Fixture.records().map { $0.jsonLine() }, to: input)
        let (n, errors) = try DatasetExporter.export(input.path, to: output.path, format: .promptCompletion)
        #expect(n == 3 && errors.isEmpty)
        #expect(try String(contentsOf: output, encoding: .utf8).split(separator: "\n").count == 3)
        // A bad line: nothing is written, the old output stays whole.
        try Fixture.write(try Fixture.records().map { $0.jsonLine() } + [#"{"messages": ["#], to: input)
        let again = try DatasetExporter.export(input.path, to: output.path, format: .alpaca)
        #expect(again.errors.map(\.line) == [4])
        #expect(try String(contentsOf: output, encoding: .utf8).contains("\"completion\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["in.jsonl", "out.jsonl"])
    }
}
