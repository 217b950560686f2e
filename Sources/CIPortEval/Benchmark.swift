import CIPortCore
import Foundation

/// One chat turn, as the dataset and the chat-completions protocol both spell it.
public struct ChatMessage: Sendable, Codable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// One benchmark case: a dataset record split into the prompt an engine sees and the reference it is
/// scored against.
public struct BenchCase: Sendable, Equatable {
    public var id: String
    /// `platform` | `stack` | `deploy` (whatever the record says; grouping does not depend on the set).
    public var task: String
    /// Platform names as the record spells them (the dataset also names platforms ciport cannot read).
    public var sourcePlatform: String
    public var targetPlatform: String
    /// System and user turns; the reference assistant turn is never sent to an engine.
    public var prompt: [ChatMessage]
    /// The source file (the user turn's fenced block), nil when the record has none.
    public var sourceText: String?
    /// The reference target file (the assistant turn's fenced block), nil when the record has none.
    public var reference: String?
    /// Where the record is, for messages (`file:line`).
    public var location: String

    public init(id: String, task: String, sourcePlatform: String, targetPlatform: String, prompt: [ChatMessage],
                sourceText: String?, reference: String?, location: String) {
        self.id = id
        self.task = task
        self.sourcePlatform = sourcePlatform
        self.targetPlatform = targetPlatform
        self.prompt = prompt
        self.sourceText = sourceText
        self.reference = reference
        self.location = location
    }

    public var source: Platform? { Platform(rawValue: sourcePlatform) }
    public var target: Platform? { Platform(rawValue: targetPlatform) }
    /// The platform pair label used in aggregates and metric labels (ASCII: label values travel far).
    public var pair: String { "\(sourcePlatform)->\(targetPlatform)" }
}

/// Reading benchmarks: the dataset's JSONL (`messages` + `meta`), one file or a directory of them.
public enum Benchmark {
    /// The default benchmark, relative to the project root: the bundled dataset's test split.
    public static let defaultPath = "data/splits/test.jsonl"

    /// The shape we need of a dataset record. Decoded loosely on purpose: the dataset may name platforms
    /// ciport does not read (Jenkins, Travis…) and add fields; a benchmark must still load.
    private struct Record: Decodable {
        struct Side: Decodable { var platform: String }
        struct Meta: Decodable {
            var id: String
            var task: String?
            var source: Side
            var target: Side
        }
        var messages: [ChatMessage]
        var meta: Meta?
        var id: String?
    }

    /// The `.jsonl` files a path names: the file itself, or a directory's, sorted by name.
    public static func files(at path: String) throws(InputError) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(SourcePos(file: path, line: 0, column: 0), "no such file or directory")
        }
        guard isDir.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.hasSuffix(".jsonl") }.sorted().map { (path as NSString).appendingPathComponent($0) }
        if files.isEmpty {
            throw InputError(SourcePos(file: path, line: 0, column: 0), "no .jsonl files in this directory")
        }
        return files
    }

    /// Every case of a benchmark. A line that is not a record is an input error naming the line: a
    /// benchmark with a broken line is not scored at all, since its figures would not be comparable.
    /// A record whose reference does not parse still loads; scoring counts it as a benchmark error.
    public static func load(_ path: String) throws(InputError) -> [BenchCase] {
        var cases: [BenchCase] = []
        var seen: [String: String] = [:]
        for file in try files(at: path) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw InputError(SourcePos(file: file, line: 0, column: 0), "cannot read the file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw InputError(SourcePos(file: file, line: 0, column: 0), "not UTF-8 text")
            }
            var lineNo = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNo += 1
                if line.allSatisfy(\.isWhitespace) { continue }
                let pos = SourcePos(file: file, line: lineNo, column: 1)
                let c = try parse(String(line), pos: pos)
                if let first = seen[c.id] {
                    throw InputError(pos, "duplicate case id '\(c.id)' (first at \(first))")
                }
                seen[c.id] = c.location
                cases.append(c)
            }
        }
        return cases
    }

    static func parse(_ line: String, pos: SourcePos) throws(InputError) -> BenchCase {
        let r: Record
        do { r = try JSONDecoder().decode(Record.self, from: Data(line.utf8)) } catch {
            throw InputError(pos, "not a dataset record (\(describe(error)))")
        }
        guard let meta = r.meta else { throw InputError(pos, "record has no 'meta' (id, task, source, target)") }
        guard let user = r.messages.last(where: { $0.role == "user" }) else {
            throw InputError(pos, "record '\(meta.id)' has no user message")
        }
        let prompt = r.messages.last?.role == "assistant" ? Array(r.messages.dropLast()) : r.messages
        let answer = r.messages.last?.role == "assistant" ? r.messages.last!.content : nil
        return BenchCase(id: meta.id, task: meta.task ?? "platform", sourcePlatform: meta.source.platform,
                         targetPlatform: meta.target.platform, prompt: prompt,
                         sourceText: Fence.body(user.content), reference: answer.map { Fence.body($0) ?? $0 },
                         location: "\(pos.file):\(pos.line)")
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted:
            return "invalid JSON"
        default:
            return "\(error)"
        }
    }
}

/// Fenced code blocks in chat text.
public enum Fence {
    /// The text inside the first fenced block, up to the last closing fence (a YAML block scalar may
    /// itself hold a fence), or nil when there is no block. The same rule as the dataset's, so a model
    /// answer and a reference are cut the same way.
    public static func body(_ content: String) -> String? {
        // On UTF-8 bytes: Foundation's range(of:) was a measurable share of scoring time.
        let u = Array(content.utf8)
        func fence(at i: Int) -> Bool { i + 2 < u.count && u[i] == 0x60 && u[i + 1] == 0x60 && u[i + 2] == 0x60 }
        guard let open = u.indices.first(where: fence(at:)) else { return nil }
        guard let eol = u[(open + 3)...].firstIndex(of: 0x0A) else { return nil }
        let start = eol + 1
        var close: Int?
        var i = u.count - 4
        while i >= start - 1 {
            if u[i] == 0x0A && fence(at: i + 1) { close = i; break }
            i -= 1
        }
        guard let close, close >= start else {
            // An unclosed block (an answer cut at max tokens): everything after the opening line.
            if close == start - 1 { return "" }
            return String(decoding: u[start...], as: UTF8.self)
        }
        return String(decoding: u[start..<close], as: UTF8.self) + "\n"
    }

    /// A model's answer as a file: the fenced block when there is one, else the whole answer.
    public static func answerFile(_ content: String) -> String { body(content) ?? content }

    public static func wrap(_ text: String) -> String {
        var t = text
        while t.hasSuffix("\n") { t.removeLast() }
        return "```yaml\n\(t)\n```"
    }
}
