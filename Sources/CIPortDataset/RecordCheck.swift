import CIPortCore
import Foundation

/// What checking one JSONL line found: its problems, and what deduplication needs.
struct RecordOutcome: Sendable {
    var line: Int
    /// Problems, each a clause of the record's one error line.
    var problems: [String] = []
    /// First 8 bytes of the normalized content hash (nil when the record could not be read).
    var hash: UInt64?
    var signature: MinHash?
    var task: String?
}

/// Checks one record on its own: JSON, types, roles, both files, facts. Pure and `Sendable`, so
/// chunks of records are checked in parallel.
struct RecordCheck: Sendable {
    var minF1: Double
    var checkContent = true

    func check(_ line: JSONLReader.Line) -> RecordOutcome {
        var out = RecordOutcome(line: line.number)
        if let size = line.oversized {
            out.problems.append("line is \(size) bytes, over the \(16 << 20)-byte limit for a record")
            return out
        }
        do {
            let rec = try Self.decode(line.bytes)
            out.task = rec.meta.task
            try content(rec, into: &out)
        } catch let e as Problem {
            out.problems.append(e.message)
        } catch {
            out.problems.append("\(error)")
        }
        return out
    }

    struct Problem: Error { var message: String }

    /// Decodes a line strictly, naming the first field that is missing or of the wrong type.
    static func decode(_ bytes: Data) throws -> DatasetRecord {
        // A line StrictJSON accepts is valid UTF-8 JSON that JSONSerialization reads to the same
        // values, so only the lines it refuses pay for Foundation, which keeps their messages
        // (and its leniency: `[1,]` was always accepted) exactly as they were.
        let parsed = bytes.withUnsafeBytes { raw in try? StrictJSON.parse(raw.bindMemory(to: UInt8.self)) }
        return try record(parsed ?? foundationValue(bytes))
    }

