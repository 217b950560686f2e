import Foundation

/// A YAML tree to write, with the `# ciport:` comments a person must read.
public indirect enum YOut: Sendable, Equatable {
    /// A string; the writer quotes it whenever plain style would read back as something else.
    case string(String)
    /// A value written plain (numbers, booleans): the caller vouches it is a valid plain scalar.
    case raw(String)
    case map([YOutEntry])
    case seq([YOutItem])
    /// `*name`: the value of the item written earlier with `anchor` `name` (GitHub Actions reads
    /// anchors and aliases since September 2025; it refuses merge keys, which ciport never writes).
    case alias(String)

    public static func bool(_ b: Bool) -> YOut { .raw(b ? "true" : "false") }
    public static func int(_ i: Int) -> YOut { .raw(String(i)) }
    public static func strings(_ xs: [String]) -> YOut { .seq(xs.map { YOutItem(.string($0)) }) }

    public var isEmptyCollection: Bool {
        switch self {
        case .map(let e): e.isEmpty
        case .seq(let i): i.isEmpty
        default: false
        }
    }
}

public struct YOutEntry: Sendable, Equatable {
    public var key: String
    public var value: YOut
    /// Comment lines written above the key (without `# `).
    public var comments: [String]

    public init(_ key: String, _ value: YOut, comments: [String] = []) {
        self.key = key
        self.value = value
        self.comments = comments
    }
}

public struct YOutItem: Sendable, Equatable {
    public var value: YOut
    public var comments: [String]
    /// `&name` on this item's value (a non-empty mapping), for later `.alias(name)` items.
    public var anchor: String?

    public init(_ value: YOut, comments: [String] = [], anchor: String? = nil) {
        self.value = value
        self.comments = comments
        self.anchor = anchor
    }
}

/// Builds mappings in order without repeating `YOutEntry(...)` everywhere.
public struct YOutMap: Sendable {
    public private(set) var entries: [YOutEntry] = []
    public init() {}

    public mutating func set(_ key: String, _ value: YOut?, comments: [String] = []) {
        guard let value else { return }
        if let i = entries.firstIndex(where: { $0.key == key }) {
            entries[i].value = value
            entries[i].comments += comments
        } else {
            entries.append(YOutEntry(key, value, comments: comments))
        }
    }

    public mutating func set(_ key: String, _ value: String?, comments: [String] = []) {
        set(key, value.map { YOut.string($0) }, comments: comments)
    }

    public mutating func comment(_ key: String, _ line: String) {
        if let i = entries.firstIndex(where: { $0.key == key }), !entries[i].comments.contains(line) {
            entries[i].comments.append(line)
        }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var out: YOut { .map(entries) }
    public subscript(key: String) -> YOut? { entries.first { $0.key == key }?.value }
}

/// Writes `YOut` as block-style YAML that both PyYAML/ruamel and libyaml read back to the same values.
///
/// The text is built as UTF-8 bytes and made a `String` once: GitLab → GitHub writes about four
/// times the bytes it reads, and appending to a `String` piece by piece cost more than the rest of
/// writing.
public enum YAMLWriter {
    public static func write(_ root: YOut, header: [String] = []) -> String {
        writeWithTree(root, header: header, file: "").text
    }

    /// The text, and the tree `YAMLLoader` reads back from it (the same values, styles and
    /// positions, in `file`), built in the same pass: a conversion validates the tree its output
    /// holds without parsing the text again. Tests hold the two readings equal.
    public static func writeWithTree(_ root: YOut, header: [String] = [], file: String) -> (text: String, tree: YNode) {
        var out = Bytes(file: file)
        out.storage.reserveCapacity(4096)
        for h in header {
            // A line break in a header line (a file name may hold one) must not end the comment.
            if h.isEmpty { out.append("#"); out.newline() } else { writeComments([h], indent: 0, into: &out) }
        }
        let tree: YNode
        switch root {
        case .map(let es) where !es.isEmpty: tree = .mapping(emitMap(es, indent: 0, inline: false, into: &out))
        case .seq(let xs) where !xs.isEmpty: tree = .sequence(emitSeq(xs, indent: 0, inline: false, into: &out))
        default:
            tree = inlineText(root, indent: 0, into: &out)
            out.newline()
        }
        return (String(decoding: out.storage, as: UTF8.self), tree)
    }

