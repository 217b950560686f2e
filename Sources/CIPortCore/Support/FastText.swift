import Foundation

/// Byte-level text tests shared by the readers, writers and the action renderer (issue 2: a
/// conversion may cost at most twice a parse).
///
/// Each function answers exactly what the Foundation or `Character` call it replaces answered.
/// In ASCII text bytes, UTF-16 units and `Character`s coincide (but for CR LF, one `Character`,
/// which none of the needles here start or end with), so ASCII text is scanned byte by byte.
/// Other text goes to the original call where Unicode matters: Foundation's non-literal search
/// finds `K` in `\u{212A}` (KELVIN SIGN) and no `test` in `test\u{301}`, which a byte scan would
/// not reproduce. Tests pin every scanner against the call it replaced (`FastTextTests`).
enum FastText {
    /// Runs `body` over the UTF-8 bytes of `s`, without copying native strings.
    @inline(__always)
    static func withBytes<S: StringProtocol, R>(_ s: S, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = String(s)
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(body)!
    }

    /// Whether every byte is ASCII (eight bytes at a time: a set high bit anywhere means a
    /// non-ASCII character).
    static func isASCII(_ h: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = h.count
        if let base = h.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
        }
        while i < n {
            if h[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    static func isASCII<S: StringProtocol>(_ s: S) -> Bool { withBytes(s) { isASCII($0) } }

    /// The first position at or after `from` where a non-empty `needle` starts in `hay`.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        let m = needle.count
        guard m > 0, hay.count >= m, from <= hay.count - m, let base = hay.baseAddress else { return nil }
        let first = needle[0]
        var i = from
        let last = hay.count - m
        while i <= last {
            // memchr finds candidates for the first byte many bytes at a time.
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var k = 1
            while k < m, hay[i + k] == needle[k] { k += 1 }
            if k == m { return i }
            i += 1
        }
        return nil
    }

    static func find(_ needle: StaticString, in hay: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        find(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount), in: hay, from: from)
    }

    /// Whether `hay[i...]` starts with `prefix`.
    @inline(__always)
    static func has(_ hay: UnsafeBufferPointer<UInt8>, at i: Int, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard i >= 0, i + n <= hay.count else { return false }
        let p = prefix.utf8Start
        for k in 0..<n where hay[i + k] != p[k] { return false }
        return true
    }

    /// `s.contains(needle)` as Foundation answers it, for an ASCII `needle`.
    static func contains(_ s: String, _ needle: StaticString) -> Bool {
        let found: Bool? = withBytes(s) { b in
            guard isASCII(b) else { return nil }
            return find(needle, in: b) != nil
        }
        return found ?? (s.range(of: needle.description) != nil)
    }

    /// `s.contains(needle)` as Foundation answers it, for any needle.
    static func contains(_ s: String, _ needle: String) -> Bool {
        let found: Bool? = withBytes(s) { b in
            withBytes(needle) { n in
                guard !n.isEmpty, isASCII(b), isASCII(n) else { return nil }
                return find(n, in: b) != nil
            }
        }
        return found ?? (s.range(of: needle) != nil)
    }

    /// The pieces of `s` between occurrences of `separator`, empty pieces included, as
    /// `components(separatedBy:)` gives them (an ASCII separator: UTF-8 being self-synchronizing,
    /// a byte match always lies on character boundaries).
    static func pieces(_ s: Substring, separatedBy separator: StaticString) -> [Substring] {
        let sep = UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
        let offsets: [Int] = withBytes(s) { b in
            var out: [Int] = []
            var from = 0
            while let at = find(sep, in: b, from: from) {
                out.append(at)
                from = at + sep.count
            }
            return out
        }
        var result: [Substring] = []
        var start = s.startIndex
        for at in offsets {
            let lo = s.utf8.index(s.startIndex, offsetBy: at)
            result.append(s[start..<lo])
            start = s.utf8.index(lo, offsetBy: sep.count)
        }
        result.append(s[start...])
        return result
    }

    /// `text.replacingOccurrences(of: target, with: replacement)`, on bytes when both are ASCII.
    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        var text = text
        var target = target
        let result: String?? = text.withUTF8 { h in
            target.withUTF8 { t -> String?? in
                guard isASCII(h), isASCII(t), !t.isEmpty else { return nil }
                guard var at = find(t, in: h, from: 0) else { return .some(nil) }
                var out: [UInt8] = []
                out.reserveCapacity(h.count)
                var start = 0
                while true {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: h[start..<at]))
                    out.append(contentsOf: replacement.utf8)
                    start = at + t.count
                    guard let next = find(t, in: h, from: start) else { break }
                    at = next
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: h[start...]))
                return .some(String(decoding: out, as: UTF8.self))
            }
        }
        switch result {
        case .some(.some(let replaced)): return replaced
        case .some(.none): return text
        case .none: return text.replacingOccurrences(of: target, with: replacement)
        }
    }
}
