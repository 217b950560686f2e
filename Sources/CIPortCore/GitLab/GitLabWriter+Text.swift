import Foundation

/// The GitLab writer's and the action renderer's own scans, on the shared byte primitives.
extension FastText {
    // MARK: Trimming (CharacterSet.whitespaces / .whitespacesAndNewlines)

    /// Membership in `CharacterSet.whitespaces` (`newlines: false`) or `.whitespacesAndNewlines`,
    /// as swift-corelibs-foundation defines them (U+200B ZERO WIDTH SPACE included; it trims per scalar).
    @inline(__always)
    static func isTrimmed(_ v: UInt32, newlines: Bool) -> Bool {
        switch v {
        case 0x09, 0x20: return true
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return newlines
        case 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `s.trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)`.
    static func trimmed(_ s: String, newlines: Bool = false) -> String {
        let r = keptRange(s.unicodeScalars, newlines: newlines)
        if r.lowerBound == s.startIndex, r.upperBound == s.endIndex { return s }
        return String(s.unicodeScalars[r])
    }

    static func trimmed(_ s: Substring, newlines: Bool = false) -> String {
        String(s.unicodeScalars[keptRange(s.unicodeScalars, newlines: newlines)])
    }

    private static func keptRange<V: BidirectionalCollection>(_ scalars: V, newlines: Bool) -> Range<V.Index>
    where V.Element == Unicode.Scalar {
        var lo = scalars.startIndex
        var hi = scalars.endIndex
        while lo < hi, isTrimmed(scalars[lo].value, newlines: newlines) { lo = scalars.index(after: lo) }
        while hi > lo {
            let before = scalars.index(before: hi)
            guard isTrimmed(scalars[before].value, newlines: newlines) else { break }
            hi = before
        }
        return lo..<hi
    }

    /// `s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty`.
    static func isBlank(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { isTrimmed($0.value, newlines: true) }
    }

    // MARK: Patterns the writer used to match with NSRegularExpression

    /// ICU's `\s`: the Unicode White_Space property.
    @inline(__always)
    static func isRegexSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The scalar that ends just before byte `i` of well-formed UTF-8.
    static func scalar(before i: Int, in b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var j = i - 1
        while j > 0, b[j] & 0xC0 == 0x80 { j -= 1 }
        return scalar(at: j, in: b)
    }

    /// The scalar that starts at byte `i` of well-formed UTF-8.
    static func scalar(at i: Int, in b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let c = UInt32(b[i])
        if c < 0x80 { return c }
        if c < 0xE0 { return (c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F) }
        if c < 0xF0 { return (c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F) }
        return (c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F)
    }

    /// Whether a script runs a docker command that needs a daemon: the regular expression
    /// `(^|[\s;&|(])docker (build|push|run|login|tag|buildx|compose) ` matches somewhere.
    static func runsDockerCommand(_ script: String) -> Bool {
        withBytes(script) { b in
            var i = 0
            while let at = find("docker ", in: b, from: i) {
                i = at + 1
                if at > 0 {
                    let prev = scalar(before: at, in: b)
                    guard isRegexSpace(prev) || prev == 0x3B || prev == 0x26 || prev == 0x7C || prev == 0x28 else { continue }
                }
                let w = at + 7
                if has(b, at: w, "build ") || has(b, at: w, "push ") || has(b, at: w, "run ") || has(b, at: w, "login ")
                    || has(b, at: w, "tag ") || has(b, at: w, "buildx ") || has(b, at: w, "compose ") {
                    return true
                }
            }
            return false
        }
    }

    @inline(__always)
    static func isOutputNameByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    /// Each match of `steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]*)`, left to right and not
    /// overlapping, as (id, name) byte ranges; `needName` asks for a non-empty name (`+`) as
    /// `NSRegularExpression.matches` would. `body` returns false to stop.
    static func stepOutputMatches(_ s: String, needName: Bool,
                                  _ body: (UnsafeBufferPointer<UInt8>, Range<Int>, Range<Int>) -> Bool) {
        withBytes(s) { b in
            var i = 0
            while let at = find("steps.", in: b, from: i) {
                i = at + 1
                var j = at + 6
                while j < b.count, isOutputNameByte(b[j]) { j += 1 }
                guard j > at + 6, has(b, at: j, ".outputs.") else { continue }
                let nameStart = j + 9
                var k = nameStart
                while k < b.count, isOutputNameByte(b[k]) { k += 1 }
                if needName && k == nameStart { continue }
                if !body(b, (at + 6)..<j, nameStart..<k) { return }
                i = needName ? k : nameStart
            }
        }
    }

    /// The ASCII bytes `b[r]` lower-cased, as a String.
    static func lowercasedASCII(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: r.count) { out in
            for (k, c) in b[r].enumerated() { out[k] = c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
            return r.count
        }
    }

    /// Whether `s` matches `steps\.[A-Za-z0-9_-]+\.outputs\.` somewhere.
    static func readsStepOutput(_ s: String) -> Bool {
        var found = false
        stepOutputMatches(s, needName: false) { _, _, _ in found = true; return false }
        return found
    }

    /// Whether `s` matches `^(https?://.+|\$[A-Za-z]+)`: an http(s) URL or a variable reference.
    static func isURLOrVariable(_ s: String) -> Bool {
        withBytes(s) { b in
            if b.first == 0x24 {
                return b.count > 1 && ((b[1] >= 0x41 && b[1] <= 0x5A) || (b[1] >= 0x61 && b[1] <= 0x7A))
            }
            let rest: Int
            if has(b, at: 0, "http://") { rest = 7 } else if has(b, at: 0, "https://") { rest = 8 } else { return false }
            guard rest < b.count else { return false }
            // `.` is any scalar but a line terminator.
            switch scalar(at: rest, in: b) {
            case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return false
            default: return true
            }
        }
    }

    /// Whether `s` is ASCII without any byte `special` picks: then `replacingOccurrences` of those
    /// characters leaves it as it is. Only ASCII text is sure to hold none of them, as Foundation's
    /// search is not literal (U+1FEF GREEK VARIA is canonically a backtick).
    @inline(__always)
    static func isPlainASCII(_ s: String, avoiding special: (UInt8) -> Bool) -> Bool {
        withBytes(s) { b in isASCII(b) && !b.contains(where: special) }
    }

    /// `s` with every `"` preceded by a backslash (`replacingOccurrences(of: "\"", with: "\\\"")`).
    static func escapingQuotes(_ s: String) -> String {
        if isPlainASCII(s, avoiding: { $0 == 0x22 }) { return s }
        return s.replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// `s.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))`.
    static func trimmingBraces(_ s: Substring) -> String {
        let scalars = s.unicodeScalars
        var lo = scalars.startIndex, hi = scalars.endIndex
        while lo < hi, scalars[lo] == "{" || scalars[lo] == "}" { lo = scalars.index(after: lo) }
        while hi > lo {
            let before = scalars.index(before: hi)
            guard scalars[before] == "{" || scalars[before] == "}" else { break }
            hi = before
        }
        return String(scalars[lo..<hi])
    }

    /// `s` with `\`, `"` and `` ` `` escaped for a double-quoted shell string, as the chained
    /// `replacingOccurrences` calls did.
    static func escapingForDoubleQuotes(_ s: String) -> String {
        if isPlainASCII(s, avoiding: { $0 == 0x5C || $0 == 0x22 || $0 == 0x60 }) { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "`", with: "\\`")
    }
}
