import CIPortCore
import Foundation
import Testing
@testable import CIPortDataset

struct ValidateTests {
    @Test func fixtureRecordsAreValid() async throws {
        let dir = try Fixture.tempDir()
        let file = dir.appendingPathComponent("pairs.jsonl")
        try Fixture.write(try Fixture.records().map { $0.jsonLine() }, to: file)
        let (lines, summary) = try await Fixture.validate([dir.path])
        #expect(lines.isEmpty, "\(lines)")
        #expect(summary.records == 3 && summary.badRecords == 0 && summary.files == 1)
    }

    /// Each broken line is named by its line number with the reason; good lines pass.
    @Test func badRecordsAreNamedByLine() async throws {
        let records = try Fixture.records()
        let good = records[0].jsonLine()
        var wrongRoles = records[1]
        wrongRoles.messages.swapAt(1, 2)
        var unknownTask = records[1]
        unknownTask.meta.task = "rewrite"
        var badHash = records[2]
        badHash.meta.hash = String(repeating: "0", count: 64)
        let file = try Fixture.tempDir().appendingPathComponent("data.jsonl")
        var bytes = Data()
        let lines: [Data] = [
            Data(good.utf8),                                                     // 1 ok
            Data(good.dropLast(40).utf8),                                        // 2 truncated
            Data(#"{"messages": "hello", "meta": {}}"#.utf8),                   // 3 wrong type
            Data(#"{"messages": [], "meta": "#.utf8) + Data([0xFF, 0xFE]) + Data("}".utf8), // 4 not UTF-8
            Data(wrongRoles.jsonLine().utf8),                                    // 5 roles order
            Data(unknownTask.jsonLine().utf8),                                   // 6 unknown task
            Data(good.replacingOccurrences(of: #""platform":"gitlab""#, with: #""platform":"drone""#).utf8), // 7 unknown platform
            Data(good.utf8),                                                     // 8 duplicate of 1
            Data(badHash.jsonLine().utf8),                                       // 9 hash mismatch
            Data(records[1].jsonLine().utf8),                                    // 10 ok
            Data("[1, 2]".utf8),                                                 // 11 not an object
        ]
        for l in lines { bytes += l + Data([0x0A]) }
        try bytes.write(to: file)
        let (out, summary) = try await Fixture.validate([file.path])
        let expected: [(Int, String)] = [
            (2, "truncated JSON"), (3, "'messages' must be an array, not a string"), (4, "not UTF-8 text (byte 0xFF"),
            (5, "messages[1] is 'assistant' where 'user' belongs"), (6, "unknown meta.task 'rewrite'"),
            (7, "unknown meta.target.platform 'drone'"), (8, "duplicate of \(file.path):1"), (9, "meta.hash does not match"),
            (11, "a record is a JSON object, not an array"),
        ]
        #expect(out.count == expected.count, "\(out.joined(separator: "\n"))")
        for ((line, fragment), got) in zip(expected, out) {
            #expect(got.hasPrefix("\(file.path):\(line): error: "), "\(got)")
            #expect(got.contains(fragment), "\(got)")
        }
        #expect(summary.records == 11 && summary.badRecords == 9 && summary.duplicates == 1)
    }

    @Test func brokenFilesAndLowFactScoresAreErrors() async throws {
        let records = try Fixture.records()
        // The target is valid GitLab CI but does something else entirely.
        let other = "deploy:\n  image: alpine:3\n  script:\n    - ./ship.sh\n"
        let src = try #require(Prompts.unfence(records[0].messages[1].content))
        let unrelated = DatasetRecord.make(id: "bad-f1", task: "platform", source: records[0].meta.source, target: records[0].meta.target,
                                           sourceFile: src, targetFile: other, provenance: "authored", license: "MIT")
        let broken = DatasetRecord.make(id: "bad-yaml", task: "platform", source: records[0].meta.source, target: records[0].meta.target,
                                        sourceFile: src, targetFile: "test:\n  script: [a\n", provenance: "authored", license: "MIT")
        let file = try Fixture.tempDir().appendingPathComponent("x.jsonl")
        try Fixture.write([unrelated.jsonLine(), broken.jsonLine()], to: file)
        let (out, _) = try await Fixture.validate([file.path])
        #expect(out.count == 2)
        #expect(out.first?.contains(":1: error: target's facts match the source's at F1 0.") == true, "\(out)")
        #expect(out.first?.contains("under 0.30") == true)
        #expect(out.last?.contains(":2: error: target does not parse as GitLab CI: target file:") == true, "\(out)")
        // A lower threshold lets the first one through.
        var lenient = DatasetValidator.Options()
        lenient.minF1 = 0
        #expect(try await Fixture.validate([file.path], options: lenient).lines.count == 1)
    }

    @Test func nearDuplicatesAndLeakageAcrossSplits() async throws {
        let records = try Fixture.records()
        let dir = try Fixture.tempDir()
        // One changed word in a whole pair: a near-duplicate, not an exact one.
        let near = records[0].editingTarget("npm run build", "npm run bundle")
        try Fixture.write([records[0].jsonLine(), records[1].jsonLine(), near.jsonLine()], to: dir.appendingPathComponent("train.jsonl"))
        try Fixture.write([records[2].jsonLine(), records[1].jsonLine()], to: dir.appendingPathComponent("test.jsonl"))
        // The fixture pairs are short (about 200 tokens), so one changed word moves the estimate near
        // 0.9; a lower threshold keeps this test about reporting, not about estimator noise.
        var options = DatasetValidator.Options()
        options.nearDup = 0.8
        let (out, summary) = try await Fixture.validate([dir.path], options: options)
        let train = dir.appendingPathComponent("train.jsonl").path, test = dir.appendingPathComponent("test.jsonl").path
        #expect(out.count == 2, "\(out)")
        // Files are read in name order: test.jsonl first.
        #expect(out.contains { $0.hasPrefix("\(train):2: error: leak across splits: same content as \(test):2") })
        #expect(out.contains { $0.hasPrefix("\(train):3: error: near-duplicate of \(train):1 (Jaccard ≈ 0.") })
        #expect(summary.leaks == 1 && summary.nearDuplicates == 1)
    }

    /// About 50 MB streamed in 1 MB chunks: completes, and bad lines deep in the file keep their numbers.
    @Test func largeFileIsStreamedWithRightLineNumbers() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big.jsonl")
        try DatasetBench.generate(count: 24_000, to: file.path)
        // Corrupt line 12,345 in place and append a truncated last line without a newline.
        let handle = try FileHandle(forUpdating: file)
        var lineStart: UInt64 = 0, line = 1
        for l in try JSONLReader(path: file.path) {
            if l.number == 12_345 { break }
            lineStart += UInt64(l.bytes.count + 1)
            line = l.number + 1
        }
        #expect(line == 12_345)
        try handle.seek(toOffset: lineStart)
        try handle.write(contentsOf: Data(#"{"messages": 42"#.utf8))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"messages": [{"role": "user""#.utf8))
        try handle.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber).intValue
        #expect(size > 40_000_000)
        var options = DatasetValidator.Options()
        // Streaming and numbering are the point here: leave the (slow in debug builds) YAML checks out.
        options.checkFiles = false
        let (out, summary) = try await Fixture.validate([file.path], options: options)
        #expect(summary.records == 24_001)
        let numbered = out.map { String($0.dropFirst(file.path.count + 1).prefix { $0 != ":" }) }
        #expect(numbered == ["12345", "24001"], "\(out.prefix(3))")
    }

    @Test func oversizedLinesAreReportedNotBuffered() throws {
        let file = try Fixture.tempDir().appendingPathComponent("long.jsonl")
        try Fixture.write(["{}", String(repeating: "x", count: 3_000), "{}"], to: file)
        var reader = try JSONLReader(path: file.path)
        reader.maxLineBytes = 1_000
        reader.chunkSize = 256
        let lines = Array(reader)
        #expect(lines.map(\.number) == [1, 2, 3])
        #expect(lines[1].oversized == 3_000 && lines[1].bytes.isEmpty)
        #expect(lines[2].bytes == Data("{}".utf8))
    }

    @Test func missingInputIsAnError() async throws {
        await #expect(throws: DatasetError.self) { _ = try await Fixture.validate(["/nonexistent/x.jsonl"]) }
    }
}

