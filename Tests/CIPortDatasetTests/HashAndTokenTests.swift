@testable import CIPortCore
import Foundation
import Testing
@testable import CIPortDataset

struct SHA256Tests {
    /// FIPS 180-4 / NIST test vectors, plus lengths around the 55/56/64-byte padding boundaries.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
        var portable = SHA256(hardware: false)
        portable.update(input.utf8)
        #expect(SHA256.hexString(portable.finalize()) == digest)
    }

    /// The SHA instructions (where this CPU has them) and the portable code give the same digest
    /// for every length across several blocks, fed whole and in uneven pieces.
    @Test func hardwareMatchesPortable() {
        var rng = SeededRandom(seed: 7)
        for n in 0..<700 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var hw = SHA256(), sw = SHA256(hardware: false)
            var at = 0
            while at < n {
                let take = min(n - at, 1 + Int(rng.next() % 150))
                hw.update(bytes[at..<(at + take)])
                at += take
            }
            sw.update(bytes)
            #expect(hw.finalize() == sw.finalize(), "length \(n)")
        }
    }

    @Test func millionAs() {
        var h = SHA256()
        h.update(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
        let hex = h.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Pieces of every size, across block boundaries, give the digest of the whole.
    @Test func piecewiseFeedMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var whole = SHA256()
        whole.update(bytes)
        let expected = whole.finalize()
        for step in [1, 3, 55, 56, 63, 64, 65, 127, 200] {
            var h = SHA256()
            var i = 0
            while i < bytes.count {
                let piece = Array(bytes[i..<min(i + step, bytes.count)])
                if piece.count == 1 { h.update(byte: piece[0]) } else { piece.withUnsafeBufferPointer { h.update($0) } }
                i += step
            }
            #expect(h.finalize() == expected, "step \(step)")
        }
    }

    @Test func contentHashIgnoresWhitespaceOnlyChanges() {
        #expect(ContentHash.of(source: "a: 1\n\nb: 2\n", target: "x: 1") == ContentHash.of(source: "a: 1   \r\nb: 2", target: "x: 1\n\n"))
        #expect(ContentHash.of(source: "a: 1", target: "x: 1") != ContentHash.of(source: "a: 1", target: "x: 2"))
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        #expect(ContentHash.of(source: "ab", target: "c") != ContentHash.of(source: "a", target: "bc"))
    }
}

struct TokenizerTests {
    @Test func splitsOnWhitespaceAndPunctuation() {
        #expect(CodeTokenizer.tokens("npm run build:prod") == ["npm", "run", "build", ":", "prod"])
        #expect(CodeTokenizer.tokens("- run: ${{ matrix.node_version }}") == ["-", "run", ":", "$", "{", "{", "matrix", ".", "node_version", "}", "}"])
        #expect(CodeTokenizer.count("") == 0)
        #expect(CodeTokenizer.count("héllo wörld") == 2)
    }

    @Test func minHashEstimatesJaccard() {
        let base = (0..<200).map { "step\($0): run command-\($0) --flag value\($0)" }.joined(separator: "\n")
        let edited = base.replacingOccurrences(of: "command-17 ", with: "other-17 ")
        let unrelated = (0..<200).map { "job\($0): image thing\($0) script \($0 * 7)" }.joined(separator: "\n")
        let a = MinHash([base]), b = MinHash([edited]), c = MinHash([unrelated])
        #expect(a.similarity(a) == 1)
        #expect(a.similarity(b) >= 0.9)
        #expect(a.similarity(c) < 0.3)
        #expect(a.bandKeys.count == MinHash.bands)
    }
}

struct MinHashReferenceTests {
    /// One-permutation MinHash written plainly (token strings, a ring buffer of their hashes, a
    /// dictionary of bins, densification by probing), the reference `MinHash.init` must match.
    static func reference(_ texts: [String]) -> [UInt32] {
        var bins: [Int: UInt32] = [:]
        var window = [UInt64](repeating: 0, count: MinHash.shingle)  // oldest first
        var n = 0
        func add() {
            let multipliers: [UInt64] = [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD]
            var sum: UInt64 = 0
            for k in 0..<MinHash.shingle { sum = sum &+ window[k] &* multipliers[k] }
            let h = MinHash.mix(sum)
            let bin = Int(h / (1 << 58)), value = UInt32(h % (1 << 32))
            bins[bin] = min(bins[bin] ?? .max, value)
        }
        for text in texts {
            for t in CodeTokenizer.tokens(text) {
                var h: UInt64 = 0xcbf29ce484222325
                for b in t.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
                window.removeFirst()
                window.append(h)
                n += 1
                if n >= MinHash.shingle { add() }
            }
        }
        if n > 0 && n < MinHash.shingle { add() }
        if bins.isEmpty { return [UInt32](repeating: .max, count: MinHash.count) }
        return (0..<MinHash.count).map { i in
            if let v = bins[i] { return v }
            for attempt in 1...256 {
                let j = Int(MinHash.mix(UInt64(i) << 32 | UInt64(attempt)) / (1 << 58))
                if let v = bins[j] { return v }
            }
            return (1...MinHash.count).lazy.compactMap { bins[(i + $0) % MinHash.count] }.first!
        }
    }

