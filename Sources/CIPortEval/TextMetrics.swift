import Foundation
import CIPortCore

/// chrF (Popović 2015): the character n-gram F-score, n = 1…6, β = 2, whitespace removed, as sacrebleu
/// computes it: precision and recall are averaged over the orders both texts have, then combined. The
/// score is in 0…1 (sacrebleu prints it ×100).
public enum ChrF {
    public static let order = 6
    public static let beta = 2.0

    /// Character n-gram counts of a text, all orders in one table. N-grams are hashed to 64 bits: a
    /// collision between two different 1–6 character strings in one file pair is too rare to move a score.
    public struct Profile: Sendable {
        var table: CountTable
        var totals: [Int]

        public init(_ text: String) {
            var chars: [UInt32] = []
            chars.reserveCapacity(text.utf8.count)
            for u in text.unicodeScalars where !(u == " " || u == "\n" || u == "\t" || u == "\r") { chars.append(u.value) }
            table = CountTable(expected: chars.count * ChrF.order)
            totals = Array(repeating: 0, count: ChrF.order)
            chars.withUnsafeBufferPointer { c in
                for i in 0..<c.count {
                    var h: UInt64 = 0xcbf29ce484222325
                    for k in 0..<min(ChrF.order, c.count - i) {
                        h = (h ^ UInt64(c[i + k])) &* 0x100000001b3
                        table.add(h ^ UInt64(k) &* 0x9e3779b97f4a7c15, order: k)
                        totals[k] += 1
                    }
                }
            }
        }
    }

    public static func score(_ candidate: String, _ reference: String) -> Double {
        score(Profile(candidate), Profile(reference))
    }

    public static func score(_ c: Profile, _ r: Profile) -> Double {
        let matches = CountTable.overlap(c.table, r.table, orders: order)
        var p = 0.0, rec = 0.0, orders = 0
        for n in 0..<order where c.totals[n] > 0 && r.totals[n] > 0 {
            p += Double(matches[n]) / Double(c.totals[n])
            rec += Double(matches[n]) / Double(r.totals[n])
            orders += 1
        }
        if orders == 0 { return c.totals[0] == 0 && r.totals[0] == 0 ? 1 : 0 }
        p /= Double(orders)
        rec /= Double(orders)
        let b2 = beta * beta
        return p + rec == 0 ? 0 : (1 + b2) * p * rec / (b2 * p + rec)
    }
}

/// A counting hash table of 64-bit n-gram hashes (open addressing, linear probing), each with its
/// order. The keys are already good hashes, so this skips `Dictionary`'s SipHash, which dominated
/// scoring time.
struct CountTable: Sendable {
    /// One slot: the key (0 = empty), its count and its n-gram order, packed for locality.
    struct Slot {
        var key: UInt64
        var count: Int32
        var order: Int32
    }

    private(set) var slots: [Slot]
    private let mask: Int

    /// `expected` bounds the distinct keys; the table never fills (capacity > expected) and stays
    /// about half full for text, where short n-grams repeat.
    init(expected: Int) {
        var cap = 16
        while cap < expected + expected / 4 + 1 { cap <<= 1 }
        slots = Array(repeating: Slot(key: 0, count: 0, order: 0), count: cap)
        mask = cap - 1
    }

    @inline(__always) private func start(_ k: UInt64) -> Int { Int(truncatingIfNeeded: k ^ (k >> 29)) & mask }

    @inline(__always) mutating func add(_ key: UInt64, order: Int) {
        let k = key == 0 ? 1 : key
        var i = start(k)
        slots.withUnsafeMutableBufferPointer { s in
            while true {
                if s[i].key == k { s[i].count += 1; return }
                if s[i].key == 0 {
                    s[i] = Slot(key: k, count: 1, order: Int32(order))
                    return
                }
                i = (i + 1) & mask
            }
        }
    }

