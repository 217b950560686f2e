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
        // Native strings are contiguous UTF-8 already; a bridged one is made so once.
        var t = text
        t.withUTF8 { forEachTokenHash(bytes: $0, body) }
    }

    /// Each byte's class: a letter of a word (0), whitespace (1) or a punctuation token (2).
    static let classes: [UInt8] = (0...255).map { (b: Int) -> UInt8 in
        if (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F || b >= 0x80 { return 0 }
        return b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D ? 1 : 2
    }

    /// The loop over the bytes: a class looked up per byte, and a word's bytes hashed in an inner
    /// loop of their own (a third less time than testing ranges with one loop for every byte).
    @inline(__always)
    static func forEachTokenHash(bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Void) {
        guard let p = bytes.baseAddress else { return }
        classes.withUnsafeBufferPointer { table in
            let c = table.baseAddress!
            let n = bytes.count
            var i = 0
            while i < n {
                let b = p[i]
                i += 1
                switch c[Int(b)] {
                case 0:
                    var h = (0xcbf29ce484222325 ^ UInt64(b)) &* 0x100000001b3
                    while i < n, c[Int(p[i])] == 0 {
                        h = (h ^ UInt64(p[i])) &* 0x100000001b3
                        i += 1
                    }
                    body(h)
                case 1:
                    continue
                default:
                    body((0xcbf29ce484222325 ^ UInt64(b)) &* 0x100000001b3)
                }
            }
        }
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
/// One-permutation MinHash (Li, Owen and Zhang 2012) with optimal densification (Shrivastava
/// 2017): each shingle is hashed once; the hash's top 6 bits pick one of 64 bins and its low 32
/// bits are the value, and each bin keeps its least value. A bin no shingle reached takes the value
/// of a filled bin chosen by a probe sequence that depends only on the bin's number, so two texts
/// agree on it with the probability they agree on a filled one. The share of equal bins estimates
/// Jaccard similarity as 64 independent hash functions do, at one hash per shingle instead of 64
/// (those were a tenth of `dataset validate`'s CPU).
///
/// 64 bins in 8 bands of 8 rows: two records land in a common bucket with probability
/// 1-(1-s^8)^8, which is 0.99 at Jaccard s = 0.9 and 0.04 at s = 0.5, so candidates stay few and
/// each is confirmed by comparing signatures.
public struct MinHash: Sendable, Equatable {
    public static let shingle = 5
    public static let count = 64
    public static let bands = 8
    public static let rows = 8

    public var values: [UInt32]

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// A shingle's hash from its token hashes, oldest first: each position has its own odd
    /// multiplier (so order matters), and one finalizer spreads the sum over all 64 bits.
    @inline(__always)
    static func shingleHash(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64, _ t4: UInt64) -> UInt64 {
        mix(t0 &* 0x9E3779B97F4A7C15 &+ t1 &* 0xC2B2AE3D27D4EB4F &+ t2 &* 0x165667B19E3779F9
            &+ t3 &* 0xD6E8FEB86659FD93 &+ t4 &* 0xFF51AFD7ED558CCD)
    }

    /// The bin a shingle hash falls in, and its value there.
    @inline(__always)
    static func bin(_ h: UInt64) -> (bin: Int, value: UInt32) {
        (Int(truncatingIfNeeded: h >> 58), UInt32(truncatingIfNeeded: h))
    }

    /// The `attempt`-th bin an empty bin `i` borrows from (the same sequence for every text).
    @inline(__always)
    static func probe(_ i: Int, _ attempt: UInt64) -> Int {
        Int(truncatingIfNeeded: mix(UInt64(i) << 32 | attempt) >> 58)
    }

    /// The signature of the texts taken as one token stream.
    public init(_ texts: [String]) {
        var state = Signer()
        for text in texts {
            var t = text
            // Native strings are contiguous UTF-8 already; a bridged one is made so once.
            t.withUTF8 { state.feed($0) }
        }
        values = state.finish()
    }

    /// Shingling and bins, fed the texts' bytes, its state in stored properties (not locals
    /// captured by the tokenizer's callback).
    struct Signer {
        var mins = [UInt32](repeating: .max, count: MinHash.count)
        var filled: UInt64 = 0  // bit i: some shingle fell in bin i
        // The last five token hashes, oldest in t0, and how many tokens there have been.
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        var n = 0

        @inline(__always)
        mutating func token(_ t: UInt64) {
            t0 = t1; t1 = t2; t2 = t3; t3 = t4; t4 = t
            n += 1
            if n >= MinHash.shingle { add(MinHash.shingleHash(t0, t1, t2, t3, t4)) }
        }

        @inline(__always)
        mutating func add(_ h: UInt64) {
            let (b, v) = MinHash.bin(h)
            mins.withUnsafeMutableBufferPointer { if v < $0[b] { $0[b] = v } }
            filled |= 1 << UInt64(b)
        }

        mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
            CodeTokenizer.forEachTokenHash(bytes: bytes) { token($0) }
        }

        /// The signature: a text shorter than one shingle gives one shingle of what there is
        /// (zeros before it), then empty bins are filled.
        mutating func finish() -> [UInt32] {
            if n > 0 && n < MinHash.shingle { add(MinHash.shingleHash(t0, t1, t2, t3, t4)) }
            let f = filled
            mins.withUnsafeMutableBufferPointer { MinHash.densify($0, filled: f) }
            return mins
        }
    }

    /// Fills each empty bin from the first filled bin its probe sequence meets (after 256 misses,
    /// the next filled bin after it, which keeps the loop bounded). No shingles: all stay `.max`.
    static func densify(_ m: UnsafeMutableBufferPointer<UInt32>, filled: UInt64) {
        guard filled != 0, filled != .max else { return }
        for i in 0..<count where filled & (1 << UInt64(i)) == 0 {
            var donor = -1
            var attempt: UInt64 = 1
            while attempt <= 256 {
                let j = probe(i, attempt)
                if filled & (1 << UInt64(j)) != 0 {
                    donor = j
                    break
                }
                attempt += 1
            }
            if donor < 0 {
                donor = (1...count).lazy.map { (i + $0) % count }.first { filled & (1 << UInt64($0)) != 0 }!
            }
            m[i] = m[donor]
        }
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
