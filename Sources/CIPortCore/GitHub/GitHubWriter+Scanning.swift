import Foundation

/// Byte-level scans for the writer's hot paths.
///
/// The writer used to search with Foundation (`contains`, `replacingOccurrences`) and
/// `NSRegularExpression`, which dominated the conversion time. These scans give the same answers:
/// on ASCII text (nearly every CI file) they work on UTF-8 bytes, where Foundation's
/// canonical-equivalence matching and ICU's Unicode classes reduce to plain byte tests; text with
/// any other character goes to the Foundation or regex code the writer used before, so that no
/// result depends on which path ran.
extension GitHubWriting {
    // MARK: substring search

    /// Whether `text` contains `needle`, as Foundation's `contains` answers it.
    static func includes(_ text: some StringProtocol, _ needle: String) -> Bool {
        if let found = asciiFind(text, needle) { return found != nil }
        return text.contains(needle)
    }

    /// The byte offset of `needle` in `text`; `.some(nil)` when absent, nil when either is not
    /// ASCII (the caller then asks Foundation).
    private static func asciiFind(_ text: some StringProtocol, _ needle: String) -> Int?? {
        var needle = needle
        return needle.withUTF8 { n -> Int?? in
            let run = { (h: UnsafeBufferPointer<UInt8>) -> Int?? in
                guard FastText.isASCII(h), FastText.isASCII(n), !n.isEmpty else { return nil }
                return .some(FastText.find(n, in: h, from: 0))
            }
            if let r = text.utf8.withContiguousStorageIfAvailable(run) { return r }
            return Array(text.utf8).withUnsafeBufferPointer(run)
        }
    }

