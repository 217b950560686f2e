import Foundation
import Testing
@testable import CIPortCore

/// The byte-level `YAMLWriter` against the `String`-appending one it replaced (kept below as the
/// oracle): the same text for every tree the writers build from the corpus, for random trees and
/// for scalars chosen to hit every quoting rule.
struct YAMLWriterOracleTests {
    static let scalars: [String] = [
        "plain", "on", "yes", "3.10", "1e3", "0x1F", "- item", "a: b", "x #y", "*alias", "!tag", "", " lead", "trail ",
        "multi\nline\n", "multi\nline", "two trailing\n\n", "  indented first\nline\n", "it's", "quote\"d", "tab\there",
        "${{ github.ref }}", "$CI_COMMIT_SHA", "2024-01-01", "~", "@scope/pkg", "%s", "`cmd`", "a\r\nb", "ctrl\u{07}",
        "key:", "- ", "---", "-1", "./build.sh", "null", "=", "<<", "-\u{301}", "- \u{301}x", "---\u{301}", "--\u{301}-",
        "é", "\u{85}x", "a\u{9F}", "\u{A0}", "bom\u{FEFF}", "line\u{2028}sep", "para\u{2029}", "\u{2027}", "ü: x",
        "x:", "x: ", "a #", "a#b", "\u{7F}", "\t", "null ", "Null", "NULL", "nulls", "False", "FALSE!", "<", "<<<", "=x",
        "1_000", "+1", ".inf", ".NaN", ".5", "1:30", "0o17", "0b1", "2024-1", "20240101", "日本語", "🚀 launch",
        "line one\n  indented\n", "ends\n\n\n", " \nx", "x\n ", "x\t\ny", "\u{0}", "a\\b",
    ]

    @Test func scalarsAndKeysAsBefore() {
        for s in Self.scalars where !Self.oldWriterMisreads(s) {
            for indent in [0, 2, 6] {
                #expect(YAMLWriter.scalar(s, indent: indent) == ReferenceYAMLWriter.scalar(s, indent: indent), "\(s.debugDescription)")
            }
            guard !Self.oldWriterMisquotes(s) else {
                #expect(YAMLWriter.needsQuotes(s))
                continue
            }
            #expect(YAMLWriter.key(s) == ReferenceYAMLWriter.key(s), "\(s.debugDescription)")
            #expect(YAMLWriter.needsQuotes(s) == ReferenceYAMLWriter.needsQuotes(s), "\(s.debugDescription)")
        }
    }

