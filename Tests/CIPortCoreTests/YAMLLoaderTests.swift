import Testing
@testable import CIPortCore

/// The loader hands libyaml the text as its decoded working buffer instead of letting libyaml's
/// reader copy it character by character. Both ways must read every input to the same tree and
/// fail on the same inputs with the same message.
struct YAMLLoaderHandOffTests {
    static let inputs: [String] = [
        "", "a", "a: b", "a: b\n", "a: -", "- ", "-", "---\na: 1\n...\n", "a: [1, 2, {b: c}]", "? x\n: y\n",
        "k: |\n  line one\n  line two\n", "k: >-\n  folded\n  text\n\n", "k: \"esc \\u00e9 \\x41 \\n\"", "k: 'it''s'",
        "a: &x [1, 2]\nb: *x\n", "a: !reference [.x, script]\n", "crlf: 1\r\nnext: 2\r\n", "cr only\r",
        "bom: \u{FEFF}x", "\u{FEFF}lead: bom", "nel: a\u{85}b", "utf8: é ü ß", "cjk: 漢字", "emoji: 🚀 ✅", "pua: \u{E000}",
        "tab:\tvalue", "k: v # comment", "# only a comment\n", "k: \"unterminated", "a:\n  - b\n - c\n", "a: b: c",
        "dup: 1\ndup: 2\n", "k: v\n" + String(repeating: " ", count: 3), "end with dash -", "k: [", "{a: 1",
        "a:\n" + String(repeating: "  - x\n", count: 3), String(repeating: "long line ", count: 5000),
    ]

    static let badCharacters: [String] = [
        "k: v\u{07}", "k: \u{0}", "k: a\u{7F}", "k: \u{1B}[0m", "k: \u{9F}", "k: \u{FFFE}", "k: \u{FFFF}", "\u{1}",
    ]

    /// What the loader says of `text`: the tree (positions included) or the error's text.
    static func outcome(_ text: String, handOff: Bool) -> String {
        do {
            let node = try YAMLLoader.load(text, file: "t.yml", limits: .default, handOff: handOff)
            return node.map { "\($0)" } ?? "nil"
        } catch {
            return "error: \(error)"
        }
    }

    @Test(arguments: inputs + badCharacters)
    func handOffReadsAsLibyamlReads(_ text: String) {
        #expect(Self.outcome(text, handOff: true) == Self.outcome(text, handOff: false))
    }

    @Test(arguments: badCharacters)
    func charactersYAMLForbidsStillFail(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { EventComposer.yamlCharacterCount($0) } == nil)
        let message = Self.outcome(text, handOff: true)
        #expect(message.contains("control characters are not allowed"), "\(message)")
    }

    @Test func characterCountIsScalarCount() {
        for text in Self.inputs {
            let n = Array(text.utf8).withUnsafeBufferPointer { EventComposer.yamlCharacterCount($0) }
            #expect(n == text.unicodeScalars.count, "\(text.debugDescription)")
        }
    }

    @Test func characterCountMatchesAScalarByScalarReading() {
        // Eight bytes at a time: chunks of printable ASCII, line breaks, tabs, DEL, controls and
        // longer characters at every offset.
        let pieces = ["a", "Z", " ", "~", "\n", "\t", "\r", "\u{7F}", "\u{1}", "é", "漢", "🚀", "\u{85}", "\u{9F}", "\u{FEFF}",
                      "\u{FFFE}", "abcdefgh", "0123456789", "        "]
        var state: UInt64 = 0x1234_5678
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<5000 {
            let text = (0..<(next() % 24)).map { _ in pieces[next() % pieces.count] }.joined()
            let allowed = text.unicodeScalars.allSatisfy { u in
                let v = u.value
                return v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0x7E) || v == 0x85 || (v >= 0xA0 && v <= 0xD7FF)
                    || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
            }
            let n = Array(text.utf8).withUnsafeBufferPointer { EventComposer.yamlCharacterCount($0) }
            #expect(n == (allowed ? text.unicodeScalars.count : nil), "\(text.debugDescription)")
        }
    }

    @Test(.enabled(if: TestPaths.hasCorpus, "needs the corpus (CIPORT_CORPUS)"))
    func everyCorpusFileAndItsTranslationReadTheSame() throws {
        let files = TestPaths.corpusFiles("github-starter-workflows") + TestPaths.corpusFiles("gitlab-templates")
        #expect(files.count > 100)
        for f in files {
            #expect(Self.outcome(f.text, handOff: true) == Self.outcome(f.text, handOff: false), "\(f.name)")
            if let c = try? Translator.convert(f.text, file: f.name) {
                #expect(Self.outcome(c.output, handOff: true) == Self.outcome(c.output, handOff: false), "\(f.name) output")
            }
        }
    }
}
