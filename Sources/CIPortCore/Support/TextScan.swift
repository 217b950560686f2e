/// Byte-level text helpers for the hot paths of reading and scoring.
///
/// Foundation's `contains(_:)`, `components(separatedBy:)` and `trimmingCharacters(in:)` on
/// `String` bridge through `NSString` and ICU and cost microseconds per call; a reader calls them
/// per step and per rule. These work on UTF-8 bytes. Because UTF-8 is self-synchronizing, a match
/// of a whole needle always starts and ends on scalar boundaries, so the results equal the
/// Foundation calls' for the ASCII separators used here.
extension StringProtocol {
    /// Whether the text contains `needle` (byte for byte).
    func hasText(_ needle: String) -> Bool {
        firstUTF8Range(of: needle, from: utf8.startIndex) != nil
    }

    /// Whether the text contains the ASCII byte `b`.
    func hasByte(_ b: UInt8) -> Bool { utf8.contains(b) }

    /// The pieces between occurrences of `separator`, empty pieces included
    /// (as `components(separatedBy:)` gives them).
    func pieces(separatedBy separator: String) -> [SubSequence] {
        var out: [SubSequence] = []
        var start = startIndex
        var from = utf8.startIndex
        while let r = firstUTF8Range(of: separator, from: from) {
            out.append(self[start..<r.lowerBound])
            start = r.upperBound
            from = r.upperBound
        }
        out.append(self[start..<endIndex])
        return out
    }

    /// Without spaces and tabs at either end (`CharacterSet.whitespaces`: tab and Unicode `Zs`).
    func trimmedSpaces() -> SubSequence {
        func isSpace(_ u: Unicode.Scalar) -> Bool {
            u == " " || u == "\t" || (u.value >= 0x80 && u.properties.generalCategory == .spaceSeparator)
        }
        var lo = startIndex, hi = endIndex
        let scalars = unicodeScalars
        while lo < hi, isSpace(scalars[lo]) { lo = scalars.index(after: lo) }
        while lo < hi {
            let before = scalars.index(before: hi)
            guard isSpace(scalars[before]) else { break }
            hi = before
        }
        return self[lo..<hi]
    }

    /// The first occurrence of `needle` at or after `from` (a UTF-8 index), as a range of indices.
    func firstUTF8Range(of needle: String, from: String.Index) -> Range<String.Index>? {
        let n = needle.utf8
        guard let first = n.first else { return nil }
        let u = utf8
        var i = from
        while i < u.endIndex {
            guard let hit = u[i...].firstIndex(of: first) else { return nil }
            var a = hit, b = n.startIndex
            while b < n.endIndex, a < u.endIndex, u[a] == n[b] {
                a = u.index(after: a)
                b = n.index(after: b)
            }
            if b == n.endIndex { return hit..<a }
            i = u.index(after: hit)
        }
        return nil
    }
}
