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
        var out = Bytes()
        out.storage.reserveCapacity(4096)
        for h in header {
            if h.isEmpty { out.append("#\n") } else { out.append("# "); out.append(h); out.append("\n") }
        }
        switch root {
        case .map(let es) where !es.isEmpty: emitMap(es, indent: 0, inline: false, into: &out)
        case .seq(let xs) where !xs.isEmpty: emitSeq(xs, indent: 0, inline: false, into: &out)
        default:
            inlineText(root, indent: 0, into: &out)
            out.append("\n")
        }
        return String(decoding: out.storage, as: UTF8.self)
    }

    /// The output being written.
    struct Bytes {
        var storage: [UInt8] = []

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

    private static func writeComments(_ lines: [String], indent: Int, into out: inout Bytes) {
        for c in lines {
            FastText.withBytes(c) { b in
                var start = 0
                for i in 0...b.count where i == b.count || b[i] == 0x0A {
                    out.pad(indent)
                    out.append("# ")
                    out.storage.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i]))
                    out.append("\n")
                    start = i + 1
                }
            }
        }
    }

    /// Text of a scalar or empty collection that fits after `key: ` or `- `.
    private static func inlineText(_ v: YOut, indent: Int, into out: inout Bytes) {
        switch v {
        case .string(let s): scalar(s, indent: indent, into: &out)
        case .raw(let s): out.append(s)
        case .map: out.append("{}")
        case .seq: out.append("[]")
        case .alias(let name): out.append("*"); out.append(name)
        }
    }

    /// `inline`: the first entry continues the current line (after `- `), its comments written
    /// above the dash; `firstIndented`: it starts a line of its own all the same (after `- &anchor`).
    private static func emitMap(_ es: [YOutEntry], indent: Int, inline: Bool, into out: inout Bytes, firstIndented: Bool = false) {
        for (i, e) in es.enumerated() {
            if !(i == 0 && inline) {
                writeComments(e.comments, indent: indent, into: &out)
                out.pad(indent)
            } else if firstIndented {
                out.pad(indent)
            }
            key(e.key, into: &out)
            out.append(":")
            switch e.value {
            case .map(let m) where !m.isEmpty:
                out.append("\n")
                emitMap(m, indent: indent + 2, inline: false, into: &out)
            case .seq(let xs) where !xs.isEmpty:
                out.append("\n")
                emitSeq(xs, indent: indent + 2, inline: false, into: &out)
            default:
                out.append(" ")
                inlineText(e.value, indent: indent, into: &out)
                out.append("\n")
            }
        }
    }

    private static func emitSeq(_ items: [YOutItem], indent: Int, inline: Bool, into out: inout Bytes) {
        for (i, item) in items.enumerated() {
            // Comments on the first key of a mapping item go above the dash.
            var firstKeyComments: [String] = []
            if case .map(let es) = item.value, !es.isEmpty, !es[0].comments.isEmpty { firstKeyComments = es[0].comments }
            if !(i == 0 && inline) {
                writeComments(item.comments, indent: indent, into: &out)
                writeComments(firstKeyComments, indent: indent, into: &out)
                out.pad(indent)
            }
            out.append("-")
            switch item.value {
            case .map(let m) where !m.isEmpty && item.anchor != nil:
                // An anchor on its own line: `- &a key: v` would anchor the first key, not the mapping.
                out.append(" &")
                out.append(item.anchor!)
                out.append("\n")
                emitMap(m, indent: indent + 2, inline: true, into: &out, firstIndented: true)
            case .map(let m) where !m.isEmpty:
                out.append(" ")
                // Inline after `- `, the first entry writes no comments of its own: they went above the dash.
                emitMap(m, indent: indent + 2, inline: true, into: &out)
            case .seq(let xs) where !xs.isEmpty:
                out.append(" ")
                emitSeq(xs, indent: indent + 2, inline: true, into: &out)
            default:
                out.append(" ")
                inlineText(item.value, indent: indent, into: &out)
                out.append("\n")
            }
        }
    }

    static func key(_ k: String) -> String {
        needsQuotes(k) ? singleOrDouble(k) : k
    }

    private static func key(_ k: String, into out: inout Bytes) {
        if needsQuotes(k) { out.append(singleOrDouble(k)) } else { out.append(k) }
    }

    /// A scalar as plain, quoted or a literal block (`|`), whichever reads back as the same string.
    static func scalar(_ s: String, indent: Int) -> String {
        var out = Bytes()
        scalar(s, indent: indent, into: &out)
        return String(decoding: out.storage, as: UTF8.self)
    }

    private static func scalar(_ s: String, indent: Int, into out: inout Bytes) {
        let multiline = FastText.withBytes(s) { b in b.baseAddress.map { memchr($0, 0x0A, b.count) != nil } ?? false }
        if multiline {
            if !literalBlock(s, indent: indent + 2, into: &out) { out.append(doubleQuoted(s)) }
            return
        }
        if needsQuotes(s) { out.append(singleOrDouble(s)) } else { out.append(s) }
    }

    /// `s` as a literal block (`|`, `|-`, `|+`, with an indentation indicator when the first line
    /// starts with a space); false (nothing written) when a line ends in a blank or holds a
    /// carriage return (those would not survive; the caller double-quotes then). One pass over the
    /// UTF-8 bytes: GitLab → GitHub writes every job's script as a block.
    private static func literalBlock(_ s: String, indent: Int, into out: inout Bytes) -> Bool {
        FastText.withBytes(s) { u -> Bool in
            let n = u.count
            var lineStart = 0
            for i in 0...n {
                if i == n || u[i] == 0x0A {
                    if i > lineStart, u[i - 1] == 0x20 || u[i - 1] == 0x09 { return false }
                    lineStart = i + 1
                } else if u[i] == 0x0D {
                    return false
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
            out.storage.reserveCapacity(out.storage.count + n + n / 8 * indent + 16)
            out.append(byte: UInt8(ascii: "|"))
            if n > 0, u[0] == 0x20 { out.append(byte: UInt8(ascii: "2")) }
            if let chomp { out.append(byte: chomp) }
            var start = 0
            while start <= bodyEnd {
                var end = start
                if let base = u.baseAddress, start < bodyEnd, let hit = memchr(base + start, 0x0A, bodyEnd - start) {
                    end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                } else {
                    end = bodyEnd
                }
                out.append(byte: 0x0A)
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
                if FastText.isASCII(b) {
                    if n == 1 || b[1] == 0x20 || (n >= 3 && b[1] == UInt8(ascii: "-") && b[2] == UInt8(ascii: "-")) { return true }
                } else if s.hasPrefix("- ") || s.hasPrefix("---") {
                    // By characters, as before: a combining mark after the blank makes another character.
                    return true
                }
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
