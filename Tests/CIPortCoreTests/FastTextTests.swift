import Foundation
import Testing
@testable import CIPortCore

/// A fixed pseudo-random generator, so every run checks the same strings.
private struct Fuzz {
    var state: UInt64

    mutating func next(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }

    /// `count` strings glued from `pieces`, up to `length` pieces each.
    mutating func strings(_ pieces: [String], count: Int, length: Int = 12) -> [String] {
        (0..<count).map { _ in (0..<next(length + 1)).map { _ in pieces[next(pieces.count)] }.joined() }
    }
}

/// Tokens the writer's scanners care about, and their near misses.
private let tokens = [
    "${{", "}}", "{{", "}", "{", "$", "|", " ", "\t", "\n", "\r\n", "\r", "\u{0B}", "matrix.", "matrix", "steps.",
    ".outputs.", "outputs", "step", "a", "Z", "0", "9", "-", "_", ".", "@", "/", "docker ", "docker", "build ", "buildx ",
    "run ", "compose ", ";", "&", "(", "http://", "https://", "\"", "`", "\\", "node-version", "x",
]

/// The same with text where Unicode matters: a combining mark, KELVIN SIGN, GREEK VARIA, no-break
/// and zero-width spaces, a line separator, an emoji.
private let unicodeTokens = tokens + ["\u{301}", "\u{212A}", "\u{1FEF}", "\u{A0}", "\u{200B}", "\u{2028}", "\u{85}", "é", "🚀"]

/// Scalars around every blank, newline and line terminator Foundation or ICU knows, and a few others.
private let sweep: [Unicode.Scalar] = (Array(0...0x2FF) + [0x1680, 0x180E, 0x3000, 0xFEFF, 0x1F680] + Array(0x2000...0x206F))
    .compactMap(Unicode.Scalar.init)