    /// `text` with every `target` replaced, left to right, as Foundation's
    /// `replacingOccurrences(of:with:)` does.
    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        FastText.replacing(target, with: replacement, in: text)
    }

    /// `text` without leading and trailing spaces and tabs, as
    /// `trimmingCharacters(in: .whitespaces)` gives it.
    static func trimmingWhitespace(_ text: String) -> String {
        var text = text
        let trimmed: String?? = text.withUTF8 { h in
            guard FastText.isASCII(h) else { return nil }
            var lo = 0
            var hi = h.count
            while lo < hi, h[lo] == 0x20 || h[lo] == 0x09 { lo += 1 }
            while hi > lo, h[hi - 1] == 0x20 || h[hi - 1] == 0x09 { hi -= 1 }
            if lo == 0 && hi == h.count { return .some(nil) }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: h[lo..<hi]), as: UTF8.self))
        }
        switch trimmed {
        case .some(.some(let t)): return t
        case .some(.none): return text
        case .none: return text.trimmingCharacters(in: .whitespaces)
        }
    }

    /// `text.split(separator: separator).last` (the last non-empty part), nil when there is none.
    static func lastPart(of text: String, _ separator: Character) -> String? {
        guard let sep = separator.asciiValue else { return text.split(separator: separator).last.map(String.init) }
        var text = text
        let part: String?? = text.withUTF8 { h in
            guard FastText.isASCII(h) else { return nil }
            var j = h.count
            while j > 0, h[j - 1] == sep { j -= 1 }
            guard j > 0 else { return .some(nil) }
            var i = j
            while i > 0, h[i - 1] != sep { i -= 1 }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: h[i..<j]), as: UTF8.self))
        }
        if let part { return part }
        return text.split(separator: separator).last.map(String.init)
    }

    /// `text.split(separator: separator).first` (the first non-empty part), nil when there is none.
    static func firstPart(of text: String, _ separator: Character) -> String? {
        guard let sep = separator.asciiValue else { return text.split(separator: separator).first.map(String.init) }
        var text = text
        let part: String?? = text.withUTF8 { h in
            guard FastText.isASCII(h) else { return nil }
            var i = 0
            while i < h.count, h[i] == sep { i += 1 }
            guard i < h.count else { return .some(nil) }
            var j = i
            while j < h.count, h[j] != sep { j += 1 }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: h[i..<j]), as: UTF8.self))
        }
        if let part { return part }
        return text.split(separator: separator).first.map(String.init)
    }

    /// Whether a ledger construct is `id` or lies under it (`id.key`, `id[0]`).
    static func isConstruct(_ construct: String, under id: String) -> Bool {
        var construct = construct
        var id = id
        let answer: Bool? = construct.withUTF8 { c in
            id.withUTF8 { i -> Bool? in
                guard FastText.isASCII(c), FastText.isASCII(i) else { return nil }
                guard c.count >= i.count, i.count == 0 || memcmp(c.baseAddress!, i.baseAddress!, i.count) == 0 else { return false }
                return c.count == i.count || c[i.count] == UInt8(ascii: ".") || c[i.count] == UInt8(ascii: "[")
            }
        }
        if let answer { return answer }
        return construct == id || construct.hasPrefix(id + ".") || construct.hasPrefix(id + "[")
    }

    // MARK: shell

    /// Names a shell script assigns itself, as the three patterns the writer used to run over it
    /// find them (in that order, each match once):
    ///
    /// 1. `(?:^|[;&|(`]|\b(?:export|local|readonly|declare(?:\s+-\w+)*))\s*([A-Za-z_][A-Za-z0-9_]*)=`
    ///    (line-anchored),
    /// 2. `\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)`,
    /// 3. `\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b`.
    ///
    /// ASCII text is scanned by hand, repeating the regex engine's search (leftmost start, the
    /// alternatives in order, backtracking where it can change the answer, the next search after
    /// the match); other text runs the patterns themselves, whose `\s`, `\w` and `\b` are Unicode's.
    static func shellAssignedNames(in text: String) -> [String] {
        var text = text
        let scanned: [String]? = text.withUTF8 { h in
            guard FastText.isASCII(h) else { return nil }
            return ShellNameScan(h).all()
        }
        return scanned ?? shellAssignedNamesByRegex(in: text)
    }

    /// The patterns `shellAssignedNames` follows, compiled once.
    private static let shellNamePatterns: [NSRegularExpression] = [
        #"(?:^|[;&|(`]|\b(?:export|local|readonly|declare(?:\s+-\w+)*))\s*([A-Za-z_][A-Za-z0-9_]*)="#,
        #"\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)"#,
        #"\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"#,
    ].map { try! NSRegularExpression(pattern: $0, options: [.anchorsMatchLines]) }

    /// The regex reading of `shellAssignedNames`: the path for non-ASCII text, and the tests' oracle.
    static func shellAssignedNamesByRegex(in text: String) -> [String] {
        var out: [String] = []
        for re in shellNamePatterns {
            for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let r = Range(m.range(at: 1), in: text) { out.append(String(text[r])) }
            }
        }
        return out
    }

    /// Whether a script line runs apt or dpkg: `(^|[\s;&|(])(apt-get|apt|dpkg)\s`.
    static func usesPackageManager(_ line: String) -> Bool {
        var line = line
        let scanned: Bool? = line.withUTF8 { h in
            guard FastText.isASCII(h) else { return nil }
            let s = ShellNameScan(h)
            for i in 0..<h.count {
                guard i == 0 || ShellNameScan.isSpace(h[i - 1]) || [0x3B, 0x26, 0x7C, 0x28].contains(h[i - 1]) else { continue }
                // The alternatives in order: `apt-get` first, then `apt` (which `apt-get` fails as), then `dpkg`.
                if s.literal("apt-get", at: i), ShellNameScan.isSpace(s[i + 7]) { return true }
                if s.literal("apt", at: i), ShellNameScan.isSpace(s[i + 3]) { return true }
                if s.literal("dpkg", at: i), ShellNameScan.isSpace(s[i + 4]) { return true }
            }
            return false
        }
        return scanned ?? (line.range(of: #"(^|[\s;&|(])(apt-get|apt|dpkg)\s"#, options: .regularExpression) != nil)
    }
}

/// The hand-written reading of the three shell-name patterns over ASCII bytes.
///
/// On ASCII, ICU's `\s` is `[\t\n\v\f\r ]`, `\w` is `[A-Za-z0-9_]`, `\b` lies between a `\w` byte
/// and a non-`\w` one (or the text's edge), and a line-anchored `^` follows `\n`, `\v`, `\f` or `\r`.
struct ShellNameScan {
    let h: UnsafeBufferPointer<UInt8>

    init(_ h: UnsafeBufferPointer<UInt8>) { self.h = h }

    /// The byte at `i`; 0 (which no pattern matches) past the end.
    subscript(_ i: Int) -> UInt8 { i < h.count ? h[i] : 0 }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    static func isWord(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }
    static func isNameStart(_ c: UInt8) -> Bool { (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F }

    func literal(_ s: StaticString, at i: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= h.count else { return false }
        let p = s.utf8Start
        for k in 0..<n where h[i + k] != p[k] { return false }
        return true
    }

    /// `\b` before a word byte: the text's start or a non-word byte before it.
    func wordStart(_ i: Int) -> Bool { i == 0 || !Self.isWord(h[i - 1]) }

    /// Offset past a run of `\s`.
    func skipSpace(_ i: Int) -> Int {
        var i = i
        while Self.isSpace(self[i]) { i += 1 }
        return i
    }

    /// Offset past a run of `\w`.
    func skipWord(_ i: Int) -> Int {
        var i = i
        while Self.isWord(self[i]) { i += 1 }
        return i
    }

    /// `[A-Za-z_][A-Za-z0-9_]*` at `i`: the name's end, nil when none starts there.
    func name(_ i: Int) -> Int? { Self.isNameStart(self[i]) ? skipWord(i + 1) : nil }

    /// The three searches in one pass. Each pattern keeps its own cursor (after a match the
    /// engine searches on from the match's end) and is tried only where its first byte can match.
    func all() -> [String] {
        var assigned: [String] = []
        var read: [String] = []
        var loops: [String] = []
        var next = (assigned: 0, read: 0, loop: 0)
        // As if a line break came before the text: `^` and `\b` hold at its start.
        var prev = UInt8(ascii: "\n")
        for i in 0..<h.count {
            let c = h[i]
            let lineStart = prev >= 0x0A && prev <= 0x0D
            let wordStart = !Self.isWord(prev)
            prev = c
            if i >= next.assigned, lineStart || Self.isSeparator(c) || wordStart && Self.startsKeyword(c),
               let m = assignment(i) {
                assigned.append(string(m.name))
                next.assigned = m.end
            }
            guard wordStart else { continue }
            if c == UInt8(ascii: "r"), i >= next.read, let m = self.read(i) {
                read.append(string(m.name))
                next.read = m.end
            }
            if c == UInt8(ascii: "f"), i >= next.loop, let m = forLoop(i) {
                loops.append(string(m.name))
                next.loop = m.end
            }
        }
        return assigned + read + loops
    }

    /// A match: the captured name and where the next search starts.
    typealias Match = (name: Range<Int>, end: Int)

    func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: h[r]), as: UTF8.self) }

    /// `[;&|(\`]`, after which an assignment may start.
    static func isSeparator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ";") || c == UInt8(ascii: "&") || c == UInt8(ascii: "|") || c == UInt8(ascii: "(") || c == UInt8(ascii: "`")
    }

    /// The first letters of `export`, `local`, `readonly` and `declare`.
    static func startsKeyword(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "e") || c == UInt8(ascii: "l") || c == UInt8(ascii: "r") || c == UInt8(ascii: "d")
    }

    /// `\s*([A-Za-z_][A-Za-z0-9_]*)=`: deterministic, since giving back a space or a name
    /// character never lets the next part match.
    func assignmentTail(_ q: Int) -> Match? {
        let r = skipSpace(q)
        guard let t = name(r), self[t] == UInt8(ascii: "=") else { return nil }
        return (r..<t, t + 1)
    }

    /// Pattern 1 at `i`, its alternatives in order.
    func assignment(_ i: Int) -> Match? {
        if i == 0 || (h[i - 1] >= 0x0A && h[i - 1] <= 0x0D), let m = assignmentTail(i) { return m }
        if Self.isSeparator(h[i]), let m = assignmentTail(i + 1) { return m }
        guard wordStart(i) else { return nil }
        // The keywords exclude one another, so at most one of them applies.
        if literal("export", at: i) { return assignmentTail(i + 6) }
        if literal("local", at: i) { return assignmentTail(i + 5) }
        if literal("readonly", at: i) { return assignmentTail(i + 8) }
        if literal("declare", at: i) { return declareFlags(i + 7) }
        return nil
    }

    /// `(?:\s+-\w+)*` then the tail, with the engine's backtracking: the loop takes every flag it
    /// can; when the tail fails, the last flag gives back word characters one by one (`-ab=1`
    /// assigns `b`), then whole flags are dropped (which always leaves a `-` where a name must be).
    func declareFlags(_ start: Int) -> Match? {
        // Each taken flag: where its word starts and ends.
        var flags: [(word: Int, end: Int)] = []
        var pos = start
        while true {
            let dash = skipSpace(pos)
            guard dash > pos, self[dash] == UInt8(ascii: "-") else { break }
            let end = skipWord(dash + 1)
            guard end > dash + 1 else { break }
            flags.append((dash + 1, end))
            pos = end
        }
        if let m = assignmentTail(pos) { return m }
        while let f = flags.popLast() {
            // Shorter words for this flag; no further flag can follow a word character.
            var cut = f.end - 1
            while cut > f.word {
                if let m = assignmentTail(cut) { return m }
                cut -= 1
            }
            // Without this flag: the tail where it began.
            if let m = assignmentTail(flags.last?.end ?? start) { return m }
        }
        return nil
    }

    /// Pattern 2 at `i`: `\bread\s+(?:-\w+\s+)*NAME`. Giving anything back leaves a space or a
    /// `-` where the name must start, so the greedy reading is the only one.
    func read(_ i: Int) -> Match? {
        guard wordStart(i), literal("read", at: i) else { return nil }
        var q = skipSpace(i + 4)
        guard q > i + 4 else { return nil }
        while self[q] == UInt8(ascii: "-") {
            let w = skipWord(q + 1)
            guard w > q + 1, Self.isSpace(self[w]) else { break }
            q = skipSpace(w)
        }
        guard let t = name(q) else { return nil }
        return (q..<t, t)
    }

    /// Pattern 3 at `i`: `\bfor\s+NAME\s+in\b`.
    func forLoop(_ i: Int) -> Match? {
        guard wordStart(i), literal("for", at: i) else { return nil }
        let q = skipSpace(i + 3)
        guard q > i + 3, let t = name(q) else { return nil }
        let u = skipSpace(t)
        guard u > t, literal("in", at: u), !Self.isWord(self[u + 2]) else { return nil }
        return (q..<t, u + 2)
    }
}