    @Test func randomTreesAsBefore() {
        var rng = SplitMix64(seed: 42)
        let pieces = Self.scalars + ["a", "b", "run", "steps", "- ", ": ", "#", "\n", " ", "x"]
        func text() -> String { (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
        func comments() -> [String] { (0..<Int.random(in: 0...2, using: &rng)).map { _ in text() } }
        func tree(_ depth: Int) -> YOut {
            switch Int.random(in: 0..<(depth > 3 ? 2 : 4), using: &rng) {
            case 0: return .string(text())
            case 1: return [.bool(true), .int(7), .raw("3.5")].randomElement(using: &rng)!
            case 2:
                // Keys of one mapping differ (as the writers' YOutMap makes them).
                var seen = Set<String>()
                return .map((0..<Int.random(in: 0...4, using: &rng)).map { _ in
                    var k = text()
                    while !seen.insert(k).inserted { k += "+" }
                    return YOutEntry(k, tree(depth + 1), comments: comments())
                })
            default: return .seq((0..<Int.random(in: 0...4, using: &rng)).map { _ in YOutItem(tree(depth + 1), comments: comments()) })
            }
        }
        for _ in 0..<3000 {
            let t = tree(0), header = comments()
            // The old writer wrote header lines as they were and ended comment lines at \n only, so
            // another line break in a comment (CR, NEL, LS, PS) let its text out as YAML.
            if !Self.hasOtherLineBreaks(t) && !header.contains(where: { Self.hasLineBreak($0) || YAMLWriter.commentSafe($0) != $0 }) {
                #expect(YAMLWriter.write(t, header: header) == ReferenceYAMLWriter.write(t, header: header))
            }
            // The tree the writer gives is what a YAML reader makes of its text, positions and all.
            let (text, written) = YAMLWriter.writeWithTree(t, header: header, file: "t.yml")
            let read: YNode?
            do { read = try YAMLLoader.load(text, file: "t.yml") } catch { read = nil; Issue.record("\(error)\n\(text)"); continue }
            if let read, read != written {
                Issue.record("\(Self.firstDifference(read, written, "") ?? "?")\nTEXT\n\(text)")
                break
            }
        }
    }

    @Test(.enabled(if: TestPaths.hasCorpus, "needs the corpus (CIPORT_CORPUS)"))
    func everyCorpusOutputReadsBackAsTheTreeItWasValidatedAs() throws {
        var checked = 0
        for f in TestPaths.corpusFiles("github-starter-workflows") + TestPaths.corpusFiles("gitlab-templates") {
            var ledger = Ledger()
            guard let p = try? Translator.read(f.text, file: f.name, ledger: &ledger) else { continue }
            for target in [Platform.github, .gitlab] {
                var l = ledger
                let (text, tree) = Translator.writeWithTree(p, to: target, options: ConvertOptions(), ledger: &l, file: "out.yml")
                #expect(try YAMLLoader.load(text, file: "out.yml") == tree, "\(f.name) → \(target)")
                checked += 1
            }
        }
        #expect(checked > 300)
    }

    @Test(.enabled(if: TestPaths.hasCorpus, "needs the corpus (CIPORT_CORPUS)"))
    func corpusTreesAsBefore() throws {
        var trees = 0, anchored = 0
        for f in TestPaths.corpusFiles("github-starter-workflows") + TestPaths.corpusFiles("gitlab-templates") {
            var ledger = Ledger()
            guard let p = try? Translator.read(f.text, file: f.name, ledger: &ledger) else { continue }
            for target in [Platform.github, .gitlab] {
                var l = ledger
                let out = target == .github ? GitHubWriter.write(p, options: ConvertOptions(), ledger: &l)
                    : GitLabWriter.write(p, options: ConvertOptions(), ledger: &l)
                // The old writer knew no anchors (a shared before_script has one; SharedBeforeScriptTests).
                if Self.hasAnchor(out) { anchored += 1; continue }
                #expect(YAMLWriter.write(out, header: ["h", ""]) == ReferenceYAMLWriter.write(out, header: ["h", ""]), "\(f.name) → \(target)")
                trees += 1
            }
        }
        #expect(trees > 300)
        #expect(anchored < 5)
    }

    /// Where two trees first differ, for a message.
    static func firstDifference(_ a: YNode, _ b: YNode, _ path: String) -> String? {
        switch (a, b) {
        case (.mapping(let x), .mapping(let y)):
            if x.pos != y.pos || x.tag != y.tag || x.pairs.count != y.pairs.count { return "\(path): mapping read \(x.pos) \(x.pairs.count) written \(y.pos) \(y.pairs.count)" }
            for (p, q) in zip(x.pairs, y.pairs) {
                if p.key != q.key { return "\(path): key read \(p.key) written \(q.key)" }
                if let d = firstDifference(p.value, q.value, path + "." + p.key.value) { return d }
            }
            return nil
        case (.sequence(let x), .sequence(let y)):
            if x.pos != y.pos || x.items.count != y.items.count { return "\(path): sequence read \(x.pos) \(x.items.count) written \(y.pos) \(y.items.count)" }
            for (i, (p, q)) in zip(x.items, y.items).enumerated() { if let d = firstDifference(p, q, "\(path)[\(i)]") { return d } }
            return nil
        default:
            return a == b ? nil : "\(path): read \(a) written \(b)"
        }
    }

    /// The old writer read `- ` and `---` by characters, so a combining mark after them left a
    /// scalar plain that libyaml reads as a sequence entry or a document marker.
    static func oldWriterMisreads(_ s: String) -> Bool {
        if oldWriterMisquotes(s) || !s.isEmpty && s.allSatisfy({ $0 == "\n" }) { return true }
        // A block whose first line with text starts with a blank, after empty lines or with a tab.
        let u = Array(s.utf8)
        if u.contains(0x0A), let t = u.firstIndex(where: { $0 != 0x0A }), u[t] == 0x09 || (u[t] == 0x20 && t > 0) { return true }
        return false
    }

    static func oldWriterMisquotes(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        let byBytes = bytes.count >= 2 && bytes[0] == 0x2D && bytes[1] == 0x20 || bytes.starts(with: Array("---".utf8))
        return byBytes && !(s.hasPrefix("- ") || s.hasPrefix("---"))
    }

    static func hasLineBreak(_ s: String) -> Bool { s.unicodeScalars.contains { "\n\r\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) } }

    /// Whether a comment in `t` holds a line break other than \n (or a string is line breaks alone).
    static func hasOtherLineBreaks(_ t: YOut) -> Bool {
        let other: (String) -> Bool = { YAMLWriter.commentSafe($0) != $0 || $0.unicodeScalars.contains { "\r\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) } }
        switch t {
        case .map(let es): return es.contains { $0.comments.contains(where: other) || hasOtherLineBreaks(.string($0.key)) || hasOtherLineBreaks($0.value) }
        case .seq(let xs): return xs.contains { $0.comments.contains(where: other) || hasOtherLineBreaks($0.value) }
        // The old writer wrote "\n" as an empty block, which reads back as "", put control
        // characters, NEL, LS, PS and the BOM into blocks, and U+FFFE/U+FFFF anywhere.
        case .string(let s):
            return oldWriterMisreads(s)
                || s.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF }
                || s.contains("\n") && s.unicodeScalars.contains { u in
                    let v = u.value
                    return v < 0x20 && v != 0x09 && v != 0x0A || v == 0x7F || (v >= 0x80 && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF
                }
        case .raw, .alias: return false
        }
    }

    static func hasAnchor(_ t: YOut) -> Bool {
        switch t {
        case .map(let es): es.contains { hasAnchor($0.value) }
        case .seq(let xs): xs.contains { $0.anchor != nil || hasAnchor($0.value) }
        case .alias: true
        case .string, .raw: false
        }
    }

    @Test func commentsKeepEveryLineBreakAndControlCharacterInside() throws {
        let note = "a\rb\r\nc\u{85}d\u{2028}e\u{2029}f\u{07}g\u{7F}h\u{9F}i\u{FFFE}j\tk"
        let (text, tree) = YAMLWriter.writeWithTree(.map([YOutEntry("x", .string("v"), comments: [note])]), file: "t.yml")
        #expect(text == "# a\n# b\n# c\n# d\n# e\n# f\\x07g\\x7Fh\\x9Fi\\uFFFEj\tk\nx: v\n", "\(text)")
        #expect(try YAMLLoader.load(text, file: "t.yml") == tree)
    }

    @Test(arguments: ["\n", "\n\n", "\n\n\n", "\tx\ny", "\n  x\n", "\n\n\tx", " a\nb", "a\u{07}\nb", "a\u{85}b\n", "a\u{2028}\nb", "\u{FEFF}a\nb", "a\rb\n", "x\u{FFFE}", "x\u{FFFF}\ny", "\u{9F}\n"])
    func stringsABlockCannotHoldAreQuotedAndReadBack(_ s: String) throws {
        let (text, tree) = YAMLWriter.writeWithTree(.map([YOutEntry("k", .string(s)), YOutEntry(s, .string("v"))]), file: "t.yml")
        let read = try #require(try YAMLLoader.load(text, file: "t.yml"))
        #expect(read == tree, "\(text)")
        #expect(read.mapping?["k"]?.string == s)
        #expect(read.mapping?.pairs.last?.key.value == s)
    }

    @Test func aLineBreakInAHeaderLineStaysInTheComment() throws {
        let (text, tree) = YAMLWriter.writeWithTree(.map([YOutEntry("a", .string("b"))]), header: ["Converted from x\ny: 1", ""], file: "t.yml")
        #expect(text == "# Converted from x\n# y: 1\n#\na: b\n")
        #expect(try YAMLLoader.load(text, file: "t.yml") == tree)
    }

    @Test func anchorsAndAliasesReadBack() throws {
        let step = YOut.map([YOutEntry("name", .string("save")), YOutEntry("run", .string("cat > f <<'X'\nline: 1\nX"))])
        let doc = YOut.map([YOutEntry("steps", .seq([
            YOutItem(step, comments: ["first"], anchor: "shared"),
            YOutItem(.alias("shared"), comments: ["again"]),
        ]))])
        let text = YAMLWriter.write(doc)
        #expect(text.contains("  # first\n  - &shared\n    name: save\n"), "\(text)")
        #expect(text.contains("  # again\n  - *shared\n"))
        let items = try #require(try YAMLLoader.load(text, file: "t.yml")?.mapping?["steps"]?.sequence?.items)
        #expect(items.count == 2)
        #expect(items[0].mapping?["run"]?.string == "cat > f <<'X'\nline: 1\nX")
        #expect(items[1] == items[0])
    }
}


/// `YAMLWriter` as it was before it wrote bytes (String appends): the oracle for the byte writer.
enum ReferenceYAMLWriter {
    static func write(_ root: YOut, header: [String] = []) -> String {
        var out = ""
        for h in header { out += h.isEmpty ? "#\n" : "# \(h)\n" }
        switch root {
        case .map(let es) where !es.isEmpty: emitMap(es, indent: 0, inline: false, into: &out)
        case .seq(let xs) where !xs.isEmpty: emitSeq(xs, indent: 0, inline: false, into: &out)
        default: out += inlineText(root, indent: 0) + "\n"
        }
        return out
    }


    private static func appendPad(_ n: Int, to out: inout String) {
        for _ in 0..<n { out.append(" ") }
    }

    private static func writeComments(_ lines: [String], indent: Int, into out: inout String) {
        for c in lines {
            for l in c.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
                appendPad(indent, to: &out)
                out += "# "
                out += Substring(l)
                out += "\n"
            }
        }
    }

    /// Text of a scalar or empty collection that fits after `key: ` or `- `.
    private static func inlineText(_ v: YOut, indent: Int) -> String {
        switch v {
        case .string(let s): scalar(s, indent: indent)
        case .raw(let s): s
        case .map: "{}"
        case .seq: "[]"
        case .alias(let name): "*" + name
        }
    }

    /// `inline`: the first entry continues the current line (after `- `).
    private static func emitMap(_ es: [YOutEntry], indent: Int, inline: Bool, into out: inout String) {
        for (i, e) in es.enumerated() {
            if !(i == 0 && inline) {
                writeComments(e.comments, indent: indent, into: &out)
                appendPad(indent, to: &out)
            }
            out += key(e.key)
            out += ":"
            switch e.value {
            case .map(let m) where !m.isEmpty:
                out += "\n"
                emitMap(m, indent: indent + 2, inline: false, into: &out)
            case .seq(let xs) where !xs.isEmpty:
                out += "\n"
                emitSeq(xs, indent: indent + 2, inline: false, into: &out)
            default:
                out += " "
                out += inlineText(e.value, indent: indent)
                out += "\n"
            }
        }
    }

    private static func emitSeq(_ items: [YOutItem], indent: Int, inline: Bool, into out: inout String) {
        for (i, item) in items.enumerated() {
            var value = item.value
            var comments = item.comments
            // Comments on the first key of a mapping item go above the dash.
            if case .map(var es) = value, !es.isEmpty, !es[0].comments.isEmpty {
                comments += es[0].comments
                es[0].comments = []
                value = .map(es)
            }
            if !(i == 0 && inline) {
                writeComments(comments, indent: indent, into: &out)
                appendPad(indent, to: &out)
            }
            out += "-"
            switch value {
            case .map(let m) where !m.isEmpty:
                out += " "
                emitMap(m, indent: indent + 2, inline: true, into: &out)
            case .seq(let xs) where !xs.isEmpty:
                out += " "
                emitSeq(xs, indent: indent + 2, inline: true, into: &out)
            default:
                out += " "
                out += inlineText(value, indent: indent)
                out += "\n"
            }
        }
    }

    static func key(_ k: String) -> String {
        needsQuotes(k) ? singleOrDouble(k) : k
    }

    /// A scalar as plain, quoted or a literal block (`|`), whichever reads back as the same string.
    static func scalar(_ s: String, indent: Int) -> String {
        if s.utf8.contains(UInt8(ascii: "\n")) {
            if let block = literalBlock(s, indent: indent + 2) { return block }
            return doubleQuoted(s)
        }
        return needsQuotes(s) ? singleOrDouble(s) : s
    }

    /// `s` as a literal block (`|`, `|-`, `|+`, with an indentation indicator when the first line
    /// starts with a space), or nil when a line ends in a blank or holds a carriage return (those
    /// would not survive; the caller double-quotes then). One pass over the UTF-8 bytes: GitLab →
    /// GitHub writes every job's script as a block.
    private static func literalBlock(_ s: String, indent: Int) -> String? {
        var text = s
        return text.withUTF8 { u -> String? in
            let n = u.count
            var lineStart = 0
            for i in 0...n {
                if i == n || u[i] == 0x0A {
                    if i > lineStart, u[i - 1] == 0x20 || u[i - 1] == 0x09 { return nil }
                    lineStart = i + 1
                } else if u[i] == 0x0D {
                    return nil
                }
            }
            var chomp: UInt8? = nil
            var bodyEnd = n
            if n >= 2, u[n - 1] == 0x0A, u[n - 2] == 0x0A {
                chomp = UInt8(ascii: "+")
                bodyEnd = n - 1
            } else if n >= 1, u[n - 1] == 0x0A {
                bodyEnd = n - 1
            } else {
                chomp = UInt8(ascii: "-")
            }
            var out: [UInt8] = [UInt8(ascii: "|")]
            out.reserveCapacity(n + n / 8 * indent + 16)
            if n > 0, u[0] == 0x20 { out.append(UInt8(ascii: "2")) }
            if let chomp { out.append(chomp) }
            var start = 0
            while start <= bodyEnd {
                var end = start
                while end < bodyEnd && u[end] != 0x0A { end += 1 }
                out.append(0x0A)
                if end > start {
                    for _ in 0..<indent { out.append(0x20) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<end]))
                }
                start = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static let reservedPlain: Set<String> = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
        "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "y", "Y", "n", "N", "=", "<<",
    ]

    static func needsQuotes(_ s: String) -> Bool {
        if s.utf8.count <= 5, reservedPlain.contains(s) { return true }
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if first == " " || last == " " || first == "\t" || last == "\t" { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) {
            // `- x`, `? x`, `: x` and lone indicators start structure; `-1`, `./x`, `-foo` are fine for `-` only.
            if first == "-" {
                if s == "-" || s.hasPrefix("- ") || s.hasPrefix("---") { return true }
            } else {
                return true
            }
        }
        // One pass over the bytes: `: `, ` #`, a trailing `:`, tabs and control characters need quotes.
        var previous: UInt8 = 0
        for b in s.utf8 {
            if b == UInt8(ascii: " ") && previous == UInt8(ascii: ":") { return true }
            if b == UInt8(ascii: "#") && previous == UInt8(ascii: " ") { return true }
            if b < 0x20 || b == 0x7F { return true }
            previous = b
        }
        if previous == UInt8(ascii: ":") { return true }
        if s.utf8.contains(where: { $0 >= 0x80 }) {
            for u in s.unicodeScalars where u.value == 0xFEFF || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 {
                return true
            }
        }
        if looksNumeric(s) || looksLikeTimestamp(s) { return true }
        return false
    }

    /// Anything YAML 1.1 might read as a number: digits, dots, underscores, exponents, sexagesimal
    /// colons, `.inf`/`.nan`, and 0x/0o/0b prefixes, after an optional sign.
    private static func looksNumeric(_ s: String) -> Bool {
        var t = s.utf8[...]
        if let f = t.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { t = t.dropFirst() }
        guard let first = t.first else { return false }
        func lower(_ b: UInt8) -> UInt8 { (65...90).contains(b) ? b | 0x20 : b }
        if t.count == 4, first == UInt8(ascii: ".") {
            let l = t.map(lower)
            if l.elementsEqual(".inf".utf8) || l.elementsEqual(".nan".utf8) { return true }
        }
        if t.count >= 2, first == UInt8(ascii: "0") {
            let second = lower(t[t.index(after: t.startIndex)])
            if second == UInt8(ascii: "x") || second == UInt8(ascii: "o") || second == UInt8(ascii: "b") { return true }
        }
        guard (48...57).contains(first) || first == UInt8(ascii: ".") else { return false }
        var digit = false
        for b in t {
            switch b {
            case 48...57: digit = true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "e"), UInt8(ascii: "E"),
                 UInt8(ascii: "+"), UInt8(ascii: "-"): continue
            default: return false
            }
        }
        return digit
    }

    private static func looksLikeTimestamp(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count >= 8 else { return false }
        var i = u.startIndex
        for _ in 0..<4 {
            guard (48...57).contains(u[i]) else { return false }
            i = u.index(after: i)
        }
        return u[i] == 45 // YYYY-…
    }

    private static func singleOrDouble(_ s: String) -> String {
        for u in s.unicodeScalars where u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0xFEFF || u.value == 0x2028 || u.value == 0x2029 {
            return doubleQuoted(s)
        }
        var out = "'"
        for c in s.unicodeScalars {
            if c == "'" { out += "''" } else { out.unicodeScalars.append(c) }
        }
        return out + "'"
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0xFEFF || u.value == 0x2028 || u.value == 0x2029 {
                    out += u.value <= 0xFF ? String(format: "\\x%02X", u.value) : String(format: "\\u%04X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
