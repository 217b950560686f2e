/// A parsed JSON value. Objects keep their members in document order; `StrictJSON` rejects
/// duplicate names, so a lookup has one answer.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member named `key` of an object (nil for a missing member or a non-object).
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for m in members where m.key == key { return m.value }
        return nil
    }

    /// How a record's error message names the value's type.
    var kind: String {
        switch self {
        case .null: "null"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .bool: "a boolean"
        case .number: "a number"
        }
    }

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes: one value and only whitespace around it, no
/// trailing commas, no comments, no byte-order mark, no control characters in strings, every
/// escape including `\u` surrogate pairs (a lone surrogate is an error: a Swift string cannot hold
/// it), strings validated as UTF-8.
///
/// `dataset validate` decodes every record with it. JSONSerialization on Linux took a tenth of the
/// validator's time in bridging to `NSDictionary`/`NSNumber`, and is lenient besides (it accepts
/// `[1,]` and a leading BOM). Some valid JSON is refused on purpose, as an `unsupported` error:
/// duplicate member names (whose meaning the RFC leaves open), nesting deeper than `maxDepth`, and
/// numbers too large for a `Double`. `RecordCheck.decode` hands every input this parser refuses to
/// JSONSerialization, so records keep the outcomes and messages they had.
struct StrictJSON {
    struct Failure: Error, Equatable, CustomStringConvertible {
        enum Reason: Equatable, Sendable {
            /// Not JSON.
            case syntax
            /// JSON this parser does not decode (see the type's summary).
            case unsupported
        }
        var reason: Reason
        /// Byte offset of the problem.
        var offset: Int
        var message: String
        var description: String { "\(message) at byte \(offset)" }
    }

    /// Deepest nesting of arrays and objects accepted: a record needs 4, and the bound keeps the
    /// recursion far from the stack's end whatever a line holds.
    static let maxDepth = 64

    private let p: UnsafePointer<UInt8>
    private let end: Int
    private var i = 0
    private var depth = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []

    private init(_ buf: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address; any valid pointer will do, it is never read.
        p = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
        end = buf.count
    }

    /// Parses `bytes` as one JSON text.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var parser = StrictJSON(bytes)
        parser.skipSpace()
        let v = try parser.value()
        parser.skipSpace()
        if parser.i != parser.end { throw parser.fail("unexpected text after the value") }
        return v
    }

    static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { buf in try parse(buf) }
    }

    private func fail(_ message: String, _ reason: Failure.Reason = .syntax) -> Failure {
        Failure(reason: reason, offset: i, message: message)
    }

    @inline(__always)
    private mutating func skipSpace() {
        while i < end {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    private mutating func value() throws -> JSONValue {
        guard i < end else { throw fail("unexpected end of input") }
        switch p[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard end - i >= n, (0..<n).allSatisfy({ p[i + $0] == word.utf8Start[$0] }) else { throw fail("expected '\(word)'") }
        i += n
    }

    private mutating func enter() throws {
        depth += 1
        if depth > StrictJSON.maxDepth { throw fail("nested deeper than \(StrictJSON.maxDepth)", .unsupported) }
        i += 1
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        var members: [(key: String, value: JSONValue)] = []
        var names: Set<String>?
        skipSpace()
        if i < end && p[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            guard i < end, p[i] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
            let at = i
            let key = try string()
            // Records have a handful of members; past 16 a set keeps the check linear.
            if members.count >= 16 && names == nil { names = Set(members.map(\.key)) }
            let duplicate = names != nil ? !names!.insert(key).inserted : members.contains { $0.key == key }
            if duplicate { throw Failure(reason: .unsupported, offset: at, message: "duplicate member name") }
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
            i += 1
            skipSpace()
            members.append((key, try value()))
            skipSpace()
            guard i < end else { throw fail("unexpected end of input in an object") }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                skipSpace()
                continue
            }
            guard p[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
            i += 1
            return .object(members)
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        var items: [JSONValue] = []
        skipSpace()
        if i < end && p[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipSpace()
            guard i < end else { throw fail("unexpected end of input in an array") }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                skipSpace()
                continue
            }
            guard p[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
            i += 1
            return .array(items)
        }
    }

    /// Skips bytes that need no attention in a string, eight at a time: stops before the first
    /// word holding a quote, a backslash or a control character, and notes non-ASCII bytes.
    @inline(__always)
    private mutating func skipPlainWords(_ nonASCII: inout Bool) {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while end - i >= 8 {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            // A byte is zero in x, or under 0x20 in w, exactly when these have its high bit set.
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
            if special & highs != 0 { return }
            if w & highs != 0 { nonASCII = true }
            i += 8
        }
    }

    /// A string starting at its opening quote.
    private mutating func string() throws -> String {
        i += 1
        let start = i
        var nonASCII = false
        skipPlainWords(&nonASCII)
        while i < end {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let s = try text(UnsafeBufferPointer(start: p + start, count: i - start), nonASCII, at: start)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start, nonASCII) }
            if b < 0x20 { throw fail("control character in a string") }
            if b >= 0x80 { nonASCII = true }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// The rest of a string once its first escape is found at `i`.
    private mutating func escapedString(from start: Int, _ nonASCIIBefore: Bool) throws -> String {
        var nonASCII = nonASCIIBefore
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        while i < end {
            // Plain bytes up to the next quote, escape or control character, copied as one run.
            let run = i
            skipPlainWords(&nonASCII)
            while i < end {
                let b = p[i]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
                if b >= 0x80 { nonASCII = true }
                i += 1
            }
            if i > run { scratch.append(contentsOf: UnsafeBufferPointer(start: p + run, count: i - run)) }
            guard i < end else { break }
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return try scratch.withUnsafeBufferPointer { buf in try text(buf, nonASCII, at: start) }
            }
            if b < 0x20 { throw fail("control character in a string") }
            guard i + 1 < end else { throw fail("unterminated string") }
            let e = p[i + 1]
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i + 2)
                i += 6
                if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    i -= 6
                    throw fail("a low surrogate escape without a high one")
                }
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard end - i >= 6, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                        throw fail("a high surrogate escape without a low one")
                    }
                    let low = try hex4(at: i + 2)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("a high surrogate escape without a low one") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar)
                continue
            default:
                throw fail("unknown escape")
            }
            i += 2
        }
        throw fail("unterminated string")
    }

    private func hex4(at k: Int) throws -> UInt32 {
        guard end - k >= 4 else { throw fail("a \\u escape needs 4 hex digits") }
        var v: UInt32 = 0
        for j in k..<(k + 4) {
            let b = p[j]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs 4 hex digits")
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | s >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// A string's bytes as a `String`; only bytes taken from the input need validating (what an
    /// escape produced is well-formed, and it never ends or starts a multi-byte sequence).
    private func text(_ bytes: UnsafeBufferPointer<UInt8>, _ nonASCII: Bool, at start: Int) throws -> String {
        if !nonASCII { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw Failure(reason: .syntax, offset: start, message: "a string is not UTF-8")
        }
        return s
    }

    /// Skips digits; says how many.
    private mutating func digits() -> Int {
        let from = i
        while i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") { i += 1 }
        return i - from
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() throws -> Double {
        let start = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") else { throw fail("expected a digit") }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") { throw fail("a number with a leading zero") }
        } else {
            _ = digits()
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw fail("expected a digit after '.'") }
        }
        if i < end, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        guard let v = Double(text), v.isFinite else {
            throw Failure(reason: .unsupported, offset: start, message: "a number too large for a Double")
        }
        return v
    }
}