    /// The JSON text read by JSONSerialization, or the problem that stops it.
    static func foundationValue(_ bytes: Data) throws -> JSONValue {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { throw Problem(message: "empty line") }
        if String(validating: bytes, as: UTF8.self) == nil {
            let at = firstBadUTF8(bytes)
            throw Problem(message: String(format: "not UTF-8 text (byte 0x%02X at column %d)", bytes[bytes.startIndex + at], at + 1))
        }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]) } catch {
            let last = bytes.last { $0 != 0x20 && $0 != 0x09 }
            if last != UInt8(ascii: "}") { throw Problem(message: "truncated JSON: the record does not end with '}'") }
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error.localizedDescription)"
            throw Problem(message: "invalid JSON: \(detail)")
        }
        return jsonValue(any)
    }

    /// JSONSerialization's result as a `JSONValue`; its kinds are the ones `kind` names.
    static func jsonValue(_ v: Any) -> JSONValue {
        switch v {
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(jsonValue))
        case let o as [String: Any]: return .object(o.map { ($0.key, jsonValue($0.value)) })
        case let n as NSNumber:
            return kind(n) == "a boolean" ? .bool(n.boolValue) : .number(n.doubleValue)
        default: return .null  // NSNull: JSONSerialization returns nothing else
        }
    }

    /// The record a JSON value holds, or the first field that is missing or of the wrong type.
    static func record(_ any: JSONValue) throws -> DatasetRecord {
        guard case .object = any else { throw Problem(message: "a record is a JSON object, not \(any.kind)") }
        let obj = any

        guard let rawMessages = obj["messages"] else { throw Problem(message: "missing 'messages'") }
        guard case .array(let list) = rawMessages else { throw Problem(message: "'messages' must be an array, not \(rawMessages.kind)") }
        var messages: [DatasetRecord.Message] = []
        messages.reserveCapacity(list.count)
        for (i, m) in list.enumerated() {
            guard case .object = m else { throw Problem(message: "messages[\(i)] must be an object, not \(m.kind)") }
            let role = try string(m, "role", "messages[\(i)].role")
            let content = try string(m, "content", "messages[\(i)].content")
            messages.append(.init(role: role, content: content))
        }
        try checkRoles(messages.map(\.role))

        guard let meta = obj["meta"] else { throw Problem(message: "missing 'meta'") }
        guard case .object = meta else { throw Problem(message: "'meta' must be an object, not \(meta.kind)") }
        let id = try string(meta, "id", "meta.id")
        if id.isEmpty { throw Problem(message: "meta.id is empty") }
        let task = try string(meta, "task", "meta.task")
        guard DatasetRecord.tasks.contains(task) else { throw Problem(message: "unknown meta.task '\(task)' (platform, stack or deploy)") }
        let provenance = try string(meta, "provenance", "meta.provenance")
        guard DatasetRecord.provenances.contains(provenance) else {
            throw Problem(message: "unknown meta.provenance '\(provenance)' (authored, synthesized or mined)")
        }
        let license = try string(meta, "license", "meta.license")
        let hash = try string(meta, "hash", "meta.hash")
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw Problem(message: "meta.hash must be 64 lowercase hex digits (sha256)")
        }
        func side(_ key: String) throws -> DatasetRecord.Side {
            guard let s = meta[key] else { throw Problem(message: "missing 'meta.\(key)'") }
            guard case .object = s else { throw Problem(message: "meta.\(key) must be an object, not \(s.kind)") }
            let name = try string(s, "platform", "meta.\(key).platform")
            guard let p = DatasetPlatform(rawValue: name) else {
                throw Problem(message: "unknown meta.\(key).platform '\(name)' (one of \(DatasetPlatform.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .init(platform: p, stack: try optionalString(s, "stack", "meta.\(key).stack"),
                         cloud: try optionalString(s, "cloud", "meta.\(key).cloud"))
        }
        let source = try side("source"), target = try side("target")
        var origin: DatasetRecord.Origin?
        if let raw = meta["origin"], raw != .null {
            // Origin is free-form provenance for reviewers; only its type is checked.
            guard case .object = raw else { throw Problem(message: "meta.origin must be an object, not \(raw.kind)") }
            origin = Self.origin(raw)
        }
        return DatasetRecord(messages: messages, meta: .init(id: id, task: task, source: source, target: target,
                                                             provenance: provenance, license: license, hash: hash, origin: origin))
    }

    /// What `JSONDecoder` makes of an origin object, nil where it would throw: a missing or null
    /// `source` or `path`, or any known member of the wrong type. Unknown members are ignored.
    static func origin(_ o: JSONValue) -> DatasetRecord.Origin? {
        /// .some(nil) for an absent or null member, nil for one that is not a string.
        func optional(_ o: JSONValue, _ key: String) -> String?? {
            switch o[key] {
            case nil, .null?: .some(nil)
            case .string(let s)?: .some(s)
            default: nil
            }
        }
        func file(_ v: JSONValue?) -> DatasetRecord.Origin.FileVersion? {
            guard let v, case .object = v, case .string(let path)? = v["path"],
                  let commit = optional(v, "commit"), let date = optional(v, "date") else { return nil }
            return .init(path: path, commit: commit, date: date)
        }
        guard let repo = optional(o, "repo"), let relation = optional(o, "relation"), let source = file(o["source"]) else { return nil }
        var target: DatasetRecord.Origin.FileVersion?
        switch o["target"] {
        case nil, .null?: target = nil
        case let t?:
            guard let f = file(t) else { return nil }
            target = f
        }
        return .init(repo: repo, source: source, target: target, relation: relation)
    }

    /// system?, then user/assistant turns, starting with user and ending with assistant.
    static func checkRoles(_ roles: [String]) throws {
        var rest = roles[...]
        if rest.first == "system" { rest = rest.dropFirst() }
        if rest.isEmpty { throw Problem(message: "messages has no user and assistant turns") }
        for (i, role) in rest.enumerated() {
            let expected = i % 2 == 0 ? "user" : "assistant"
            if role != expected {
                let at = i + (roles.count - rest.count)
                if !["system", "user", "assistant"].contains(role) {
                    throw Problem(message: "messages[\(at)].role '\(role)' is not system, user or assistant")
                }
                throw Problem(message: "messages[\(at)] is '\(role)' where '\(expected)' belongs (order: system?, user, assistant, …)")
            }
        }
        if rest.count % 2 != 0 { throw Problem(message: "the last message is 'user'; a record ends with the assistant's answer") }
    }

    // Paths are autoclosures: they are text only for a message, not for every field read.
    private static func string(_ o: JSONValue, _ key: String, _ path: @autoclosure () -> String) throws -> String {
        guard let v = o[key] else { throw Problem(message: "missing '\(path())'") }
        guard case .string(let s) = v else { throw Problem(message: "\(path()) must be a string, not \(v.kind)") }
        return s
    }

    private static func optionalString(_ o: JSONValue, _ key: String, _ path: @autoclosure () -> String) throws -> String? {
        guard let v = o[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw Problem(message: "\(path()) must be a string, not \(v.kind)") }
        return s
    }

    /// How a message names the type of a JSONSerialization value.
    static func kind(_ v: Any) -> String {
        switch v {
        case is NSNull: "null"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNumber: String(describing: type(of: v)).contains("Bool") ? "a boolean" : "a number"
        default: "\(type(of: v))"
        }
    }

    static func firstBadUTF8(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let len: Int
            switch b {
            case 0x00...0x7F: len = 1
            case 0xC2...0xDF: len = 2
            case 0xE0...0xEF: len = 3
            case 0xF0...0xF4: len = 4
            default: return i
            }
            if i + len > bytes.count { return i }
            for k in 1..<max(len, 1) where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += len
        }
        return 0
    }

    /// The files, their hash, both sides' parse and validation, and facts for platform pairs.
    func content(_ rec: DatasetRecord, into out: inout RecordOutcome) throws {
        guard let user = rec.messages.first(where: { $0.role == "user" }), let src = Prompts.unfence(user.content) else {
            throw Problem(message: "the user message has no fenced source file (```yaml … ```)")
        }
        guard let answer = rec.messages.last(where: { $0.role == "assistant" }), let dst = Prompts.unfence(answer.content) else {
            throw Problem(message: "the assistant message has no fenced target file (```yaml … ```)")
        }
        let digest = ContentHash.digest(source: src, target: dst)
        out.hash = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        out.signature = MinHash([src, dst])
        let hex = SHA256.hexString(digest)
        if hex != rec.meta.hash {
            out.problems.append("meta.hash does not match the content (its sha256 is \(hex.prefix(12))…; rebuild the record)")
        }
        guard checkContent else { return }
        let s = side(src, rec.meta.source.platform, "source", &out)
        let t = side(dst, rec.meta.target.platform, "target", &out)
        if rec.meta.task == "platform", let s, let t {
            // As `Facts.score(Facts.extract(t), against: Facts.extract(s))`: F1 and the missing
            // facts are all this needs, and a pair with the same facts (most) skips the sets.
            let score = Facts.f1AndMissing(Facts.factList(t), against: Facts.factList(s))
            if score.f1 < minF1 {
                let missing = Facts.sortedByDescription(score.missing).prefix(3).map(\.description).joined(separator: ", ")
                out.problems.append(String(format: "target's facts match the source's at F1 %.2f, under %.2f", score.f1, minF1)
                                    + (missing.isEmpty ? "" : " (missing \(missing)\(score.missing.count > 3 ? ", …" : ""))"))
            }
        }
    }

    /// Parses and validates one side; nil when it cannot be read into the model.
    private func side(_ text: String, _ platform: DatasetPlatform, _ name: String, _ out: inout RecordOutcome) -> Pipeline? {
        guard platform.isYAML else { return nil }
        let label = name + " file"
        do {
            guard let root = try YAMLLoader.load(text, file: label) else {
                out.problems.append("\(name) file is empty")
                return nil
            }
            guard let p = platform.ciport else { return nil }
            guard let map = root.mapping else {
                out.problems.append("\(label) is \(root.kindName), not a \(platform.displayName) file")
                return nil
            }
            var ledger = Ledger.discarding  // only the model matters here
            let options = ConvertOptions()
            let pipeline = switch p {
            case .github: try GitHubReader.read(map, file: label, options: options, ledger: &ledger)
            case .gitlab: try GitLabReader.read(map, file: label, options: options, ledger: &ledger)
            }
            let errors = Validator.validate(root, platform: p).filter { $0.severity == .error }
            if let first = errors.first {
                out.problems.append("\(name) fails validation: \(first)" + (errors.count > 1 ? " (and \(errors.count - 1) more)" : ""))
            }
            return pipeline
        } catch {
            out.problems.append("\(name) does not parse as \(platform.displayName): \(error)")
            return nil
        }
    }
}