    @inline(__always) func count(_ key: UInt64) -> Int32 {
        let k = key == 0 ? 1 : key
        var i = start(k)
        return slots.withUnsafeBufferPointer { s in
            while true {
                if s[i].key == k { return s[i].count }
                if s[i].key == 0 { return 0 }
                i = (i + 1) & mask
            }
        }
    }

    /// Takes one occurrence of `key`; false when none is left.
    @inline(__always) mutating func take(_ key: UInt64) -> Bool {
        let k = key == 0 ? 1 : key
        var i = start(k)
        return slots.withUnsafeMutableBufferPointer { s in
            while true {
                if s[i].key == k {
                    guard s[i].count > 0 else { return false }
                    s[i].count -= 1
                    return true
                }
                if s[i].key == 0 { return false }
                i = (i + 1) & mask
            }
        }
    }

    /// Σ min(count in a, count in b) per order.
    static func overlap(_ a: CountTable, _ b: CountTable, orders: Int) -> [Int] {
        var m = [Int](repeating: 0, count: orders)
        a.slots.withUnsafeBufferPointer { s in
            for slot in s where slot.key != 0 {
                let other = b.count(slot.key)
                if other > 0 { m[Int(slot.order)] += Int(min(slot.count, other)) }
            }
        }
        return m
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
    private let ignoredTable: CountTable

    public init(ignored: Set<UInt64> = []) {
        self.ignored = ignored
        var t = CountTable(expected: ignored.count)
        for g in ignored { t.add(g, order: 0) }
        ignoredTable = t
    }

    /// Ignores the `k` most frequent n-grams (orders 1…4 together) of `references`.
    public init(references: [String], k: Int = 50) {
        var freq: [UInt64: Int] = [:]
        for r in references {
            for (g, c) in Self.ngrams(Self.tokens(r)) { freq[g, default: 0] += Int(c) }
        }
        // Ties broken by hash so the set is the same on every run.
        let top = freq.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k)
        self.init(ignored: Set(top.map(\.key)))
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
        var refCounts = CountTable(expected: r.count * Self.maxOrder)
        let ignoredTable = ignoredTable
        Self.forEachNgram(r) { g, n in if ignoredTable.count(g) == 0 { refCounts.add(g, order: n) } }
        Self.forEachNgram(c) { g, n in
            guard ignoredTable.count(g) == 0 else { return }
            totals[n] += 1
            if refCounts.take(g) { matches[n] += 1 }
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

    /// A 64-bit digest of the canonical form, computed without building it: mapping pairs are combined
    /// order-independently (so no sort), sequences in order. Equal forms give equal digests; unequal
    /// forms collide with negligible probability.
    public static func digest(_ node: YNode) -> UInt64 {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if s.isNull { return 0x6e756c6c }
                if let b = s.bool { return b ? 0x74727565 : 0x66616c73 }
                if let i = Int(s.value) { return mix(UInt64(bitPattern: Int64(i)) ^ 0x696e74) }
            }
            return text(s.value)
        case .sequence(let q):
            var h: UInt64 = 0x5345510000000000 &+ UInt64(q.items.count)
            for item in q.items { h = mix(h &* 0x100000001b3 ^ digest(item)) }
            return h
        case .mapping(let m):
            let pairs = m.pairs.contains { $0.key.value == "<<" } ? m.merged().pairs : m.pairs
            var h: UInt64 = 0x4d41500000000000 &+ UInt64(pairs.count)
            for p in pairs { h = h &+ mix(text(p.key.value) &* 31 ^ digest(p.value)) }
            return mix(h)
        }
    }

    @inline(__always) static func text(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return mix(h)
    }

    @inline(__always) static func mix(_ v: UInt64) -> UInt64 {
        var x = v
        x = (x ^ (x >> 30)) &* 0xbf58476d1ce4e5b9
        x = (x ^ (x >> 27)) &* 0x94d049bb133111eb
        return x ^ (x >> 31)
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