    /// The output being written, and where in it the writing is (as libyaml counts: lines, and
    /// characters on the line).
    struct Bytes {
        var storage: [UInt8] = []
        let file: String
        var line = 1
        var lineStart = 0
        /// Values written under an anchor, for the aliases that repeat them.
        var anchors: [String: YNode] = [:]

        init(file: String = "") { self.file = file }

        mutating func newline() {
            storage.append(0x0A)
            line += 1
            lineStart = storage.count
        }

        /// The position of the next byte written.
        func mark() -> SourcePos {
            var column = 1
            for i in lineStart..<storage.count where storage[i] & 0xC0 != 0x80 { column += 1 }
            return SourcePos(file: file, line: line, column: column)
        }

        @inline(__always) mutating func append(_ s: StaticString) {
            storage.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }

        @inline(__always) mutating func append<S: StringProtocol>(_ s: S) {
            FastText.withBytes(s) { storage.append(contentsOf: $0) }
        }

        @inline(__always) mutating func append(byte: UInt8) { storage.append(byte) }

        mutating func pad(_ n: Int) {
            for _ in 0..<n { storage.append(0x20) }
        }
    }

    /// Each comment line as `# …`. YAML ends a comment at any line break, which for libyaml and
    /// PyYAML includes CR, NEL (U+0085) and the Unicode line and paragraph separators: each of
    /// those (CR LF as one) starts a new comment line, so no text of a comment becomes YAML.
    private static func writeComments(_ lines: [String], indent: Int, into out: inout Bytes) {
        for c in lines {
            FastText.withBytes(commentSafe(c)) { b in
                let n = b.count
                var start = 0, i = 0
                func line(_ end: Int) {
                    out.pad(indent)
                    out.append("# ")
                    out.storage.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
                    out.newline()
                }
                while i < n {
                    let width: Int
                    switch b[i] {
                    case 0x0A: width = 1
                    case 0x0D: width = i + 1 < n && b[i + 1] == 0x0A ? 2 : 1
                    case 0xC2 where i + 1 < n && b[i + 1] == 0x85: width = 2
                    case 0xE2 where i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9): width = 3
                    default: i += 1; continue
                    }
                    line(i)
                    i += width
                    start = i
                }
                line(n)
            }
        }
    }

