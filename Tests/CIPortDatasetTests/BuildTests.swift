import CIPortCore
import Foundation
import Testing
@testable import CIPortDataset

struct BuildTests {
    @Test func buildsOneRecordPerPairInFileOrder() throws {
        let (records, errors) = try DatasetBuilder.build(pairsDir: Fixture.pairs)
        #expect(errors.isEmpty)
        #expect(records.map(\.meta.id) == ["gh2gl-node-basic", "gl2gh-python-pytest", "stack-gh-node-to-go"])
        let r = try #require(records.first)
        #expect(r.messages.map(\.role) == ["system", "user", "assistant"])
        #expect(r.messages[0].content == Prompts.system)
        #expect(r.messages[1].content.contains("GitHub Actions") && r.messages[1].content.contains("GitLab CI"))
        #expect(r.messages[1].content.contains("\n\n```yaml\nname: CI\n"))
        #expect(r.messages[2].content.hasPrefix("```yaml\nworkflow:") && r.messages[2].content.hasSuffix("\n```"))
        #expect(r.meta.provenance == "authored" && r.meta.license == "MIT")
        #expect(r.meta.source == .init(platform: .github, stack: "node"))
        let src = try #require(Prompts.unfence(r.messages[1].content)), dst = try #require(Prompts.unfence(r.messages[2].content))
        #expect(r.meta.hash == ContentHash.of(source: src, target: dst))
        // A rebuild is byte-identical.
        #expect(try Fixture.records().map { $0.jsonLine() } == records.map { $0.jsonLine() })
    }

    @Test func phrasingsAreVariedAndStable() {
        for (task, options) in Prompts.phrasings { #expect(options.count >= 6, "\(task)") }
        let side = DatasetRecord.Side(platform: .github, stack: "node")
        let texts = Set((0..<60).map { Prompts.instruction(id: "pair-\($0)", task: "platform", source: side, target: .init(platform: .gitlab)) })
        #expect(texts.count >= 6)
        #expect(Prompts.instruction(id: "x", task: "deploy", source: .init(platform: .gitlab, cloud: "aws"), target: .init(platform: .gitlab, cloud: "gcp"))
                == Prompts.instruction(id: "x", task: "deploy", source: .init(platform: .gitlab, cloud: "aws"), target: .init(platform: .gitlab, cloud: "gcp")))
        let deploy = Prompts.instruction(id: "x", task: "deploy", source: .init(platform: .gitlab, cloud: "aws"), target: .init(platform: .gitlab, cloud: "gcp"))
        #expect(deploy.contains("AWS") || deploy.contains("Google Cloud"))
    }

    @Test(arguments: [
        ("id: a\ntask: platform\nsource: {platform: github}\ntarget: {platform: gitlab}\nlicense: MIT\nsource_file: x\n", "missing 'target_file'", ":1:1"),
        ("id: a\ntask: translate\nsource: {platform: github}\ntarget: {platform: gitlab}\nlicense: MIT\nsource_file: x\ntarget_file: y\n", "unknown task 'translate'", ":2:7"),
        ("id: a\ntask: platform\nsource: {platform: drone}\ntarget: {platform: gitlab}\nlicense: MIT\nsource_file: x\ntarget_file: y\n", "unknown platform 'drone'", ":3:20"),
        ("id: [a]\n", "'id' must be a string", ":1:5"),
        ("- a\n", "a pair file is a mapping", ":1:1"),
    ])
    func badPairFilesArePositioned(text: String, fragment: String, position: String) throws {
        let dir = try Fixture.tempDir()
        try Data(text.utf8).write(to: dir.appendingPathComponent("bad.yml"))
        let (records, errors) = try DatasetBuilder.build(pairsDir: dir.path)
        #expect(records.isEmpty)
        let e = try #require(errors.first)
        #expect(e.description.contains(fragment), "\(e)")
        #expect(e.description.contains("bad.yml\(position)"), "\(e)")
    }

    @Test func duplicateIdsAreRefused() throws {
        let dir = try Fixture.tempDir()
        let text = try String(contentsOfFile: Fixture.pairs + "/gh2gl-node-basic.yml", encoding: .utf8)
        try Data(text.utf8).write(to: dir.appendingPathComponent("a.yml"))
        try Data(text.utf8).write(to: dir.appendingPathComponent("b.yml"))
        let (records, errors) = try DatasetBuilder.build(pairsDir: dir.path)
        #expect(records.count == 1)
        #expect(errors.first?.message.contains("also used by") == true)
    }
}