private func regexMatches(_ pattern: String, _ s: String) -> [[String]] {
    let re = try! NSRegularExpression(pattern: pattern)
    let ns = s as NSString
    return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { m in
        (0..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
    }
}

private func regexFinds(_ pattern: String, _ s: String) -> Bool {
    s.range(of: pattern, options: .regularExpression) != nil
}

/// Each scanner against the Foundation or Character-based code it replaced.
struct FastTextTests {
    @Test func containsAnswersAsFoundationDoes() {
        var f = Fuzz(state: 1)
        let texts = f.strings(unicodeTokens, count: 3000) + ["a\u{212A}b", "test\u{301}", "${{\u{301}", "", "$"]
        for s in texts {
            for needle in ["${{", "matrix.", "GITHUB_ENV", "dind", "$", "K", "test", "`"] {
                #expect(FastText.contains(s, needle) == (s.range(of: needle) != nil), "\(s.debugDescription) ∋ \(needle)")
            }
            #expect(FastText.contains(s, "${{" as StaticString) == (s.range(of: "${{") != nil))
        }
        #expect(!FastText.contains("abc", ""))
    }

    @Test func trimmingMatchesCharacterSets() {
        var texts: [String] = []
        for u in sweep { texts += ["\(u)", "\(u)a\(u)", "a\(u)b", " \(u)"] }
        var f = Fuzz(state: 2)
        texts += f.strings(unicodeTokens, count: 2000) + ["", " \u{301}a", "\u{3000}x\u{200B}"]
        for s in texts {
            #expect(FastText.trimmed(s) == s.trimmingCharacters(in: .whitespaces), "\(s.debugDescription)")
            #expect(FastText.trimmed(s, newlines: true) == s.trimmingCharacters(in: .whitespacesAndNewlines), "\(s.debugDescription)")
            #expect(FastText.trimmed(Substring(s)) == s.trimmingCharacters(in: .whitespaces))
            #expect(FastText.isBlank(s) == s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(s.debugDescription)")
        }
    }

    @Test func dockerCommandsAsTheRegexFoundThem() {
        let pattern = #"(^|[\s;&|(])docker (build|push|run|login|tag|buildx|compose) "#
        var texts = ["docker build .", "docker build ", "sudo docker push x", "x;docker run a", "(docker login u)", "mydocker build ",
                     "docker  build ", "docker buildx build .", "a\n  docker compose up", "docker\tbuild ", "echo docker tag "]
        for u in sweep { texts.append("x\(u)docker tag y") }
        var f = Fuzz(state: 3)
        texts += f.strings(unicodeTokens + ["push ", "login ", "tag "], count: 4000)
        for s in texts {
            #expect(FastText.runsDockerCommand(s) == regexFinds(pattern, s), "\(s.debugDescription)")
        }
    }

    @Test func stepOutputReferencesAsTheRegexFoundThem() {
        var f = Fuzz(state: 4)
        let pieces = ["steps.", ".outputs.", "build", "Tag-1", "_x", ".", " ", "${{ ", " }}", "outputs", "steps", "é", "\u{301}"]
        let texts = f.strings(pieces, count: 4000) + ["steps.a.outputs.b", "steps.a.outputs.", "steps..outputs.b",
                                                     "steps.a.outputs.bsteps.c.outputs.d", "steps.A.outputs.B-c.d"]
        for s in texts {
            var found: [[String]] = []
            FastText.stepOutputMatches(s, needName: true) { b, id, name in
                found.append([String(decoding: UnsafeBufferPointer(rebasing: b[id]), as: UTF8.self),
                              String(decoding: UnsafeBufferPointer(rebasing: b[name]), as: UTF8.self)])
                return true
            }
            let expected = regexMatches(#"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)"#, s).map { Array($0.dropFirst()) }
            #expect(found == expected, "\(s.debugDescription)")
            #expect(FastText.readsStepOutput(s) == regexFinds(#"steps\.[A-Za-z0-9_-]+\.outputs\."#, s), "\(s.debugDescription)")
        }
        let job = Job(id: "j", pos: SourcePos(file: "ci.yml", line: 1, column: 1))
        var j = job
        j.steps = [Step(.run("echo ${{ steps.Meta.outputs.Tags }} steps.x.outputs.y-z"), pos: job.pos)]
        #expect(GitLabWriterState.stepOutputRefs(j) == [["meta", "tags"], ["x", "y-z"]])
    }

    @Test func environmentURLsAsTheRegexFoundThem() {
        var texts = ["https://x", "http://", "https://", "http://\n", "$URL", "$1", "$", "ftp://x", "https:// x", "HTTPS://x", "$é"]
        for u in sweep { texts += ["https://\(u)", "$\(u)"] }
        for s in texts {
            #expect(FastText.isURLOrVariable(s) == regexFinds(#"^(https?://.+|\$[A-Za-z]+)"#, s), "\(s.debugDescription)")
        }
    }

    @Test func escapingAsReplacingOccurrencesDid() {
        var f = Fuzz(state: 5)
        for s in f.strings(unicodeTokens, count: 2000) + ["a\u{1FEF}b", "plain"] {
            #expect(FastText.escapingQuotes(s) == s.replacingOccurrences(of: "\"", with: "\\\""))
            #expect(FastText.escapingForDoubleQuotes(s) == s.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "`", with: "\\`"))
        }
    }

    @Test func matrixReferencesAsTheCharacterLoopRewroteThem() {
        var f = Fuzz(state: 6)
        let pieces = ["${{", "}}", " ", "\t", "matrix.", "node-version", "os", "_", "-", ".", "x", "}", "{", "\r\n", "$", "matrix"]
        for s in f.strings(pieces, count: 5000) + ["${{ matrix.os }}", "a ${{ matrix. }} b", "${{matrix.a-b}}${{ matrix.c.d }}", "x ${{ matrix.y"] {
            #expect(GitLabWriterState.rewriteMatrixRefsASCII(s) == GitLabWriterState.rewriteMatrixRefsCharacters(s), "\(s.debugDescription)")
        }
        #expect(GitLabWriterState.rewriteMatrixRefsASCII("é ${{ matrix.os }}") == nil)
        // An unterminated `${{` is kept once (the text before it was written twice).
        for s in ["echo ${{ matrix.os }} ${{ oops", "run matrix.x ${{ oops", "é matrix.x ${{ oops"] {
            let head = String(s[..<s.range(of: "${{ oops")!.lowerBound])
            #expect(GitLabWriterState.rewriteMatrixRefs(s) == GitLabWriterState.rewriteMatrixRefs(head) + "${{ oops")
        }
    }

    @Test func templatesParseAsByCharacters() {
        var f = Fuzz(state: 7)
        let pieces = ["{{", "}}", "{", "}", "|", " ", "\t", "node-version", "a", "b c", "\r\n", "\n", "x|y"]
        for s in f.strings(pieces, count: 5000) {
            #expect(Template.parseASCII(s) == Template.parseCharacters(s), "\(s.debugDescription)")
        }
        #expect(Template.parseASCII("ü{{a}}") == nil)
    }

    @Test func actionRefsSplitAsByCharacters() {
        var f = Fuzz(state: 8)
        let pieces = ["actions/", "Checkout", "@", "v4", "/", " ", "\t", "main", "@@", "docker://", "./x", "a"]
        for s in f.strings(pieces, count: 5000) {
            let fast = ActionRef.parseASCII(s)
            let slow = ActionRef.parseCharacters(s)
            #expect(fast?.name == slow.name && fast?.ref == slow.ref, "\(s.debugDescription)")
        }
        #expect(ActionRef.parseASCII("Ünïcode/x@v1") == nil)
        #expect(ActionRef("Ünïcode/X@v1").name == "ünïcode/x")
    }

    @Test func linesSplitAsByCharacters() {
        var f = Fuzz(state: 9)
        for s in f.strings(unicodeTokens, count: 3000) {
            let expected = s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(ActionRenderer.nonEmptyLines(s) == expected, "\(s.debugDescription)")
        }
    }

    @Test func replacementsSkippedOnlyWhenTheyChangeNothing() {
        var f = Fuzz(state: 10)
        for s in f.strings(unicodeTokens + ["{", "}", "${", "/"], count: 3000) {
            let t = FastText.trimmed(s).dropFirst()
            #expect(FastText.trimmingBraces(t) == t.trimmingCharacters(in: CharacterSet(charactersIn: "{}")), "\(s.debugDescription)")
            var key = s.replacingOccurrences(of: "/", with: "-")
            if key.isEmpty || key == "." || key == ".." { key = "cache" }
            #expect(GitLabWriterState.cacheKey(s) == key)
        }
    }

    /// Every bundled entry renders the same from the catalog's prepared data as from the entry alone,
    /// and its outputs alone are those of the whole rendering.
    @Test func preparedEntriesRenderAsTheEntryAlone() throws {
        let catalog = ActionCatalog.bundled
        try #require(!catalog.entries.isEmpty)
        let pos = SourcePos(file: "ci.yml", line: 3, column: 5)
        for entry in catalog.entries {
            var step = Step(.uses(entry.action + "@v2"), pos: pos)
            step.with = entry.knownInputs.sorted().enumerated().map { i, k in
                KeyValue(k, i % 2 == 0 ? "value-\(i)" : "${{ matrix.k\(i) }}", pos: pos)
            }
            var alone = ActionRenderer(entry: entry, step: step, ref: ActionRef(entry.action + "@v2"), dialect: .github)
            let full = catalog.translate(step, dialect: .github)
            #expect(full == alone.render(), "\(entry.action)")
            // The outputs alone, as the writer's output plan asks for them.
            #expect(catalog.outputs(step, dialect: .github, expressions: Expressions.Options()) == full?.outputs, "\(entry.action)")
        }
    }

    @Test func catalogLookupTakesTheLastEntryAndSeesChanges() {
        var c = ActionCatalog(entries: [ActionEntry(action: "Acme/Tool", kind: .script), ActionEntry(action: "acme/tool", kind: .setup)])
        #expect(c.lookup("ACME/tool@v1")?.kind == .setup)
        #expect(c.lookup("acme/other@v1") == nil)
        c.entries.append(ActionEntry(action: "acme/other", kind: .implicit))
        #expect(c.lookup("acme/other@v1")?.kind == .implicit)
        c.entries.removeAll()
        #expect(c.lookup("acme/tool") == nil)
    }
}
