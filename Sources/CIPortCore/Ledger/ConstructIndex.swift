/// The ledger's index from construct path to entry number, with the answers of a
/// `[String: Int]` and a cheaper hash.
///
/// Construct paths are looked up several times each per conversion, and SipHash over a 30-byte
/// path was the largest hashing cost of a conversion. ASCII paths (nearly all) go into an open
/// addressing table hashed eight bytes at a time; for ASCII text, equal bytes are exactly equal
/// strings. The first non-ASCII path switches the index to a Swift dictionary for good, since
/// Swift compares strings by canonical equivalence (`"\u{212A}"`, the Kelvin sign, equals `"K"`),
/// which bytes cannot tell. So does a probe run that grows long (keys made to collide): the
/// dictionary's seeded hash then bounds the work.
struct ConstructIndex: Sendable {
    /// Entry number + 1 per slot; 0 is empty. The count is a power of two.
    private var slots: [Int32] = []
    private var hashes: [UInt64] = []
    private var used = 0
    /// Set once the table gives way to Swift's dictionary.
    private var general: [String: Int]?

    static let maxProbe = 48

    /// The entry number for `key` when it is there; otherwise records `newIndex` for it and
    /// returns nil. `construct(i)` is entry i's path (the table keeps no strings of its own).
    mutating func find(_ key: String, orInsert newIndex: Int?, construct: (Int) -> String) -> Int? {
        if general == nil {
            switch fastFind(key, orInsert: newIndex, construct: construct) {
            case .found(let i): return i
            case .absent: return nil
            case .switched: break
            }
        }
        if let i = general?[key] { return i }
        if let newIndex { general![key] = newIndex }
        return nil
    }

    /// The entry number for `key`, without changing the index: a non-ASCII key while the table
    /// holds only ASCII ones is compared with each of the `count` entries (such a key was
    /// never recorded: recording it would have switched the index).
    func lookup(_ key: String, count: Int, construct: (Int) -> String) -> Int? {
        if let general { return general[key] }
        guard let h = FastText.withBytes(key, { b -> UInt64? in FastText.isASCII(b) ? Self.hash(b) : nil }) else {
            return (0..<count).first { construct($0) == key }
        }
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            if hashes[i] == h, construct(Int(slots[i]) - 1) == key { return Int(slots[i]) - 1 }
            i = (i + 1) & mask
        }
        return nil
    }

    private enum Answer { case found(Int), absent, switched }

    /// `.switched` when the table cannot answer (a non-ASCII key, a long probe run): the
    /// dictionary has taken over.
    private mutating func fastFind(_ key: String, orInsert newIndex: Int?, construct: (Int) -> String) -> Answer {
        guard let h = FastText.withBytes(key, { b -> UInt64? in FastText.isASCII(b) ? Self.hash(b) : nil }) else {
            switchToGeneral(construct)
            return .switched
        }
        if slots.isEmpty {
            guard newIndex != nil else { return .absent }
            slots = [Int32](repeating: 0, count: 64)
            hashes = [UInt64](repeating: 0, count: 64)
        }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        var probes = 0
        while slots[i] != 0 {
            if hashes[i] == h {
                let e = Int(slots[i]) - 1
                if construct(e) == key { return .found(e) }
            }
            probes += 1
            if probes > Self.maxProbe {
                switchToGeneral(construct)
                return .switched
            }
            i = (i + 1) & mask
        }
        guard let newIndex else { return .absent }
        slots[i] = Int32(newIndex + 1)
        hashes[i] = h
        used += 1
        if used * 2 > slots.count { grow() }
        return .absent
    }

    /// Every path the table holds, into a dictionary (each path is in it once, so the order
    /// of insertion does not matter).
    private mutating func switchToGeneral(_ construct: (Int) -> String) {
        var d: [String: Int] = [:]
        d.reserveCapacity(used)
        for s in slots where s != 0 { d[construct(Int(s) - 1)] = Int(s) - 1 }
        general = d
        slots = []
        hashes = []
        used = 0
    }

    private mutating func grow() {
        let oldSlots = slots, oldHashes = hashes
        let n = oldSlots.count * 2
        slots = [Int32](repeating: 0, count: n)
        hashes = [UInt64](repeating: 0, count: n)
        let mask = n - 1
        for k in oldSlots.indices where oldSlots[k] != 0 {
            var i = Int(truncatingIfNeeded: oldHashes[k]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = oldSlots[k]
            hashes[i] = oldHashes[k]
        }
    }

    /// Eight bytes at a time, each word multiplied in and folded down; the length is mixed in
    /// first so that trailing zero bytes still differ.
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(b.count) &* k
        guard let base = b.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        let n = b.count
        var i = 0
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* k
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(b[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* k
            h ^= h >> 29
        }
        h = (h ^ (h >> 32)) &* k
        return h ^ (h >> 29)
    }
}
