import Foundation

/// Typed access to YAML nodes: each accessor names the keyword and the node's position when the
/// type is wrong, the way GitLab's own linter does (`script config should be a string or a list`).
///
/// The keyword's path is an autoclosure here and in the readers: it is needed only for an error
/// or a ledger entry, and building each path eagerly was most of the cost of reading a file with a
/// discarding ledger (dataset validation). Errors and entries carry the same text as before.
extension GitLabReading {
    func string(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> String {
        guard let s = n.scalar, !s.isNull else {
            throw InputError(n.pos, "`\(what())` must be a string, got \(n.kindName)")
        }
        return s.value
    }

    /// A string, or nil when the node is YAML null (GitLab treats `key:` with no value as unset).
    func optionalString(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> String? {
        if let s = n.scalar, s.isNull { return nil }
        return try string(n, what())
    }

    /// A list of strings; a single string is a list of one, null an empty list.
    func strings(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> [String] {
        switch n {
        case .scalar(let s): return s.isNull ? [] : [s.value]
        case .sequence(let q):
            var out: [String] = []
            for item in q.items {
                guard let s = item.scalar else {
                    throw InputError(item.pos, "`\(what())` must be a list of strings; this item is \(item.kindName)")
                }
                if !s.isNull { out.append(s.value) }
            }
            return out
        case .mapping:
            throw InputError(n.pos, "`\(what())` must be a string or a list of strings, got a mapping")
        }
    }

    func bool(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> Bool {
        if let s = n.scalar {
            if let b = s.bool { return b }
            // Quoted "true"/"false" is what people write when they fight YAML 1.1; GitLab accepts it.
            if s.value == "true" { return true }
            if s.value == "false" { return false }
        }
        throw InputError(n.pos, "`\(what())` must be true or false, got \(n.scalar.map { "'\($0.value)'" } ?? n.kindName)")
    }

    func int(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> Int {
        if let s = n.scalar, let i = Int(s.value.trimmingCharacters(in: .whitespaces)) { return i }
        throw InputError(n.pos, "`\(what())` must be a whole number, got \(n.scalar.map { "'\($0.value)'" } ?? n.kindName)")
    }

    func ints(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> [Int] {
        if case .sequence(let q) = n {
            var out: [Int] = []
            for item in q.items { out.append(try int(item, what())) }
            return out
        }
        return [try int(n, what())]
    }

    func mapping(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> YMapping {
        guard let m = n.mapping else {
            throw InputError(n.pos, "`\(what())` must be a mapping, got \(n.kindName)")
        }
        return m.merged()
    }

    func sequence(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> [YNode] {
        switch n {
        case .sequence(let q): return q.items
        case .scalar(let s) where s.isNull: return []
        default: throw InputError(n.pos, "`\(what())` must be a list, got \(n.kindName)")
        }
    }

    /// A list whose items may themselves be lists (what `!reference` leaves behind), flattened the
    /// way GitLab flattens `script:` and `rules:` (up to 10 levels).
    func flattened(_ n: YNode, _ what: @autoclosure () -> String, depth: Int = 0) throws(InputError) -> [YNode] {
        if depth > 10 {
            throw InputError(n.pos, "`\(what())` nests lists more than 10 levels deep")
        }
        guard case .sequence(let q) = n else { return [n] }
        var out: [YNode] = []
        for item in q.items {
            if case .sequence = item {
                out += try flattened(item, what(), depth: depth + 1)
            } else {
                out.append(item)
            }
        }
        return out
    }

    /// A variable value: a scalar, or `{value, description, options, expand}`.
    func variableValue(_ n: YNode, _ what: @autoclosure () -> String) throws(InputError) -> (value: String, description: String?, options: [String], expand: Bool?) {
        switch n {
        case .scalar(let s): return (s.isNull ? "" : s.value, nil, [], nil)
        case .mapping(let raw):
            let m = raw.merged()
            var value = "", description: String?, options: [String] = [], expand: Bool?
            for p in m.pairs {
                switch p.key.value {
                case "value": value = try optionalString(p.value, "\(what()).value") ?? ""
                case "description": description = try optionalString(p.value, "\(what()).description")
                case "options": options = try strings(p.value, "\(what()).options")
                case "expand": expand = try bool(p.value, "\(what()).expand")
                default:
                    throw InputError(p.key.pos, "unknown key `\(p.key.value)` in variable `\(what())` (value, description, options, expand)")
                }
            }
            return (value, description, options, expand)
        case .sequence:
            throw InputError(n.pos, "variable `\(what())` must be a string or a mapping with `value:`, got a list")
        }
    }
}

extension GitLabReader {
    /// Minutes in a GitLab duration (`1h 30m`, `3 hours`, `90 minutes`, `2 days`); nil when unreadable.
    /// A bare number is seconds, as GitLab's ChronicDuration reads it.
    static func minutes(_ text: String) -> Int? {
        let t = text.lowercased().replacingOccurrences(of: ",", with: " ").replacingOccurrences(of: " and ", with: " ")
        if let secs = Double(t.trimmingCharacters(in: .whitespaces)) { return max(1, Int((secs / 60).rounded(.up))) }
        var total = 0.0
        var number = ""
        var unit = ""
        var any = false
        func flush() -> Bool {
            guard !number.isEmpty, let n = Double(number) else { return number.isEmpty && unit.isEmpty }
            let u = unit.isEmpty ? "s" : unit
            let factor: Double
            switch u {
            case "s", "sec", "secs", "second", "seconds": factor = 1.0 / 60
            case "m", "min", "mins", "minute", "minutes": factor = 1
            case "h", "hr", "hrs", "hour", "hours": factor = 60
            case "d", "day", "days": factor = 1440
            case "w", "wk", "wks", "week", "weeks": factor = 10080
            case "mo", "mos", "month", "months": factor = 43200
            case "y", "yr", "yrs", "year", "years": factor = 525_600
            default: return false
            }
            total += n * factor
            any = true
            number = ""
            unit = ""
            return true
        }
        for ch in t {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                unit.append(ch)
            } else if ch == " " {
                continue
            } else {
                return nil
            }
        }
        guard flush(), any else { return nil }
        return max(1, Int(total.rounded(.up)))
    }
}
