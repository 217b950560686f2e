import Foundation
import CIPortCore

/// chrF (Popović 2015): the character n-gram F-score, n = 1…6, β = 2, whitespace removed, as sacrebleu
/// computes it: precision and recall are averaged over the orders both texts have, then combined. The
/// score is in 0…1 (sacrebleu prints it ×100).
public enum ChrF {
    public static let order = 6
    public static let beta = 2.0

    /// Character n-gram counts of a text, per order. N-grams are hashed to 64 bits: a collision between
    /// two different 1–6 character strings in one file pair is too rare to move a score.
    public struct Profile: Sendable {
        var counts: [[UInt64: Int32]]
        var totals: [Int]

        public init(_ text: String) {
            var chars: [UInt32] = []
            chars.reserveCapacity(text.utf8.count)
            for u in text.unicodeScalars where !(u == " " || u == "\n" || u == "\t" || u == "\r") { chars.append(u.value) }
            counts = Array(repeating: [:], count: ChrF.order)
            totals = Array(repeating: 0, count: ChrF.order)
            for n in 0..<ChrF.order { counts[n].reserveCapacity(max(0, chars.count - n)) }
            for i in chars.indices {
                var h: UInt64 = 0xcbf29ce484222325
                for k in 0..<ChrF.order {
                    guard i + k < chars.count else { break }
                    h = (h ^ UInt64(chars[i + k])) &* 0x100000001b3
                    counts[k][h, default: 0] += 1
                    totals[k] += 1
                }
            }
        }
    }

    public static func score(_ candidate: String, _ reference: String) -> Double {
        score(Profile(candidate), Profile(reference))
    }

    public static func score(_ c: Profile, _ r: Profile) -> Double {
        var p = 0.0, rec = 0.0, orders = 0
        for n in 0..<order where c.totals[n] > 0 && r.totals[n] > 0 {
            let (small, large) = c.counts[n].count <= r.counts[n].count ? (c.counts[n], r.counts[n]) : (r.counts[n], c.counts[n])
            var matches = 0
            for (g, k) in small { if let m = large[g] { matches += Int(min(k, m)) } }
            p += Double(matches) / Double(c.totals[n])
            rec += Double(matches) / Double(r.totals[n])
            orders += 1
        }
        if orders == 0 { return c.totals[0] == 0 && r.totals[0] == 0 ? 1 : 0 }
        p /= Double(orders)
        rec /= Double(orders)
        let b2 = beta * beta
        return p + rec == 0 ? 0 : (1 + b2) * p * rec / (b2 * p + rec)
    }
}

/// A CrystalBLEU-style score (Eghbali & Pradel, ASE 2022): sentence BLEU-4 in which the k most frequent
/// n-grams of the benchmark's references ("trivially shared" boilerplate such as `runs-on: ubuntu-latest`
/// or `- uses: actions/checkout@v4`) count neither as matches nor in the totals, so two unrelated
/// pipelines do not score high merely for being YAML of the same platform.
///
/// Tokens are runs of letters, digits, `_` and `-`, and each other non-space character on its own.
/// Smoothing: add-one for n > 1 (Lin & Och 2004), as sentence-level BLEU needs. The brevity penalty uses
/// the full token counts. Score in 0…1.
public struct CrystalBLEU: Sendable {
    public static let maxOrder = 4
    /// The ignored n-gram hashes.
    public let ignored: Set<UInt64>

    public init(ignored: Set<UInt64> = []) { self.ignored = ignored }

