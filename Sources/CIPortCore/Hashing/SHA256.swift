import CIPortSIMD

/// SHA-256 (FIPS 180-4), small and dependency-free: the dataset's content hashes must be the real
/// thing so that other tools (`sha256sum`, Python's hashlib) can recompute them. Whole blocks go
/// to the CPU's SHA instructions where it has them (`CIPortSIMD`); this file's `compress` is the
/// portable path and the oracle the tests hold the hardware path to.
public struct SHA256: Sendable {
    static let hardwareAvailable = ciport_sha256_hw_available() != 0

    private typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    private var h: State =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0
    /// Whether whole blocks go to the SHA instructions (tests turn it off to compare the paths).
    private let hardware: Bool

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public init() { hardware = Self.hardwareAvailable }

    init(hardware: Bool) { self.hardware = hardware && Self.hardwareAvailable }

    /// Feeds contiguous bytes. Not generic, so callers in other modules get compiled code rather
    /// than the unspecialized generic path (which cost the dataset validator a tenth of its time).
    public mutating func update(_ buf: UnsafeBufferPointer<UInt8>) {
        let n = buf.count
        length &+= UInt64(n)
        var i = 0
        // Top up a partial block in one copy (content hashes feed one short line at a time).
        if !buffer.isEmpty {
            let take = Swift.min(64 - buffer.count, n)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<take]))
            i = take
            guard buffer.count == 64 else { return }
            buffer.withUnsafeBufferPointer { SHA256.compress($0, &h, hardware) }
            buffer.removeAll(keepingCapacity: true)
        }
        let whole = (n - i) / 64
        if whole > 0 {
            SHA256.compress(UnsafeBufferPointer(rebasing: buf[i..<(i + 64 * whole)]), &h, hardware)
            i += 64 * whole
        }
        if i < n { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<n])) }
    }

    /// Feeds one byte.
    public mutating func update(byte: UInt8) {
        buffer.append(byte)
        length &+= 1
        if buffer.count == 64 {
            buffer.withUnsafeBufferPointer { SHA256.compress($0, &h, hardware) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        // Whole blocks straight from contiguous storage; the byte loop only for the ragged ends.
        let done: Bool? = bytes.withContiguousStorageIfAvailable { buf in
            update(buf)
            return true
        }
        if done == true { return }
        for b in bytes { update(byte: b) }
    }

    public mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        buffer.append(0x80)
        if buffer.count > 56 {
            while buffer.count < 64 { buffer.append(0) }
            buffer.withUnsafeBufferPointer { SHA256.compress($0, &h, hardware) }
            buffer.removeAll(keepingCapacity: true)
        }
        while buffer.count < 56 { buffer.append(0) }
        for i in (0..<8).reversed() { buffer.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        buffer.withUnsafeBufferPointer { SHA256.compress($0, &h, hardware) }
        buffer.removeAll()
        var out: [UInt8] = []
        for w in [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] {
            out += [UInt8(w >> 24), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w)]
        }
        return out
    }

    /// Hex digest of `text`'s UTF-8 bytes.
    public static func hex(_ text: String) -> String {
        var s = SHA256()
        s.update(text.utf8)
        return hexString(s.finalize())
    }

    public static func hexString(_ digest: [UInt8]) -> String {
        let d = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for b in digest { out.append(d[Int(b >> 4)]); out.append(d[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compresses every whole 64-byte block of `blocks` into `h`.
    private static func compress(_ blocks: UnsafeBufferPointer<UInt8>, _ h: inout State, _ hardware: Bool) {
        let count = blocks.count / 64
        guard count > 0, let base = blocks.baseAddress else { return }
        if hardware {
            withUnsafeMutableBytes(of: &h) { ciport_sha256_hw_blocks($0.baseAddress!.assumingMemoryBound(to: UInt32.self), base, count) }
            return
        }
        for k in 0..<count { compressOne(UnsafeBufferPointer(start: base + 64 * k, count: 64), &h) }
    }

    private static func compressOne(_ block: UnsafeBufferPointer<UInt8>, _ h: inout State) {
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var st = h
        // The message schedule lives on the stack: compressing allocates nothing.
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = st
        k.withUnsafeBufferPointer { k in
        for i in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
        }
        st = (st.0 &+ a, st.1 &+ b, st.2 &+ c, st.3 &+ d, st.4 &+ e, st.5 &+ f, st.6 &+ g, st.7 &+ hh)
        }
        h = st
    }
}