    /// `c` with the characters YAML allows nowhere in a stream (C0 and C1 controls but tab and
    /// line breaks, DEL, U+FFFE, U+FFFF) written as escapes, as a double-quoted scalar would.
    static func commentSafe(_ c: String) -> String {
        let clean: Bool = FastText.withBytes(c) { b in
            for i in 0..<b.count {
                let x = b[i]
                if x < 0x20 && x != 0x09 && x != 0x0A && x != 0x0D || x == 0x7F { return false }
                if x == 0xC2, i + 1 < b.count, b[i + 1] >= 0x80, b[i + 1] <= 0x9F, b[i + 1] != 0x85 { return false }
                if x == 0xEF, i + 2 < b.count, b[i + 1] == 0xBF, b[i + 2] >= 0xBE { return false }
            }
            return true
        }
        if clean { return c }
        var out = ""
        for u in c.unicodeScalars {
            let v = u.value
            let forbidden = v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D || v == 0x7F || (v >= 0x80 && v <= 0x9F && v != 0x85)
                || v == 0xFFFE || v == 0xFFFF
            if forbidden {
                out += v <= 0xFF ? String(format: "\\x%02X", v) : String(format: "\\u%04X", v)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Text of a scalar or empty collection that fits after `key: ` or `- `, and its node.
    private static func inlineText(_ v: YOut, indent: Int, into out: inout Bytes) -> YNode {
        let pos = out.mark()
        switch v {
        case .string(let s):
            return .scalar(YScalar(s, style: scalar(s, indent: indent, into: &out), pos: pos))
        case .raw(let s):
            out.append(s)
            return .scalar(YScalar(s, style: .plain, pos: pos))
        case .map:
            out.append("{}")
            return .mapping(YMapping(pairs: [], pos: pos))
        case .seq:
            out.append("[]")
            return .sequence(YSequence(items: [], pos: pos))
        case .alias(let name):
            out.append("*")
            out.append(name)
            return out.anchors[name] ?? .scalar(YScalar("", pos: pos))
        }
    }

    /// `inline`: the first entry continues the current line (after `- `), its comments written
    /// above the dash; `firstIndented`: it starts a line of its own all the same (after `- &anchor`).
    /// `pos`: where the mapping starts when that is not its first key (an anchor before it).
    private static func emitMap(_ es: [YOutEntry], indent: Int, inline: Bool, into out: inout Bytes, firstIndented: Bool = false,
                                pos: SourcePos? = nil) -> YMapping {
        var pairs: [YMapping.Pair] = []
        pairs.reserveCapacity(es.count)
        var start = pos
        // Entries read in place (a copy of each cost a retain per string in it).
        for i in es.indices {
            if !(i == 0 && inline) {
                writeComments(es[i].comments, indent: indent, into: &out)
                out.pad(indent)
            } else if firstIndented {
                out.pad(indent)
            }
            let keyPos = out.mark()
            if start == nil { start = keyPos }
            let quoted = key(es[i].key, into: &out)
            out.append(":")
            let value: YNode
            switch es[i].value {
            case .map(let m) where !m.isEmpty:
                out.newline()
                value = .mapping(emitMap(m, indent: indent + 2, inline: false, into: &out))
            case .seq(let xs) where !xs.isEmpty:
                out.newline()
                value = .sequence(emitSeq(xs, indent: indent + 2, inline: false, into: &out))
            default:
                out.append(" ")
                value = inlineText(es[i].value, indent: indent, into: &out)
                out.newline()
            }
            pairs.append(YMapping.Pair(key: YScalar(es[i].key, style: quoted ? .quoted : .plain, pos: keyPos), value: value))
        }
        return YMapping(pairs: pairs, pos: start ?? out.mark())
    }

    private static func emitSeq(_ items: [YOutItem], indent: Int, inline: Bool, into out: inout Bytes) -> YSequence {
        var nodes: [YNode] = []
        nodes.reserveCapacity(items.count)
        var start: SourcePos?
        for (i, item) in items.enumerated() {
            // Comments on the first key of a mapping item go above the dash.
            var firstKeyComments: [String] = []
            if case .map(let es) = item.value, !es.isEmpty, !es[0].comments.isEmpty { firstKeyComments = es[0].comments }
            if !(i == 0 && inline) {
                writeComments(item.comments, indent: indent, into: &out)
                writeComments(firstKeyComments, indent: indent, into: &out)
                out.pad(indent)
            }
            if start == nil { start = out.mark() }
            out.append("-")
            let node: YNode
            switch item.value {
            case .map(let m) where !m.isEmpty && item.anchor != nil:
                // An anchor on its own line: `- &a key: v` would anchor the first key, not the mapping.
                out.append(" ")
                let anchorPos = out.mark()
                out.append("&")
                out.append(item.anchor!)
                out.newline()
                node = .mapping(emitMap(m, indent: indent + 2, inline: true, into: &out, firstIndented: true, pos: anchorPos))
                out.anchors[item.anchor!] = node
            case .map(let m) where !m.isEmpty:
                out.append(" ")
                // Inline after `- `, the first entry writes no comments of its own: they went above the dash.
                node = .mapping(emitMap(m, indent: indent + 2, inline: true, into: &out))
            case .seq(let xs) where !xs.isEmpty:
                out.append(" ")
                node = .sequence(emitSeq(xs, indent: indent + 2, inline: true, into: &out))
            default:
                out.append(" ")
                node = inlineText(item.value, indent: indent, into: &out)
                out.newline()
            }
            nodes.append(node)
        }
        return YSequence(items: nodes, pos: start ?? out.mark())
    }

    static func key(_ k: String) -> String {
        needsQuotes(k) ? singleOrDouble(k) : k
    }

    /// Writes a key; true when it is quoted.
    private static func key(_ k: String, into out: inout Bytes) -> Bool {
        if needsQuotes(k) {
            out.append(singleOrDouble(k))
            return true
        }
        out.append(k)
        return false
    }

    /// A scalar as plain, quoted or a literal block (`|`), whichever reads back as the same string.
    static func scalar(_ s: String, indent: Int) -> String {
        var out = Bytes()
        _ = scalar(s, indent: indent, into: &out)
        return String(decoding: out.storage, as: UTF8.self)
    }

    /// Writes the scalar; returns the style it was written in.
    private static func scalar(_ s: String, indent: Int, into out: inout Bytes) -> YScalar.Style {
        let multiline = FastText.withBytes(s) { b in b.baseAddress.map { memchr($0, 0x0A, b.count) != nil } ?? false }
        if multiline {
            if literalBlock(s, indent: indent + 2, into: &out) { return .block }
            out.append(doubleQuoted(s))
            return .quoted
        }
        if needsQuotes(s) {
            out.append(singleOrDouble(s))
            return .quoted
        }
        out.append(s)
        return .plain
    }

    /// `s` as a literal block (`|`, `|-`, `|+`, with an indentation indicator when the first line
    /// starts with a space); false (nothing written) when a line ends in a blank or holds a
    /// carriage return (those would not survive; the caller double-quotes then). One pass over the
    /// UTF-8 bytes: GitLab → GitHub writes every job's script as a block.
    private static func literalBlock(_ s: String, indent: Int, into out: inout Bytes) -> Bool {
        FastText.withBytes(s) { u -> Bool in
            let n = u.count
            // Line breaks alone: a block of empty lines reads back as "" under clip chomping.
            if !u.contains(where: { $0 != 0x0A }) { return false }
            var lineStart = 0
            for i in 0...n {
                if i == n || u[i] == 0x0A {
                    if i > lineStart, u[i - 1] == 0x20 || u[i - 1] == 0x09 { return false }
                    lineStart = i + 1
                    continue
                }
                let c = u[i]
                // A block holds its bytes as written: no control character (but tab), no line
                // break YAML reads as one besides LF (CR, NEL, LS, PS), no BOM or non-character.
                if c < 0x20 && c != 0x09 || c == 0x7F { return false }
                if c == 0xC2, i + 1 < n, u[i + 1] <= 0x9F { return false }
                if c == 0xE2, i + 2 < n, u[i + 1] == 0x80, u[i + 2] == 0xA8 || u[i + 2] == 0xA9 { return false }
                if c == 0xEF, i + 2 < n, (u[i + 1] == 0xBB && u[i + 2] == 0xBF) || (u[i + 1] == 0xBF && u[i + 2] >= 0xBE) { return false }
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
            out.storage.reserveCapacity(out.storage.count + n + n / 8 * indent + 16)
            out.append(byte: UInt8(ascii: "|"))
            // libyaml takes a block's indentation from its first line with text, so a block whose
            // first such line starts with a blank says its indentation itself.
            var firstText = 0
            while firstText < n, u[firstText] == 0x0A { firstText += 1 }
            if firstText < n, u[firstText] == 0x20 || u[firstText] == 0x09 { out.append(byte: UInt8(ascii: "2")) }
            if let chomp { out.append(byte: chomp) }
            var start = 0
            while start <= bodyEnd {
                var end = start
                if let base = u.baseAddress, start < bodyEnd, let hit = memchr(base + start, 0x0A, bodyEnd - start) {
                    end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                } else {
                    end = bodyEnd
                }
                out.newline()
                if end > start {
                    out.pad(indent)
                    out.storage.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<end]))
                }
                start = end + 1
            }
            return true
        }
    }

    private static let reservedPlain: Set<String> = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
        "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "y", "Y", "n", "N", "=", "<<",
    ]

