/// The worst fidelity met while translating one string, with the notes that explain it.
struct Diagnostics {
    var fidelity: Fidelity = .translated
    var notes: [String] = []

    mutating func add(_ f: Fidelity, _ note: String?) {
        if f > fidelity { fidelity = f }
        if f != .translated, let note, !notes.contains(note) { notes.append(note) }
    }
}

/// A part of an expression that has no counterpart; the whole expression is then kept verbatim
/// with this note, because a partly translated condition could run a job when it should not.
struct Untranslatable: Error {
    var fidelity: Fidelity
    var note: String

    init(_ fidelity: Fidelity, _ note: String) {
        self.fidelity = fidelity
        self.note = note
    }
}

/// Byte-level helpers shared by the scanners.
enum Bytes {
    static let dollar = UInt8(ascii: "$")
    static let backslash = UInt8(ascii: "\\")
    static let lbrace = UInt8(ascii: "{")
    static let rbrace = UInt8(ascii: "}")
    static let lbracket = UInt8(ascii: "[")
    static let rbracket = UInt8(ascii: "]")
    static let squote = UInt8(ascii: "'")
    static let dquote = UInt8(ascii: "\"")

    /// Whether `bytes[i...]` starts with `prefix`.
    @inline(__always)
    static func has(_ bytes: [UInt8], _ i: Int, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        let p = prefix.utf8Start
        for k in 0..<n where bytes[i + k] != p[k] { return false }
        return true
    }

    /// The end (exclusive, past `}}`) of the `${{ … }}` starting at `start`, skipping `}}` inside
    /// single-quoted strings; nil when unterminated.
    static func expressionEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 3
        var inString = false
        while i < bytes.count {
            let c = bytes[i]
            if c == squote { inString.toggle() }
            else if !inString, c == rbrace, i + 1 < bytes.count, bytes[i + 1] == rbrace { return i + 2 }
            i += 1
        }
        return nil
    }

    /// A shell/GitLab variable name at `i` (`[A-Za-z_][A-Za-z0-9_]*`), returning its end.
    static func nameEnd(_ bytes: [UInt8], _ i: Int) -> Int? {
        guard i < bytes.count, Lexer.isIdentStart(bytes[i]) else { return nil }
        var j = i + 1
        while j < bytes.count, Lexer.isIdentChar(bytes[j], dash: false) { j += 1 }
        return j
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}

extension String {
    /// The expression inside a whole-string `${{ … }}` wrapper, or the string itself.
    var unwrappingGitHubExpression: String {
        let t = trimmingWhitespace
        guard t.hasPrefix("${{"), t.hasSuffix("}}") else { return t }
        let bytes = Array(t.utf8)
        // Only when the wrapper spans the whole string: `${{ a }} && ${{ b }}` is a template.
        guard Bytes.expressionEnd(bytes, from: 0) == bytes.count else { return t }
        return Bytes.string(bytes[3..<(bytes.count - 2)]).trimmingWhitespace
    }

    var trimmingWhitespace: String {
        // ASCII: the whitespace characters are tab through carriage return and space.
        let ascii: String? = FastText.withBytes(self) { b -> String? in
            guard FastText.isASCII(b) else { return nil }
            func space(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
            var lo = 0, hi = b.count
            while lo < hi, space(b[lo]) { lo += 1 }
            while hi > lo, space(b[hi - 1]) { hi -= 1 }
            if lo == 0 && hi == b.count { return self }
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        }
        return ascii ?? trimmingWhitespaceByCharacters
    }

    /// `trimmingWhitespace` by `Character`s: the path for other text, and the tests' oracle.
    var trimmingWhitespaceByCharacters: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
