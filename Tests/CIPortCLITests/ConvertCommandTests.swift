import Foundation
import Testing

struct ConvertCommandTests {
    static let workflow = """
    on: push
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: make test
          - uses: some-org/unknown-action@v1
    """

    @Test func stdinToStdoutWithDashes() throws {
        let r = try CLI.run(["convert", "-", "--to", "gitlab", "-o", "-"], stdin: Data(Self.workflow.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("script:") && r.stdout.contains("make test"))
        #expect(r.stderr.contains("<stdin> → GitLab CI:"))
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    @Test func strictExitsOneWhenSomethingIsLostAndWritesTheLedger() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("ci.yml")
        try Data(Self.workflow.utf8).write(to: src)
        let out = dir.appendingPathComponent("out/.gitlab-ci.yml")
        let r = try CLI.run(["convert", src.path, "-o", out.path, "--strict", "--report", "sarif"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("lost: jobs.test.steps[2].uses"), "\(r.stderr)")
        let sarif = try String(contentsOf: URL(fileURLWithPath: out.path + ".sarif"), encoding: .utf8)
        #expect(sarif.contains("\"ruleId\" : \"ciport/lost\"") && sarif.contains("\"startLine\" : 8"), "\(sarif)")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    @Test func directoryModeConvertsEveryWorkflowAndPrintsATable() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wf = dir.appendingPathComponent("repo/.github/workflows")
        try FileManager.default.createDirectory(at: wf, withIntermediateDirectories: true)
        try Data(Self.workflow.utf8).write(to: wf.appendingPathComponent("a.yml"))
        try Data(Self.workflow.replacingOccurrences(of: "make test", with: "make lint").utf8).write(to: wf.appendingPathComponent("b.yaml"))
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["convert", dir.appendingPathComponent("repo").path, "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 of 2 converted"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["a.gitlab-ci.yml", "b.gitlab-ci.yml"])
    }

    @Test func validateReportsPositionedErrors() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent(".gitlab-ci.yml")
        try Data("stages: [test]\nbuild:\n  stage: test\n  scirpt: make\n".utf8).write(to: f)
        let r = try CLI.run(["validate", f.path])
        #expect(r.status == 65)
        #expect(r.stdout.contains("\(f.path):4:3: error: unknown key 'scirpt'"), "\(r.stdout)")
    }
}