    /// Whether plain style would not read back as `s`: one pass over the UTF-8 bytes. Indicators,
    /// blanks, `:` and `#` are ASCII, and no byte of a longer character is ASCII, so the first
    /// and last bytes stand for the first and last characters in every test made of them.
    static func needsQuotes(_ s: String) -> Bool {
        FastText.withBytes(s) { b -> Bool in
            let n = b.count
            guard n > 0 else { return true }
            let first = b[0], last = b[n - 1]
            // Every reserved word starts with one of `~nNtTfFyYoO=<`.
            if n <= 5, reservedStarts[Int(first)], reservedPlain.contains(s) { return true }
            if first == 0x20 || last == 0x20 || first == 0x09 || last == 0x09 { return true }
            if indicator[Int(first)] {
                // `- x`, `? x`, `: x` and lone indicators start structure; `-1`, `./x`, `-foo` are fine for `-` only.
                guard first == UInt8(ascii: "-") else { return true }
                // By bytes, as YAML readers see it: a combining mark after `- ` (one character to
                // Swift) does not stop libyaml from reading a sequence entry.
                if n == 1 || b[1] == 0x20 || (n >= 3 && b[1] == UInt8(ascii: "-") && b[2] == UInt8(ascii: "-")) { return true }
            }
            // `: `, ` #`, a trailing `:`, tabs and control characters need quotes; so do C1 controls,
            // the BOM and the Unicode line separators.
            var previous: UInt8 = 0
            var i = 0
            while i < n {
                let c = b[i]
                if c < 0x20 || c == 0x7F { return true }
                if c == 0x20 && previous == UInt8(ascii: ":") { return true }
                if c == UInt8(ascii: "#") && previous == 0x20 { return true }
                if c >= 0x80 {
                    // U+0080–U+009F (C2 80–9F), U+FEFF (EF BB BF), U+2028/U+2029 (E2 80 A8/A9).
                    if c == 0xC2, i + 1 < n, b[i + 1] <= 0x9F { return true }
                    if c == 0xEF, i + 2 < n, b[i + 1] == 0xBB, b[i + 2] == 0xBF { return true }
                    if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 { return true }
                    // U+FFFE and U+FFFF (EF BF BE/BF), which YAML allows nowhere.
                    if c == 0xEF, i + 2 < n, b[i + 1] == 0xBF, b[i + 2] >= 0xBE { return true }
                }
                previous = c
                i += 1
            }
            if last == UInt8(ascii: ":") { return true }
            return looksNumeric(s) || looksLikeTimestamp(s)
        }
    }

    /// First bytes of `reservedPlain`'s words.
    private static let reservedStarts: [Bool] = (0..<256).map { c in "~nNtTfFyYoO=<".utf8.contains(UInt8(c)) }
    /// Indicators that cannot start a plain scalar (`-` only in some forms).
    private static let indicator: [Bool] = (0..<256).map { c in "-?:,[]{}#&*!|>'\"%@`".utf8.contains(UInt8(c)) }

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
        for u in s.unicodeScalars where u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0xFEFF || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFFFE || u.value == 0xFFFF {
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
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0xFEFF || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += u.value <= 0xFF ? String(format: "\\x%02X", u.value) : String(format: "\\u%04X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