    @Test(arguments: [
        [""], ["a"], ["a b"], ["a b c d"], ["a b c d e"], ["a b c d e f"], ["x: 1", "y"], ["", "one two three"],
        ["jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm test\n"],
        ["héllo wörld ✓ ünïcode_ok", "$CI_COMMIT_SHA ${{ github.sha }}"],
        [(0..<300).map { "step\($0): run thing-\($0 % 7) --flag v\($0 % 11)" }.joined(separator: "\n"), "tail one two"],
    ])
    func signatureMatchesTheReference(texts: [String]) {
        #expect(MinHash(texts).values == Self.reference(texts))
    }

    @Test func benchRecordsMatchTheReference() throws {
        var rng = SeededRandom(seed: 9)
        for i in 0..<40 {
            let r = DatasetBench.pair(i, &rng)
            let texts = try [#require(Prompts.unfence(r.messages[1].content)), #require(Prompts.unfence(r.messages[2].content))]
            #expect(MinHash(texts).values == Self.reference(texts))
        }
    }

    /// Empty bins borrow a filled bin's value: a one-shingle text has one value in every bin, and
    /// no text leaves every bin at `.max`.
    @Test func densificationFillsEveryBin() {
        let one = MinHash(["a b c d e"])
        #expect(Set(one.values).count == 1 && one.values[0] != .max)
        #expect(MinHash([""]).values == [UInt32](repeating: .max, count: MinHash.count))
        #expect(one.similarity(MinHash(["a b c d f"])) == 0)
    }

    /// The estimate follows the exact Jaccard similarity of the shingle sets: over pairs of
    /// generated texts from disjoint to identical, the mean error is small and none is far off.
    @Test func estimateTracksExactJaccard() {
        var rng = SeededRandom(seed: 17)
        func shingles(_ words: [String]) -> Set<[String]> {
            Set((0...(words.count - MinHash.shingle)).map { Array(words[$0..<($0 + MinHash.shingle)]) })
        }
        var errors: [Double] = []
        for _ in 0..<120 {
            let length = 40 + Int(rng.next() % 400)
            let a = (0..<length).map { _ in "w\(rng.next() % 5000)" }
            var b = a
            let edits = Int(rng.next() % UInt64(length))  // 0 … all words replaced
            for _ in 0..<edits { b[Int(rng.next() % UInt64(length))] = "v\(rng.next() % 5000)" }
            let sa = shingles(a), sb = shingles(b)
            let exact = Double(sa.intersection(sb).count) / Double(sa.union(sb).count)
            let estimate = MinHash([a.joined(separator: " ")]).similarity(MinHash([b.joined(separator: " ")]))
            errors.append(abs(estimate - exact))
        }
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(mean < 0.06, "mean error \(mean)")
        #expect(errors.max()! < 0.25, "worst error \(errors.max()!)")
    }
}

struct UnfenceTests {
    /// The byte path for ASCII text gives what the Foundation path gives.
    @Test(arguments: [
        "```yaml\na: 1\n```", "intro\n\n```yaml\na: 1\nb: 2\n```\n", "```yaml\n```", "```yaml\n", "```", "no fence",
        "```yaml\na\n```\nmore\n```", "``` \n x \n ```", "```yaml\n\n```", "a```b\nc\n```", "```\n```\n```",
        "```yaml\nx: \"```\"\n```trailing", "``", "\n```", "```yaml\nbody", "```yaml\n``", "```yaml\n\n``",
    ])
    func asciiPathMatchesFoundation(text: String) throws {
        let fast = try #require(text.utf8.withContiguousStorageIfAvailable(Prompts.asciiUnfence))
        #expect(fast == .some(Prompts.foundationUnfence(text)), "\(text.debugDescription)")
    }

    @Test func otherTextTakesTheFoundationPath() {
        for text in ["```yaml\r\na: 1\r\n```", "```yaml\né: 1\n```"] {
            #expect(text.utf8.withContiguousStorageIfAvailable(Prompts.asciiUnfence) == .some(nil))
            #expect(Prompts.unfence(text) == Prompts.foundationUnfence(text))
        }
    }
}

struct ContentHashRandomTests {
    /// Lines with and without trailing blanks, empty lines, CR LF and a missing last newline.
    @Test func streamingDigestMatchesNormalizedTextOnRandomTexts() {
        var rng = SeededRandom(seed: 5)
        let pieces = ["a: 1", "  - run: x", "", " ", "\t", "\r", "é ✓", "b", "  ", "key: value  "]
        for _ in 0..<300 {
            func text() -> String {
                (0..<Int(rng.next() % 9)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] + pieces[Int(rng.next() % UInt64(pieces.count))] }
                    .joined(separator: rng.next() % 3 == 0 ? "\r\n" : "\n") + (rng.next() % 2 == 0 ? "\n" : "")
            }
            let a = text(), b = text()
            #expect(ContentHash.of(source: a, target: b) == SHA256.hex(ContentHash.normalize(a) + "\n\u{0}\n" + ContentHash.normalize(b)),
                    "\(a.debugDescription) \(b.debugDescription)")
        }
    }
}

struct ContentHashTests {
    /// The streaming digest and the text normalization must agree byte for byte.
    @Test(arguments: ["", "a", "a: 1\n\n\nb: 2  \r\n", "\n\n x \t\n", "ünïcode: ✓\r\n- é\n"])
    func streamingDigestMatchesNormalizedText(text: String) {
        let expected = SHA256.hex(ContentHash.normalize(text) + "\n\u{0}\n" + ContentHash.normalize("t: \(text)"))
        #expect(ContentHash.of(source: text, target: "t: \(text)") == expected)
    }
}
