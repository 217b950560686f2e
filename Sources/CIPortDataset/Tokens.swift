import CIPortSIMD

/// The dataset's code tokenizer, used for length statistics and near-duplicate shingles.
///
/// It approximates what a BPE tokenizer sees in CI files without shipping one: a token is a run of
/// letters, digits and `_` (any non-ASCII byte counts as a letter), or a single punctuation
/// character; whitespace separates tokens and is not one. `npm run build:prod` is 6 tokens:
/// `npm`, `run`, `build`, `:`, `prod`… BPE counts for YAML land within about 1.5× of this.
public enum CodeTokenizer {
    /// Calls `body` with each token's FNV-1a hash, in order, without building strings.
    @inline(__always)
    static func forEachTokenHash(_ text: String, _ body: (UInt64) -> Void) {
        // Native strings are contiguous UTF-8: a pointer loop, not String.UTF8View's index logic
        // (which was most of the tokenizer's cost).
        if text.utf8.withContiguousStorageIfAvailable({ forEachTokenHash(bytes: $0, body) }) == nil {
            forEachTokenHash(bytes: text.utf8, body)
        }
    }

    @inline(__always)
    static func forEachTokenHash<C: Collection<UInt8>>(bytes: C, _ body: (UInt64) -> Void) {
        var h: UInt64 = 0
        var inWord = false
        for b in bytes {
            let word = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
            if word {
                if !inWord { h = 0xcbf29ce484222325; inWord = true }
                h = (h ^ UInt64(b)) &* 0x100000001b3
                continue
            }
            if inWord { body(h); inWord = false }
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { continue }
            body((0xcbf29ce484222325 ^ UInt64(b)) &* 0x100000001b3)
        }
        if inWord { body(h) }
    }

    /// Number of tokens in `text`.
    public static func count(_ text: String) -> Int {
        var n = 0
        forEachTokenHash(text) { _ in n += 1 }
        return n
    }

    /// The tokens themselves (for tests and documentation; the hot paths use hashes).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var cur: [UInt8] = []
        for b in text.utf8 {
            let word = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
            if word { cur.append(b); continue }
            if !cur.isEmpty { out.append(String(decoding: cur, as: UTF8.self)); cur.removeAll() }
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { continue }
            out.append(String(decoding: [b], as: UTF8.self))
        }
        if !cur.isEmpty { out.append(String(decoding: cur, as: UTF8.self)) }
        return out
    }
}

/// A MinHash signature over token 5-shingles, for near-duplicate detection with LSH banding.
///
/// 64 hash functions in 8 bands of 8 rows: two records land in a common bucket with probability
/// 1-(1-s^8)^8, which is 0.99 at Jaccard s = 0.9 and 0.04 at s = 0.5, so candidates stay few and
/// each is confirmed by comparing signatures.
public struct MinHash: Sendable, Equatable {
    public static let shingle = 5
    public static let count = 64
    public static let bands = 8
    public static let rows = 8

    public var values: [UInt32]

