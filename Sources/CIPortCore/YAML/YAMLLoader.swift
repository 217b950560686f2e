import Foundation
import Yams

/// Limits that keep hostile input cheap: every limit fails with a positioned error, never a crash.
public struct YAMLLimits: Sendable {
    /// Largest file read. GitLab itself refuses CI configuration over 4 MB.
    public var maxBytes: Int = 4 * 1024 * 1024
    /// Most nodes after alias expansion (a billion-laughs file stops here).
    public var maxNodes: Int = 200_000
    /// Deepest nesting of collections.
    public var maxDepth: Int = 200

    public init() {}
    public static let `default` = YAMLLimits()
}

/// Reads YAML text into `YNode`s with positions, within `YAMLLimits`.
public enum YAMLLoader {
    /// Parses one YAML document. An empty document gives nil.
    public static func load(_ text: String, file: String, limits: YAMLLimits = .default) throws(InputError) -> YNode? {
        if text.utf8.count > limits.maxBytes {
            throw InputError(SourcePos(file: file, line: 1, column: 1),
                             "file is \(formatBytes(text.utf8.count)), over the \(formatBytes(limits.maxBytes)) limit for a CI file")
        }
        let root: Node?
        do {
            let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            root = try parser.singleRoot()
        } catch let e as YamlError {
            throw InputError(yamlError: e, file: file)
        } catch {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "\(error)")
        }
        guard let root else { return nil }
        var budget = limits.maxNodes
        return try convert(root, file: file, depth: 0, limits: limits, budget: &budget)
    }

    /// Decodes bytes as UTF-8, naming the first bad byte's line and column when it is not.
    public static func decode(_ data: Data, file: String) throws(InputError) -> String {
        if let s = String(data: data, encoding: .utf8), !data.starts(with: [0xFF, 0xFE]), !data.starts(with: [0xFE, 0xFF]) {
            return s.hasPrefix("\u{FEFF}") ? String(s.dropFirst()) : s
        }
        var line = 1, column = 1, i = 0
        let bytes = [UInt8](data)
        while i < bytes.count {
            let b = bytes[i]
            let len: Int
            switch b {
            case 0x00...0x7F: len = 1
            case 0xC2...0xDF: len = 2
            case 0xE0...0xEF: len = 3
            case 0xF0...0xF4: len = 4
            default: len = 0
            }
            var ok = len > 0 && i + len <= bytes.count
            if ok { for k in 1..<max(len, 1) where bytes[i + k] & 0xC0 != 0x80 { ok = false } }
            if !ok {
                throw InputError(SourcePos(file: file, line: line, column: column),
                                 String(format: "not UTF-8 text (byte 0x%02X at offset %d)", b, i))
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += len
        }
        throw InputError(SourcePos(file: file, line: 1, column: 1), "not UTF-8 text (a UTF-16 byte-order mark)")
    }

    private static func convert(_ node: Node, file: String, depth: Int, limits: YAMLLimits,
                                budget: inout Int) throws(InputError) -> YNode {
        let pos = SourcePos(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        budget -= 1
        if budget < 0 {
            throw InputError(pos, "document expands to more than \(limits.maxNodes) nodes through aliases (a \"billion laughs\" file?)")
        }
        if depth > limits.maxDepth {
            throw InputError(pos, "nesting deeper than \(limits.maxDepth) levels")
        }
        switch node {
        case .scalar(let s):
            return .scalar(YScalar(s.string, tag: explicitTag(s.tag), style: style(s.style), pos: pos))
        case .alias:
            throw InputError(pos, "unresolved alias")
        case .mapping(let m):
            var pairs: [YMapping.Pair] = []
            pairs.reserveCapacity(m.count)
            for (k, v) in m {
                guard case .scalar(let ks) = k else {
                    let kp = SourcePos(file: file, line: k.mark?.line ?? pos.line, column: k.mark?.column ?? pos.column)
                    throw InputError(kp, "mapping key is \(k.mapping != nil ? "a mapping" : "a list"); ciport reads string keys only")
                }
                let kpos = SourcePos(file: file, line: ks.mark?.line ?? pos.line, column: ks.mark?.column ?? pos.column)
                let key = YScalar(ks.string, tag: explicitTag(ks.tag), style: style(ks.style), pos: kpos)
                let value = try convert(v, file: file, depth: depth + 1, limits: limits, budget: &budget)
                pairs.append(YMapping.Pair(key: key, value: value))
            }
            return .mapping(YMapping(pairs: pairs, tag: explicitTag(m.tag), pos: pos))
        case .sequence(let q):
            var items: [YNode] = []
            items.reserveCapacity(q.count)
            for item in q {
                items.append(try convert(item, file: file, depth: depth + 1, limits: limits, budget: &budget))
            }
            return .sequence(YSequence(items: items, tag: explicitTag(q.tag), pos: pos))
        }
    }

    private static func explicitTag(_ tag: Tag) -> String? {
        let name = tag.rawValue
        if name.isEmpty || name == "!" || name.hasPrefix("tag:yaml.org,2002:") { return nil }
        return name
    }

    private static func style(_ s: Node.Scalar.Style) -> YScalar.Style {
        switch s {
        case .singleQuoted, .doubleQuoted: .quoted
        case .literal, .folded: .block
        default: .plain
        }
    }

    static func formatBytes(_ n: Int) -> String {
        if n >= 1024 * 1024 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        if n >= 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        return "\(n) bytes"
    }
}
