/// A YAML node as ciport reads it: Yams' tree copied into values with positions, tags kept
/// (`!reference`), aliases expanded within a budget, merge keys (`<<`) left for readers to apply.
public indirect enum YNode: Sendable, Equatable {
    case scalar(YScalar)
    case mapping(YMapping)
    case sequence(YSequence)

    public var pos: SourcePos {
        switch self {
        case .scalar(let s): s.pos
        case .mapping(let m): m.pos
        case .sequence(let q): q.pos
        }
    }

    public var tag: String? {
        switch self {
        case .scalar(let s): s.tag
        case .mapping(let m): m.tag
        case .sequence(let q): q.tag
        }
    }

    public var scalar: YScalar? { if case .scalar(let s) = self { return s } else { return nil } }
    public var mapping: YMapping? { if case .mapping(let m) = self { return m } else { return nil } }
    public var sequence: YSequence? { if case .sequence(let q) = self { return q } else { return nil } }

    /// The scalar's text, or nil for collections.
    public var string: String? { scalar?.value }

    /// A scalar list: a sequence of scalars, or one scalar taken as a list of one.
    public var strings: [String]? {
        switch self {
        case .scalar(let s): return s.isNull ? [] : [s.value]
        case .sequence(let q):
            var out: [String] = []
            for item in q.items {
                guard let v = item.string else { return nil }
                out.append(v)
            }
            return out
        case .mapping: return nil
        }
    }

    /// A short word for error messages: "a mapping", "a list", "a string".
    public var kindName: String {
        switch self {
        case .scalar(let s): s.isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// Number of nodes in this tree (after alias expansion).
    public var nodeCount: Int {
        switch self {
        case .scalar: 1
        case .mapping(let m): 1 + m.pairs.reduce(0) { $0 + 1 + $1.value.nodeCount }
        case .sequence(let q): 1 + q.items.reduce(0) { $0 + $1.nodeCount }
        }
    }
}

public struct YScalar: Sendable, Equatable, Hashable {
    public enum Style: Sendable, Equatable, Hashable { case plain, quoted, block }
    public var value: String
    public var tag: String?
    public var style: Style
    public var pos: SourcePos

    public init(_ value: String, tag: String? = nil, style: Style = .plain, pos: SourcePos) {
        self.value = value
        self.tag = tag
        self.style = style
        self.pos = pos
    }

    /// YAML null (`~`, `null`, empty) written plain.
    public var isNull: Bool {
        style == .plain && tag == nil && ["", "~", "null", "Null", "NULL"].contains(value)
    }

    /// YAML 1.1/1.2 booleans written plain (`true`, `false`; `yes`/`no`/`on`/`off` as YAML 1.1 reads them).
    public var bool: Bool? {
        guard style == .plain else { return nil }
        switch value {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    public var int: Int? { style == .plain ? Int(value) : nil }
}

public struct YMapping: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var key: YScalar
        public var value: YNode
        public init(key: YScalar, value: YNode) {
            self.key = key
            self.value = value
        }
    }

    public var pairs: [Pair]
    public var tag: String?
    public var pos: SourcePos

    public init(pairs: [Pair], tag: String? = nil, pos: SourcePos) {
        self.pairs = pairs
        self.tag = tag
        self.pos = pos
    }

    public subscript(key: String) -> YNode? {
        pairs.first { $0.key.value == key }?.value
    }

    public func pair(_ key: String) -> Pair? { pairs.first { $0.key.value == key } }

    public var keys: [String] { pairs.map(\.key.value) }

    /// The mapping with YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied: own keys win,
    /// earlier merged mappings win over later ones.
    public func merged() -> YMapping {
        guard pairs.contains(where: { $0.key.value == "<<" && $0.key.style == .plain }) else { return self }
        var own: [Pair] = []
        var sources: [YMapping] = []
        for p in pairs {
            if p.key.value == "<<" && p.key.style == .plain {
                switch p.value {
                case .mapping(let m): sources.append(m.merged())
                case .sequence(let q): sources.append(contentsOf: q.items.compactMap { $0.mapping?.merged() })
                case .scalar: continue
                }
            } else {
                own.append(p)
            }
        }
        var seen = Set(own.map(\.key.value))
        var inherited: [Pair] = []
        for src in sources {
            for p in src.pairs where !seen.contains(p.key.value) {
                seen.insert(p.key.value)
                inherited.append(p)
            }
        }
        return YMapping(pairs: inherited + own, tag: tag, pos: pos)
    }
}

public struct YSequence: Sendable, Equatable {
    public var items: [YNode]
    public var tag: String?
    public var pos: SourcePos

    public init(items: [YNode], tag: String? = nil, pos: SourcePos) {
        self.items = items
        self.tag = tag
        self.pos = pos
    }
}