    /// Per-function multipliers (odd) and offsets, fixed so signatures compare across runs and files.
    /// Each function is multiply-add-shift over the shingle's well-mixed hash: one multiply per
    /// function keeps a 1,000-token record near 64k cheap operations.
    private static let seeds: [(a: UInt64, b: UInt64)] = {
        var s: UInt64 = 0x9E3779B97F4A7C15
        return (0..<count).map { _ in
            s = s &+ 0x9E3779B97F4A7C15
            let a = mix(s) | 1
            s = s &+ 0x9E3779B97F4A7C15
            return (a, mix(s))
        }
    }()
    /// The same seeds as two flat arrays, so the inner loop is straight loads the compiler can
    /// unroll and vectorize.
    private static let multipliers: [UInt64] = seeds.map(\.a)
    private static let offsets: [UInt64] = seeds.map(\.b)

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// Lowers each minimum to the least value function `i` gives any of the shingles. Four
    /// shingles share each pass over the 64 functions (a minimum does not depend on the order it
    /// is taken in), so each function's seeds and minimum are loaded and stored a quarter as often:
    /// a third less time than one shingle at a time.
    private static func add(_ shingles: UnsafeBufferPointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>,
                            _ mins: UnsafeMutablePointer<UInt32>) {
        @inline(__always) func value(_ s: UInt64, _ a: UInt64, _ b: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: (s &* a &+ b) >> 32) }
        var k = 0
        while k + 4 <= shingles.count {
            let s0 = shingles[k], s1 = shingles[k + 1], s2 = shingles[k + 2], s3 = shingles[k + 3]
            for i in 0..<count {
                let ai = a[i], bi = b[i]
                let m = Swift.min(Swift.min(value(s0, ai, bi), value(s1, ai, bi)), Swift.min(value(s2, ai, bi), value(s3, ai, bi)))
                mins[i] = Swift.min(mins[i], m)
            }
            k += 4
        }
        while k < shingles.count {
            let s = shingles[k]
            for i in 0..<count { mins[i] = Swift.min(mins[i], value(s, a[i], b[i])) }
            k += 1
        }
    }

    /// Whether this CPU runs the AVX2 kernel (`CIPortSIMD`), which gives the same minima as `add`.
    static let avx2 = ciport_minhash_avx2_available() != 0

    /// The signature of the texts taken as one token stream.
    public init(_ texts: [String]) { self.init(texts, vector: Self.avx2) }

    /// `vector`: the AVX2 kernel where the CPU has it; tests turn it off to compare the two paths.
    init(_ texts: [String], vector: Bool) {
        // Shingle hashes first, then the 64 functions over all of them.
        var shingles: [UInt64] = []
        shingles.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count } / 3)
        // The last five token hashes, oldest in t0: a shingle hashes them oldest first.
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        var n = 0
        for text in texts {
            CodeTokenizer.forEachTokenHash(text) { t in
                t0 = t1; t1 = t2; t2 = t3; t3 = t4; t4 = t
                n += 1
                guard n >= MinHash.shingle else { return }
                shingles.append(MinHash.mix(MinHash.mix(MinHash.mix(MinHash.mix(MinHash.mix(t0) &+ t1) &+ t2) &+ t3) &+ t4))
            }
        }
        // Texts shorter than one shingle: one shingle of what there is, oldest first.
        if n > 0 && n < MinHash.shingle {
            var h: UInt64 = 0
            for t in [t0, t1, t2, t3, t4].suffix(n) { h = MinHash.mix(h &+ t) }
            shingles.append(h)
        }
        var mins = [UInt32](repeating: .max, count: MinHash.count)
        MinHash.multipliers.withUnsafeBufferPointer { a in
            MinHash.offsets.withUnsafeBufferPointer { b in
                mins.withUnsafeMutableBufferPointer { m in
                    shingles.withUnsafeBufferPointer { s in
                        if vector && MinHash.avx2 {
                            ciport_minhash_avx2(s.baseAddress, s.count, a.baseAddress!, b.baseAddress!, m.baseAddress!)
                        } else {
                            MinHash.add(s, a.baseAddress!, b.baseAddress!, m.baseAddress!)
                        }
                    }
                }
            }
        }
        values = mins
    }

    /// Estimated Jaccard similarity: the share of equal minima.
    public func similarity(_ other: MinHash) -> Double {
        var eq = 0
        for i in 0..<MinHash.count where values[i] == other.values[i] { eq += 1 }
        return Double(eq) / Double(MinHash.count)
    }

    /// One key per band.
    public var bandKeys: [UInt64] {
        (0..<MinHash.bands).map { b in
            var h = UInt64(b) &* 0x9E3779B97F4A7C15
            for r in 0..<MinHash.rows { h = MinHash.mix(h ^ UInt64(values[b * MinHash.rows + r])) }
            return h
        }
    }
}
