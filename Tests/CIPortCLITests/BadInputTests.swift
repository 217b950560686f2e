import Foundation
import Testing

/// Runs the real `ciport` binary (built by `swift build`, or CIPORT_BIN) as a user would.
enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        ProcessInfo.processInfo.environment["CIPORT_BIN"] ?? repo.appendingPathComponent(".build/debug/ciport").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

struct BadInputTests {
    /// Hostile or broken inputs, each with the line:col and message fragment the error must carry.
    static let cases: [(name: String, content: Data, position: String, fragment: String)] = {
        var c: [(String, Data, String, String)] = []
        c.append(("malformed.yml", Data("on: push\njobs:\n  build:\n    runs-on: [ubuntu\n    steps: x\n".utf8), ":5:", "invalid YAML"))
        c.append(("not-utf8.yml", Data("name: ok\njobs:\n  a: \u{1}".utf8) + Data([0xFF, 0xFE, 0x41]), ":3:", "not UTF-8"))
        c.append(("duplicate.yml", Data("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n  build:\n    runs-on: x\n".utf8), ":5:3", "duplicate key 'build' in a mapping (first at 3:3)"))
        c.append(("needs-cycle.yml", Data("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: b\n    steps:\n      - run: echo a\n  b:\n    runs-on: ubuntu-latest\n    needs: a\n    steps:\n      - run: echo b\n".utf8), ":10:12", "jobs need each other in a circle (a → b → a)"))
        c.append(("not-a-workflow.yml", Data("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n".utf8), ":1:1", "not a GitHub workflow"))
        c.append(("list.yml", Data("- a\n- b\n".utf8), ":1:1", "top level is a list"))
        c.append(("empty.yml", Data("".utf8), ":1:1", "empty file"))
        // Billion laughs: 9 levels of 9 aliases each expand to 9^9 nodes; parsing is cheap, walking is not.
        var bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for i in 1..<names.count {
            let p = names[i - 1]
            bomb += "\(names[i]): &\(names[i]) [" + Array(repeating: "*\(p)", count: 9).joined(separator: ",") + "]\n"
        }
        bomb += "jobs:\n  x:\n    script: *i\n"
        c.append(("alias-bomb.yml", Data(bomb.utf8), ":", "more than"))
        c.append(("deep-flow.yml", Data(("x: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n").utf8), ":1:", "nesting"))
        c.append(("deep-block.yml", Data(("x:\n  " + String(repeating: "- ", count: 10_000) + "y\n").utf8), ":2:", "nesting"))
        var big = "stages: [test]\n"
        let line = "# padding padding padding padding padding padding padding padding padding padding\n"
        big += String(repeating: line, count: 50 * 1024 * 1024 / line.utf8.count)
        c.append(("huge.yml", Data(big.utf8), ":1:1", "limit"))
        return c
    }()

    @Test(arguments: cases.map(\.name))
    func badInputGetsOnePositionedErrorAndNoOutput(_ name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent(c.name)
        try c.content.write(to: src)
        let out = dir.appendingPathComponent("out.yml")
        let r = try CLI.run(["convert", src.path, "-o", out.path])
        #expect(r.status == 65, "\(name): status \(r.status), stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(name): expected one line, got: \(r.stderr.prefix(500))")
        let first = String(lines.first ?? "")
        #expect(first.hasPrefix(src.path + c.position), "\(name): \(first)")
        #expect(first.contains("error:"), "\(name): \(first)")
        #expect(first.contains(c.fragment), "\(name): \(first)")
        #expect(r.stdout.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != c.name }
        #expect(left.isEmpty, "\(name): left behind \(left)")
    }

    @Test func missingInputExits66() throws {
        let r = try CLI.run(["convert", "/nonexistent/ci.yml"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("/nonexistent/ci.yml: error: no such file"))
    }

    @Test func unknownTargetIsAUsageError() throws {
        let r = try CLI.run(["convert", "x.yml", "--to", "jenkins"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("jenkins"))
    }
}