    /// Ignores the `k` most frequent n-grams (orders 1…4 together) of `references`.
    public init(references: [String], k: Int = 50) {
        var freq: [UInt64: Int] = [:]
        for r in references {
            for (g, c) in Self.ngrams(Self.tokens(r)) { freq[g, default: 0] += Int(c) }
        }
        // Ties broken by hash so the set is the same on every run.
        let top = freq.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k)
        ignored = Set(top.map(\.key))
    }

    /// A text's token hashes.
    public static func tokens(_ text: String) -> [UInt64] {
        var out: [UInt64] = []
        var h: UInt64 = 0xcbf29ce484222325
        var inWord = false
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D || b >= 0x80
        }
        for b in text.utf8 {
            if isWord(b) {
                if !inWord { h = 0xcbf29ce484222325; inWord = true }
                h = (h ^ UInt64(b)) &* 0x100000001b3
                continue
            }
            if inWord { out.append(h); inWord = false }
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D { continue }
            out.append((0xcbf29ce484222325 ^ UInt64(b)) &* 0x100000001b3 ^ 0x9e3779b97f4a7c15)
        }
        if inWord { out.append(h) }
        return out
    }

    /// N-gram counts, orders 1…4 in one table; the order is mixed into the hash.
    static func ngrams(_ toks: [UInt64]) -> [UInt64: Int32] {
        var out: [UInt64: Int32] = [:]
        out.reserveCapacity(toks.count * maxOrder)
        for i in toks.indices {
            var h: UInt64 = 0x84222325cbf29ce4
            for n in 0..<maxOrder {
                guard i + n < toks.count else { break }
                h = (h &* 0x100000001b3) ^ toks[i + n] &+ UInt64(n)
                out[mix(h, n), default: 0] += 1
            }
        }
        return out
    }

    @inline(__always) static func mix(_ h: UInt64, _ n: Int) -> UInt64 {
        var x = h ^ (UInt64(n + 1) &* 0x9e3779b97f4a7c15)
        x = (x ^ (x >> 31)) &* 0xbf58476d1ce4e5b9
        return x ^ (x >> 29)
    }

    public func score(_ candidate: String, _ reference: String) -> Double {
        score(tokens: Self.tokens(candidate), reference: Self.tokens(reference))
    }

    public func score(tokens c: [UInt64], reference r: [UInt64]) -> Double {
        if c.isEmpty { return r.isEmpty ? 1 : 0 }
        var matches = [Int](repeating: 0, count: Self.maxOrder)
        var totals = [Int](repeating: 0, count: Self.maxOrder)
        var refCounts: [UInt64: Int32] = [:]
        refCounts.reserveCapacity(r.count * Self.maxOrder)
        Self.forEachNgram(r) { g, _ in if !ignored.contains(g) { refCounts[g, default: 0] += 1 } }
        Self.forEachNgram(c) { g, n in
            guard !ignored.contains(g) else { return }
            totals[n] += 1
            if let m = refCounts[g], m > 0 {
                matches[n] += 1
                refCounts[g] = m - 1
            }
        }
        guard totals[0] > 0, matches[0] > 0 else { return 0 }
        var logSum = 0.0
        for n in 0..<Self.maxOrder {
            let s = n == 0 ? 0.0 : 1.0
            logSum += log((Double(matches[n]) + s) / (Double(totals[n]) + s))
        }
        let bp = c.count >= r.count ? 1.0 : exp(1 - Double(r.count) / Double(c.count))
        return bp * exp(logSum / Double(Self.maxOrder))
    }

    @inline(__always) static func forEachNgram(_ toks: [UInt64], _ body: (UInt64, Int) -> Void) {
        for i in toks.indices {
            var h: UInt64 = 0x84222325cbf29ce4
            for n in 0..<maxOrder {
                guard i + n < toks.count else { break }
                h = (h &* 0x100000001b3) ^ toks[i + n] &+ UInt64(n)
                body(mix(h, n), n)
            }
        }
    }
}

/// The canonical form behind "exact match": both files parsed as YAML (merge keys applied), then written
/// with comments, quoting style, indentation and mapping-key order dropped and plain scalars resolved
/// (`True`/`yes` → `true`, `~` → `null`). Sequence order is kept: steps, scripts and matrix values are
/// ordered. This is text-level exactness over the YAML tree, stricter than fact F1 = 1, which also
/// forgives job renames and platform plumbing.
public enum Canonical {
    public static func form(_ node: YNode) -> String {
        var out = ""
        write(node, into: &out)
        return out
    }

    static func write(_ node: YNode, into out: inout String) {
        switch node {
        case .scalar(let s):
            out += scalar(s)
        case .sequence(let q):
            out += "["
            for (i, item) in q.items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .mapping(let m):
            out += "{"
            let pairs = m.merged().pairs.sorted { $0.key.value < $1.key.value }
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += quote(p.key.value) + ":"
                write(p.value, into: &out)
            }
            out += "}"
        }
    }

    static func scalar(_ s: YScalar) -> String {
        if s.style == .plain {
            if s.isNull { return "null" }
            if let b = s.bool { return b ? "true" : "false" }
            if let i = Int(s.value) { return String(i) }
        }
        return quote(s.value)
    }

    static func quote(_ v: String) -> String {
        var o = "\""
        for ch in v.unicodeScalars {
            switch ch {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            default: o.unicodeScalars.append(ch)
            }
        }
        return o + "\""
    }
}
