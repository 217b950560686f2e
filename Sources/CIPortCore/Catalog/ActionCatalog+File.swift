import Foundation

/// Reading and checking catalog files, with errors a person can act on.
///
/// JSONSerialization gives no positions, so errors are placed at the entry's `"action": "…"` text
/// (found by search), which is where a person starts reading anyway.
enum CatalogFile {
    static let entryKeys: Set<String> = [
        "action", "kind", "inputs", "secrets", "words", "raw", "refInput", "image", "entrypoint", "script",
        "variables", "idTokens", "services", "cache", "artifacts", "pages", "release", "outputs", "options",
        "fidelity", "note",
    ]
    static let optionKeys: Set<String> = [
        "input", "equals", "not", "absent", "image", "script", "variables", "idTokens", "services", "cache", "fidelity", "note",
    ]
    static let cacheKeys: Set<String> = ["key", "keyFiles", "keyPrefix", "paths", "fallbackKeys", "policy", "when"]
    static let artifactKeys: Set<String> = ["name", "paths", "expireIn", "when", "reports"]
    static let releaseKeys: Set<String> = ["tagName", "name", "description"]

    /// Decodes and checks entry `number` (1-based).
    static func entry(_ item: Any, number: Int, text: String, file: String) throws(InputError) -> ActionEntry {
        guard let dict = item as? [String: Any] else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "entry \(number): expected an object")
        }
        let name = dict["action"] as? String
        let pos = name.map { Self.pos(ofAction: $0, in: text, file: file) } ?? SourcePos(file: file, line: 1, column: 1)
        let label = "entry \(number)" + (name.map { " ('\($0)')" } ?? "")
        func fail(_ message: String) -> InputError { InputError(pos, "\(label): \(message)") }

        try checkKeys(dict, entryKeys, at: "", fail)
        if let c = dict["cache"] as? [String: Any] { try checkKeys(c, cacheKeys, at: "cache.", fail) }
        if let a = dict["artifacts"] as? [String: Any] { try checkKeys(a, artifactKeys, at: "artifacts.", fail) }
        if let r = dict["release"] as? [String: Any] { try checkKeys(r, releaseKeys, at: "release.", fail) }
        for (i, o) in ((dict["options"] as? [Any]) ?? []).enumerated() {
            guard let o = o as? [String: Any] else { throw fail("'options[\(i)]': expected an object") }
            try checkKeys(o, optionKeys, at: "options[\(i)].", fail)
            if let c = o["cache"] as? [String: Any] { try checkKeys(c, cacheKeys, at: "options[\(i)].cache.", fail) }
            if o["absent"] as? Bool == true, o["equals"] != nil || o["not"] != nil {
                throw fail("'options[\(i)]': 'absent' cannot be combined with 'equals' or 'not'")
            }
            try checkEnum(o["fidelity"], Fidelity.allCases.map(\.rawValue), "options[\(i)].fidelity", fail)
        }
        // Enum values are checked here, because DecodingError's wording for them is Swift's, not the user's.
        try checkEnum(dict["kind"], ActionEntry.Kind.allCases.map(\.rawValue), "kind", fail)
        try checkEnum(dict["fidelity"], Fidelity.allCases.map(\.rawValue), "fidelity", fail)

        let entry: ActionEntry
        do {
            let data = try JSONSerialization.data(withJSONObject: dict, options: [])
            entry = try JSONDecoder().decode(ActionEntry.self, from: data)
        } catch let error as DecodingError {
            throw fail(describe(error))
        } catch {
            throw fail("unreadable entry")
        }
        try check(entry, fail)
        return entry
    }

    private static func checkKeys(_ dict: [String: Any], _ allowed: Set<String>, at prefix: String,
                                  _ fail: (String) -> InputError) throws(InputError) {
        if let bad = dict.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw fail("unknown key '\(prefix)\(bad)' (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private static func checkEnum(_ value: Any?, _ allowed: [String], _ key: String,
                                  _ fail: (String) -> InputError) throws(InputError) {
        guard let s = value as? String else { return }
        if !allowed.contains(s) {
            throw fail("'\(key)' is '\(s)', expected one of \(allowed.joined(separator: ", "))")
        }
    }

    /// Checks what decoding cannot: the action's shape and that templates name declared inputs.
    private static func check(_ e: ActionEntry, _ fail: (String) -> InputError) throws(InputError) {
        let parts = e.action.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count < 2 || parts.contains(where: \.isEmpty) || e.action.contains("@") || e.action.contains(where: \.isWhitespace) {
            throw fail("'action' must be 'owner/name' or 'owner/name/path', without '@ref'")
        }
        let known = e.knownInputs
        for (field, names) in [("secrets", e.secrets ?? []), ("words", Array((e.words ?? [:]).keys)), ("raw", e.raw ?? [])] {
            if let bad = names.first(where: { !known.contains($0.lowercased()) }) {
                throw fail("'\(field)' names '\(bad)', which is not in 'inputs'")
            }
        }
        for (place, text) in e.templates {
            for ref in Template.references(in: text) where !known.contains(ref.lowercased()) {
                throw fail("'\(place)' uses '{{\(ref)}}', which is not in 'inputs'")
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
            }
            return s
        }
        func kind(_ type: Any.Type) -> String {
            let name = String(describing: type)
            if type == String.self { return "a string" }
            if type == Bool.self { return "true or false" }
            if name.hasPrefix("Array") { return "a list" }
            return "an object"
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return "missing '\(path(ctx.codingPath + [key]))'"
        case .typeMismatch(let type, let ctx):
            return "'\(path(ctx.codingPath))': expected \(kind(type))"
        case .valueNotFound(let type, let ctx):
            return "'\(path(ctx.codingPath))': expected \(kind(type)), found null"
        case .dataCorrupted(let ctx):
            return "'\(path(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default:
            return "unreadable entry"
        }
    }

    // MARK: Positions

    /// Where `"action": "<name>"` is written (its `occurrence`-th time), else the file's start.
    static func pos(ofAction name: String, in text: String, file: String, occurrence: Int = 1) -> SourcePos {
        let escaped = NSRegularExpression.escapedPattern(for: name)
        return pos(ofPattern: "\"action\"\\s*:\\s*\"\(escaped)\"", in: text, file: file, occurrence: occurrence)
    }

    static func pos(ofKey key: String, in text: String, file: String) -> SourcePos {
        pos(ofPattern: "\"\(NSRegularExpression.escapedPattern(for: key))\"\\s*:", in: text, file: file, occurrence: 1)
    }

    private static func pos(ofPattern pattern: String, in text: String, file: String, occurrence: Int) -> SourcePos {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else {
            return SourcePos(file: file, line: 1, column: 1)
        }
        let ns = text as NSString
        let matches = re.matches(in: text, range: NSRange(location: 0, length: ns.length))
        guard !matches.isEmpty else { return SourcePos(file: file, line: 1, column: 1) }
        let m = matches[min(occurrence, matches.count) - 1]
        return lineColumn(ofUTF16Offset: m.range.location, in: ns, file: file)
    }

    private static func lineColumn(ofUTF16Offset offset: Int, in ns: NSString, file: String) -> SourcePos {
        var line = 1, lineStart = 0
        for i in 0..<offset where ns.character(at: i) == 10 {
            line += 1
            lineStart = i + 1
        }
        return SourcePos(file: file, line: line, column: offset - lineStart + 1)
    }

    /// Foundation's JSON errors say "around line L, column C" or "around character N" (a byte
    /// offset); turn either into a position.
    static func syntaxErrorPos(_ error: any Error, in json: Data, file: String) -> SourcePos {
        let d = "\(error) \((error as NSError).userInfo)"
        func ints(_ pattern: String) -> [Int]? {
            guard let re = try? NSRegularExpression(pattern: pattern),
                  let m = re.firstMatch(in: d, range: NSRange(location: 0, length: (d as NSString).length))
            else { return nil }
            return (1..<m.numberOfRanges).compactMap { Int((d as NSString).substring(with: m.range(at: $0))) }
        }
        if let lc = ints("line (\\d+), column (\\d+)"), lc.count == 2 {
            return SourcePos(file: file, line: lc[0], column: lc[1])
        }
        if let offset = ints("character (\\d+)")?.first, offset <= json.count {
            var line = 1, column = 1
            for byte in json.prefix(offset) {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            }
            return SourcePos(file: file, line: line, column: column)
        }
        return SourcePos(file: file, line: 1, column: 1)
    }

    static func syntaxErrorText(_ error: any Error) -> String {
        let info = (error as NSError).userInfo
        if let s = info[NSDebugDescriptionErrorKey] as? String { return s }
        return (error as NSError).localizedDescription
    }
}
