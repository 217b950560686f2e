import Foundation
import Testing
@testable import CIPortDataset

struct StrictJSONTests {
    static func parse(_ s: String) throws -> JSONValue { try StrictJSON.parse(s) }

    static func reason(_ s: String) -> StrictJSON.Failure.Reason? {
        do {
            _ = try StrictJSON.parse(s)
            return nil
        } catch let f as StrictJSON.Failure {
            return f.reason
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), (" \t\r\n1 \n", .number(1)),
        ("0", .number(0)), ("-0", .number(-0.0)), ("-12.5e-1", .number(-1.25)), ("1E+2", .number(100)), ("1e0001", .number(10)),
        ("0.5", .number(0.5)), ("1e-400", .number(0)), ("1.7976931348623157e308", .number(1.7976931348623157e308)),
        ("123456789012345678901234567890", .number(Double("123456789012345678901234567890")!)),
        (#""""#, .string("")), (#""abc""#, .string("abc")), (#""é ✓ 😀""#, .string("é ✓ 😀")),
        (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{8}\u{C}\n\r\t")),
        (#""\u0041\u00e9\u20AC""#, .string("Aé€")), (#""\u0000""#, .string("\u{0}")), ("\"\u{7F}\"", .string("\u{7F}")),
        (#""\ud83d\ude00 and \uD83D\uDE00""#, .string("😀 and 😀")), (#""\uDBFF\uDFFF""#, .string("\u{10FFFF}")),
        (#""x\ny é\u00e9""#, .string("x\ny éé")),
        ("[]", .array([])), ("[ ]", .array([])), ("[1, [2, []], {}]", .array([.number(1), .array([.number(2), .array([])]), .object([])])),
        ("{}", .object([])), (#"{ "a" : 1 , "b":[true,null] }"#, .object([("a", .number(1)), ("b", .array([.bool(true), .null]))])),
        (#"{"a\u0062":"\u0063"}"#, .object([("ab", .string("c"))])),
    ])
    func validInputs(text: String, expected: JSONValue) throws {
        #expect(try Self.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "\u{FEFF}{}", "{", "}", "[", "]", "[1,]", "{\"a\":1,}", "[,]", "{,}", "[1,,2]", "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
        "{1:2}", "{a:1}", "{'a':1}", "['a']", "{\"a\"}", "{\"a\":}", "01", "-01", "-", "+1", "1.", ".5", "1.e5", "1e", "1e+", "0x10",
        "Infinity", "-Infinity", "NaN", "tru", "nul", "truex", "True", "NULL", "\"abc", "\"\\\"", "\"\\x\"", "\"\\U0041\"", "\"\\u12\"",
        "\"\\u004G\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ude00\\ud83d\"", "\"\\ud800x\"", "\"a\u{1}b\"", "\"a\tb\"",
        "\"a\nb\"", "{} x", "{}}", "{}]", "[] []", "1 2", "{\"a\":1}\u{0}", "{\"a\":1}\u{B}", "\u{C}{}", "{\"a\"\u{A0}:1}", "/* c */ 1",
        "[1] // c",
    ])
    func invalidInputs(text: String) {
        #expect(Self.reason(text) == .syntax, "\(text.debugDescription)")
    }

    @Test func invalidUTF8InAStringIsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
                               [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0x80, 0x22], [0xC3, 0xA9]] {
            let r = bytes.withUnsafeBufferPointer { buf -> StrictJSON.Failure.Reason? in
                do { _ = try StrictJSON.parse(buf); return nil } catch let f as StrictJSON.Failure { return f.reason } catch { return nil }
            }
            #expect(r == .syntax, "\(bytes)")
        }
    }

    /// Valid JSON it leaves to JSONSerialization: ambiguous, too deep, or beyond a Double.
    @Test func unsupportedInputsAreNamedApart() {
        #expect(Self.reason(#"{"a":1,"a":2}"#) == .unsupported)
        #expect(Self.reason("{\"K\":1,\"\u{212A}\":2}") == .unsupported)  // equal as Swift strings
        let manyKeys = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k39\":0}"
        #expect(Self.reason(manyKeys) == .unsupported)
        #expect(Self.reason("1e999") == .unsupported)
        #expect(Self.reason("-2e308") == .unsupported)
        #expect(Self.reason(String(repeating: "9", count: 400)) == .unsupported)
        let deep = StrictJSON.maxDepth
        #expect(Self.reason(String(repeating: "[", count: deep) + String(repeating: "]", count: deep)) == nil)
        #expect(Self.reason(String(repeating: "[", count: deep + 1) + String(repeating: "]", count: deep + 1)) == .unsupported)
        #expect(Self.reason(String(repeating: "[", count: 100_000)) == .unsupported)
        #expect(Self.reason(String(repeating: "{\"a\":", count: deep + 1) + "1" + String(repeating: "}", count: deep + 1)) == .unsupported)
    }

    // MARK: - Against JSONSerialization

    /// JSONSerialization's reading, members in name order so that values compare.
    static func foundation(_ bytes: [UInt8]) -> JSONValue? {
        guard let any = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        return sorted(RecordCheck.jsonValue(any))
    }

    static func sorted(_ v: JSONValue) -> JSONValue {
        switch v {
        case .array(let a): .array(a.map(sorted))
        case .object(let o): .object(o.map { ($0.key, sorted($0.value)) }.sorted { $0.0 < $1.0 })
        default: v
        }
    }

    static func strict(_ bytes: [UInt8]) -> Result<JSONValue, StrictJSON.Failure> {
        bytes.withUnsafeBufferPointer { buf in
            do { return .success(sorted(try StrictJSON.parse(buf))) } catch let f as StrictJSON.Failure { return .failure(f) } catch {
                fatalError("StrictJSON throws only Failure")
            }
        }
    }

    /// Whatever StrictJSON accepts, JSONSerialization reads to the same values; what it rejects
    /// as not JSON, JSONSerialization rejects too, except for the leniencies it is known for.
    static func agree(_ bytes: [UInt8]) -> String? {
        let f = foundation(bytes)
        switch strict(bytes) {
        case .success(let v):
            if !(f.map { close($0, v) } ?? false) { return "StrictJSON read \(v), JSONSerialization \(f.map { "\($0)" } ?? "an error")" }
        case .failure(let e) where e.reason == .syntax:
            if f != nil && !knownLeniency(bytes) { return "StrictJSON refused (\(e)) what JSONSerialization read" }
        case .failure:
            break
        }
        return nil
    }

    /// Equal, numbers within 1e-12 relative: JSONSerialization reads long mantissas through
    /// NSDecimalNumber and can be a few ulps off the correctly rounded Double that StrictJSON gives.
    static func close(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { close($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && close($0.value, $1.value) }
        default: return a == b
        }
    }

    /// JSONSerialization accepts a trailing comma in arrays and objects and a leading BOM.
    static func knownLeniency(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
        var inString = false, escaped = false, lastSignificant: UInt8 = 0
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                continue
            }
            if b == 0x22 { inString = true }
            if (b == 0x5D || b == 0x7D) && lastSignificant == 0x2C { return true }
            if ![0x20, 0x09, 0x0A, 0x0D].contains(b) { lastSignificant = b }
        }
        return false
    }

    @Test func agreesWithJSONSerializationOnTables() {
        let texts = [
            "null", "true", "[1,]", "{\"a\":1,}", "\u{FEFF}{}", "{\"a\":\"\\ud800\"}", "{\"a\":01}", "{\"a\":1e309}", "{\"a\":1e-330}",
            "{\"a\":[1,{\"b\":\"\\u00e9\\ud83d\\ude00\"}],\"c\":-0.0e-0}", "[\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"]", "{\"a\":1}\r", "  [ ]  ",
            "{\"a\":123456789012345678901234567890}", "{\"a\":\(String(repeating: "9", count: 200))}", "{\"a\":9223372036854775808}",
            "\"\u{7F}\"", "{\"a\":\"x\"} x", "[tru]", "[nul]", "{\"a\" :1}", "[1e5, 1E-5, 0.25, -7]",
        ]
        for t in texts {
            let problem = Self.agree(Array(t.utf8))
            #expect(problem == nil, "\(t.debugDescription): \(problem ?? "")")
        }
    }

    /// Random documents, written with random spacing and escapes, then cut and corrupted.
    @Test func agreesWithJSONSerializationOnRandomDocuments() {
        var rng = SeededRandom(seed: 2024)
        var checked = 0
        for _ in 0..<1500 {
            let doc = Self.randomText(&rng, depth: 0)
            var variants: [[UInt8]] = [Array(doc.utf8)]
            var bytes = Array(doc.utf8)
            if !bytes.isEmpty {
                variants.append(Array(bytes[..<Int(rng.next() % UInt64(bytes.count))]))
                let at = Int(rng.next() % UInt64(bytes.count))
                let junk: [UInt8] = [0x2C, 0x7D, 0x5D, 0x22, 0x5C, 0x00, 0x0A, 0x20, 0x75, 0x2D, 0x30, 0x65, 0xC3, 0xFF, 0x3A]
                bytes.insert(junk[Int(rng.next() % UInt64(junk.count))], at: at)
                variants.append(bytes)
                var flipped = Array(doc.utf8)
                flipped[Int(rng.next() % UInt64(flipped.count))] = junk[Int(rng.next() % UInt64(junk.count))]
                variants.append(flipped)
            }
            for v in variants {
                checked += 1
                let problem = Self.agree(v)
                #expect(problem == nil, "\(String(decoding: v, as: UTF8.self).debugDescription): \(problem ?? "")")
            }
        }
        #expect(checked > 5000)
    }

    static func randomText(_ rng: inout SeededRandom, depth: Int) -> String {
        func ws() -> String { ["", "", " ", "\n", "\t", " \r\n "][Int(rng.next() % 6)] }
        let pick = depth > 4 ? rng.next() % 4 : rng.next() % 7
        switch pick {
        case 0: return ["null", "true", "false"][Int(rng.next() % 3)]
        case 1:
            let ints = ["0", "-0", "7", "-42", "1234567890123", "18446744073709551616"]
            let fracs = ["", ".5", ".000125", ".9999999999999999999"]
            let exps = ["", "e3", "E-2", "e+10", "e-400", "e308"]
            return ints[Int(rng.next() % 6)] + fracs[Int(rng.next() % 4)] + exps[Int(rng.next() % 6)]
        case 2, 3:
            return randomString(&rng)
        case 4, 5:
            let n = Int(rng.next() % 5)
            // Distinct names: an index first, then random characters and escapes.
            return "{" + ws() + (0..<n).map { i in
                "\"k\(i)_" + randomChars(&rng) + "\"" + ws() + ":" + ws() + randomText(&rng, depth: depth + 1) + ws()
            }.joined(separator: "," + ws()) + "}"
        default:
            let n = Int(rng.next() % 5)
            return "[" + ws() + (0..<n).map { _ in randomText(&rng, depth: depth + 1) }.joined(separator: ws() + "," + ws()) + ws() + "]"
        }
    }

    static func randomString(_ rng: inout SeededRandom) -> String { "\"" + randomChars(&rng) + "\"" }

    static func randomChars(_ rng: inout SeededRandom) -> String {
        let pieces = ["a", "Z", " ", "é", "✓", "😀", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u0041", "\\u00e9", "\\u20ac", "\\ud83d\\ude00",
                      "\\u0000", "\\b", "\\f", "\\r", "key", "\u{7F}"]
        return (0..<Int(rng.next() % 8)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    // MARK: - Records

    /// The fast path and the JSONSerialization path decode the same record from every line.
    @Test func recordsDecodeAsThroughFoundation() throws {
        for r in try Fixture.records() {
            for line in [r.jsonLine(), String(decoding: try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: Data(r.jsonLine().utf8))), as: UTF8.self)] {
                let bytes = Data(line.utf8)
                let viaFoundation = try RecordCheck.record(RecordCheck.foundationValue(bytes))
                #expect(try RecordCheck.decode(bytes) == viaFoundation)
                #expect(viaFoundation == r)
            }
        }
    }

    /// `RecordCheck.origin` reads an origin object as `JSONDecoder` does.
    @Test(arguments: [
        #"{"source":{"path":"a.yml"}}"#, #"{"repo":"o/r","source":{"path":"a","commit":"c","date":"d"},"target":{"path":"b"},"relation":"stale"}"#,
        #"{"repo":null,"source":{"path":"a","commit":null},"target":null,"relation":null,"other":[1,{"x":true}]}"#,
        #"{}"#, #"{"source":null}"#, #"{"source":"a"}"#, #"{"source":{}}"#, #"{"source":{"path":null}}"#, #"{"source":{"path":1}}"#,
        #"{"source":{"path":"a","commit":5}}"#, #"{"source":{"path":"a","date":false}}"#, #"{"repo":1,"source":{"path":"a"}}"#,
        #"{"relation":[],"source":{"path":"a"}}"#, #"{"source":{"path":"a"},"target":"b"}"#, #"{"source":{"path":"a"},"target":{}}"#,
        #"{"source":{"path":"a"},"target":{"path":"b","commit":{}}}"#,
    ])
    func originAsJSONDecoderReadsIt(text: String) throws {
        let viaDecoder = try? JSONDecoder().decode(DatasetRecord.Origin.self, from: Data(text.utf8))
        #expect(RecordCheck.origin(try Self.parse(text)) == viaDecoder)
    }
}
