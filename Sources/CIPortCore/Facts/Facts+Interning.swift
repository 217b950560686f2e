/// Numbers job-local facts (a fact's kind and arguments, its job left out) for `Facts.matchJobs`,
/// which compares jobs as sorted lists of these numbers.
///
/// A `[Fact: Int32]` dictionary did the same at the cost of a SipHash of every argument string,
/// a fifth of `score`. This table hashes the argument bytes a word at a time and settles a hash
/// match by comparing the facts. It serves ASCII arguments only: there `==` on strings is byte
/// equality, so equal byte hashes follow from equal facts. (`"\u{212A}" == "K"` in Swift; such a
/// string makes `id` return nil and the caller falls back to the dictionary.)
struct FactInterner {
    private var hashes: [UInt64]
    private var slots: [Int32]
    private var members: [(kind: Fact.Kind, args: [String])] = []
    private let mask: Int

    /// Room for `capacity` distinct facts without growing.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        hashes = [UInt64](repeating: 0, count: size)
        slots = [Int32](repeating: 0, count: size)
        members.reserveCapacity(capacity)
        mask = size - 1
    }

    /// The fact's number (the next one for a fact not seen before); nil for non-ASCII arguments.
    mutating func id(_ kind: Fact.Kind, _ args: [String]) -> Int32? {
        guard let h = Self.hash(kind, args) else { return nil }
        if 2 * (members.count + 1) > hashes.count { grow() }
        var k = Int(truncatingIfNeeded: h) & mask
        while hashes[k] != 0 {
            if hashes[k] == h {
                let m = Int(slots[k])  // compared in place, not copied out
                if members[m].kind == kind && members[m].args == args { return slots[k] }
            }
            k = (k + 1) & mask
        }
        let id = Int32(members.count)
        members.append((kind, args))
        hashes[k] = h
        slots[k] = id
        return id
    }

    private mutating func grow() {
        var bigger = FactInterner(capacity: hashes.count)
        for m in members { _ = bigger.id(m.kind, m.args) }
        self = bigger
    }

    /// A 64-bit hash of the kind and the argument bytes, never 0 (0 marks a free slot); nil when
    /// an argument has a non-ASCII byte.
    static func hash(_ kind: Fact.Kind, _ args: [String]) -> UInt64? {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* (UInt64(kind.ordinal) &+ 1)
        @inline(__always) func mix(_ x: UInt64) -> UInt64 {
            let y = x &* 0xBF58_476D_1CE4_E5B9
            return y ^ (y >> 31)
        }
        for a in args {
            h = mix(h ^ UInt64(a.utf8.count))
            let ascii = a.utf8.withContiguousStorageIfAvailable { buf -> Bool in
                var high: UInt64 = 0
                var i = 0
                if let base = buf.baseAddress {
                    while buf.count - i >= 8 {
                        let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        high |= w
                        h = mix(h ^ w)
                        i += 8
                    }
                }
                var tail: UInt64 = 0
                while i < buf.count {
                    tail = tail << 8 | UInt64(buf[i])
                    high |= UInt64(buf[i])
                    i += 1
                }
                h = mix(h ^ tail)
                return high & 0x8080_8080_8080_8080 == 0
            }
            guard ascii == true else { return nil }
        }
        return h | 1
    }
}
