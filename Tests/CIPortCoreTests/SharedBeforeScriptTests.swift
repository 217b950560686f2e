import Foundation
import Testing
@testable import CIPortCore

/// A long before_script that several jobs run is written once (a step that saves it to a file,
/// a YAML anchor, aliases in the other jobs) and sourced by each job's script step, so that the
/// shell runs the same lines in the same order as GitLab's one shell did.
struct SharedBeforeScriptTests {
    /// A GitLab file whose top-level before_script defines 40 lines of shell functions.
    static func pipeline(extraLine: String = "", jobs: [String] = ["build", "test", "deploy"], tags: String? = nil) -> String {
        var functions = (0..<40).map { "  function step_\($0)() { echo \"step \($0) for $CI_COMMIT_SHA\"; }" }
        if !extraLine.isEmpty { functions.append("  " + extraLine) }
        var text = "before_script:\n  - |\n" + functions.map { "  " + $0 }.joined(separator: "\n") + "\n\n"
        for j in jobs {
            text += "\(j):\n"
            if let tags { text += "  tags: [\(tags)]\n" }
            text += "  script:\n    - step_1\n    - echo done \(j)\n\n"
        }
        return text
    }

    func convert(_ text: String) throws -> (text: String, workflow: YMapping, conversion: Conversion) {
        let c = try Translator.convert(text, file: ".gitlab-ci.yml", to: .github)
        let out = try #require(try YAMLLoader.load(c.output, file: "workflow.yml")?.mapping, "\(c.output)")
        return (c.output, out, c)
    }

    func steps(_ out: YMapping, _ job: String) throws -> [YMapping] {
        let items = try #require(out["jobs"]?.mapping?[job]?.mapping?["steps"]?.sequence?.items)
        return items.compactMap(\.mapping)
    }

    @Test func writtenOnceAndSourcedByEveryJob() throws {
        let (text, out, c) = try convert(Self.pipeline())
        // One anchor, an alias in each of the other two jobs.
        #expect(text.components(separatedBy: "- &before_script\n").count == 2, "\(text)")
        #expect(text.components(separatedBy: "- *before_script\n").count == 3)
        #expect(text.components(separatedBy: "function step_7()").count == 2, "the functions are written once")
        for job in ["build", "test", "deploy"] {
            let s = try steps(out, job)
            // checkout, the saving step, the script step.
            #expect(s.count == 3)
            let save = try #require(s[1]["run"]?.string)
            #expect(save.hasPrefix("cat > \"$RUNNER_TEMP/before_script.sh\" <<'CIPORT_BEFORE_SCRIPT'\n"))
            #expect(save.hasSuffix("\nCIPORT_BEFORE_SCRIPT"))
            #expect(save.contains("function step_39() { echo \"step 39 for $CI_COMMIT_SHA\"; }"))
            let run = try #require(s[2]["run"]?.string)
            let lines = run.split(separator: "\n").map(String.init)
            #expect(lines.first == ". \"$RUNNER_TEMP/before_script.sh\"", "\(run)")
            #expect(lines.last == "echo done \(job)")
            // The variable the before_script reads arrives where it runs: the script step.
            #expect(s[2]["env"]?.mapping?["CI_COMMIT_SHA"]?.string == "${{ github.sha }}")
        }
        // The aliased steps read back as the written one.
        #expect(try steps(out, "test")[1] == steps(out, "build")[1])
        // The ledger says where the before_script went: the saving step of the first job.
        #expect(c.ledger.entry("before_script[0]")?.target == "jobs.build.steps[1]")
        #expect(c.ledger.entry("build.script[0]")?.target == "jobs.build.steps[2]")
        #expect(Validator.validate(try #require(try YAMLLoader.load(text, file: "w.yml")), platform: .github)
            .filter { $0.severity == .error }.isEmpty)
    }

    @Test func runsTheSameLinesInTheSameShellOrder() throws {
        // Sourcing the saved file then running the script is the inline script, line for line.
        let (_, out, _) = try convert(Self.pipeline())
        let s = try steps(out, "deploy")
        let save = try #require(s[1]["run"]?.string)
        let body = save.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast().joined(separator: "\n")
        let run = try #require(s[2]["run"]?.string)
        let inlined = run.replacingOccurrences(of: ". \"$RUNNER_TEMP/before_script.sh\"", with: body)
        let short = try convert(Self.pipeline(jobs: ["deploy"])).workflow
        // With one job nothing is shared: the script is inline, and it is the same text.
        let single = try steps(short, "deploy")
        #expect(single.count == 2)
        #expect(try #require(single[1]["run"]?.string) == inlined)
    }

    /// Runs `script` with bash as GitHub runs a `run:` step (`bash -e`), in `temp` as RUNNER_TEMP.
    static func bash(_ script: String, temp: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["--noprofile", "--norc", "-eo", "pipefail", "-c", script]
        p.environment = ["RUNNER_TEMP": temp.path, "CI_COMMIT_SHA": "abc123", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theStepsRunAsTheInlineScriptRan() throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-before-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        let shared = try steps(convert(Self.pipeline(extraLine: "CIPORT_BEFORE_SCRIPT() { echo 'a line named like the delimiter'; }")).workflow, "test")
        let save = try #require(shared[1]["run"]?.string), run = try #require(shared[2]["run"]?.string)
        #expect(try Self.bash(save, temp: temp).isEmpty)
        let viaFile = try Self.bash(run, temp: temp)
        let inline = try #require(try steps(convert(Self.pipeline(extraLine: "CIPORT_BEFORE_SCRIPT() { echo 'a line named like the delimiter'; }",
                                                                   jobs: ["test"])).workflow, "test")[1]["run"]?.string)
        #expect(viaFile == "step 1 for abc123\ndone test\n")
        #expect(try Self.bash(inline, temp: temp) == viaFile)
    }

    @Test func aLineThatIsTheDelimiterGetsAnotherDelimiter() throws {
        let (_, out, _) = try convert(Self.pipeline(extraLine: "CIPORT_BEFORE_SCRIPT"))
        let save = try #require(try steps(out, "build")[1]["run"]?.string)
        #expect(save.hasSuffix("\nCIPORT_BEFORE_SCRIPT_1"), "\(save.suffix(80))")
        #expect(save.contains("\nCIPORT_BEFORE_SCRIPT\n"))
    }

    @Test func shortOrUnsharedBeforeScriptsStayInline() throws {
        let short = "before_script:\n  - echo setup\n\na:\n  script: [one]\n\nb:\n  script: [two]\n"
        let (text, out, _) = try convert(short)
        #expect(!text.contains("&before_script"))
        #expect(try steps(out, "a").count == 2)
        // Windows runners run PowerShell, which has no here-documents.
        let windows = try convert(Self.pipeline(tags: "saas-windows-medium-amd64")).text
        #expect(!windows.contains("&before_script"))
    }

    @Test func jobsWithTheirOwnBeforeScriptsAreNotShared() throws {
        var text = Self.pipeline(jobs: ["build", "test"])
        let own = (0..<40).map { "      echo own \($0)" }.joined(separator: "\n")
        text += "lint:\n  before_script:\n    - |\n\(own)\n  script: [lint]\n"
        let (out, workflow, _) = try convert(text)
        #expect(out.components(separatedBy: "- *before_script\n").count == 2, "one alias (test), lint writes its own inline")
        let lint = try steps(workflow, "lint")
        #expect(lint.count == 2)
        #expect(try #require(lint[1]["run"]?.string).contains("echo own 39"))
    }
}
