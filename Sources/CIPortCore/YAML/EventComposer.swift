import CYaml

/// Turns libyaml's event stream into one `YNode` tree, within `YAMLLimits`.
///
/// Every limit is checked while the events arrive, so hostile input stops at the first event
/// that crosses a limit: nothing is built past it.
struct EventComposer {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private let file: String
    private let limits: YAMLLimits
    private var budget: Int
    /// Anchored values with the number of nodes each one costs when an alias repeats it.
    private var anchors: [String: (node: YNode, cost: Int)] = [:]
    /// libyaml's own working buffer while `preload` has lent it ours (restored before it is freed).
    private var ownBuffer: (start: UnsafeMutablePointer<yaml_char_t>?, end: UnsafeMutablePointer<yaml_char_t>?)?
    private var lent: UnsafeMutableBufferPointer<yaml_char_t>?

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
        self.budget = limits.maxNodes
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        event = .allocate(capacity: 1)
        event.initialize(to: yaml_event_t())
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    /// Frees libyaml's state; call once, after the last use.
    func close() {
        if let ownBuffer, let lent {
            parser.pointee.buffer.start = ownBuffer.start
            parser.pointee.buffer.pointer = ownBuffer.start
            parser.pointee.buffer.last = ownBuffer.start
            parser.pointee.buffer.end = ownBuffer.end
            lent.deallocate()
        }
        yaml_event_delete(event)
        yaml_parser_delete(parser)
        event.deallocate()
        parser.deallocate()
    }

    /// Reads the single document in `bytes`; nil when the stream holds none.
    mutating func document(_ bytes: UnsafeBufferPointer<UInt8>, handOff: Bool = true) throws(InputError) -> YNode? {
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
        if handOff, let characters = Self.yamlCharacterCount(bytes) { preload(bytes, characters: characters) }
        try next()  // STREAM-START
        try next()
        if event.pointee.type == YAML_STREAM_END_EVENT { return nil }
        // DOCUMENT-START
        try next()
        let root = try node(depth: 0)
        try next()  // DOCUMENT-END
        try next()
        if event.pointee.type != YAML_STREAM_END_EVENT {
            throw InputError(mark(event.pointee.start_mark),
                             "invalid YAML: a second document in the stream; a CI file holds one (expected a single document at 1:1)")
        }
        return root
    }

    /// Hands libyaml the text as its already-decoded working buffer.
    ///
    /// libyaml's reader copies its input one character at a time, decoding and range-checking
    /// each one (about half of a parse's instructions). A Swift string is valid UTF-8 already, and
    /// `yamlCharacterCount` has made the range check, so the bytes can be the working buffer as
    /// they are: followed by the NUL libyaml itself appends at the end of input, `unread` counting
    /// characters as its reader would, and the end-of-input flag set so that the reader, asked
    /// for more, has nothing left to read. Zero padding covers the scanner's look-ahead of at most
    /// four characters past the NUL.
    private mutating func preload(_ bytes: UnsafeBufferPointer<UInt8>, characters: Int) {
        let padding = 16
        let buf = UnsafeMutableBufferPointer<yaml_char_t>.allocate(capacity: bytes.count + 1 + padding)
        if let base = bytes.baseAddress, bytes.count > 0 {
            buf.baseAddress!.initialize(from: base, count: bytes.count)
        }
        (buf.baseAddress! + bytes.count).initialize(repeating: 0, count: 1 + padding)
        let p = parser
        ownBuffer = (p.pointee.buffer.start, p.pointee.buffer.end)
        lent = buf
        p.pointee.buffer.start = buf.baseAddress
        p.pointee.buffer.pointer = buf.baseAddress
        p.pointee.buffer.last = buf.baseAddress! + bytes.count + 1
        p.pointee.buffer.end = buf.baseAddress! + buf.count
        p.pointee.unread = characters + 1
        p.pointee.eof = 1
        p.pointee.encoding = YAML_UTF8_ENCODING
        p.pointee.offset = bytes.count
    }

    /// The number of characters in valid UTF-8 `bytes`, or nil when one of them is outside what
    /// YAML allows in a stream (libyaml's reader then reports it, with its offset, as before).
    static func yamlCharacterCount(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var count = 0, i = 0
        let n = b.count
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while i < n {
            // Eight printable ASCII bytes at a time (no high bit, none under 0x20, no DEL); a chunk
            // with a line break, a tab or anything else takes the byte-by-byte path below.
            if i + 8 <= n, let base = b.baseAddress {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let del = x ^ (ones &* 0x7F)
                if (x | ((x &- ones &* 0x20) & ~x) | ((del &- ones) & ~del)) & highs == 0 {
                    i += 8
                    count += 8
                    continue
                }
            }
            let end = min(n, i + 8)
            while i < end {
                let c = b[i]
                if c < 0x80 {
                    // Tab, line feed, carriage return and printable ASCII.
                    if c < 0x20 {
                        guard c == 0x09 || c == 0x0A || c == 0x0D else { return nil }
                    } else if c == 0x7F {
                        return nil
                    }
                    i += 1
                } else {
                    let width = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                    guard c >= 0xC2, i + width <= n else { return nil }
                    var v = UInt32(c) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
                    for k in 1..<width { v = v << 6 | UInt32(b[i + k] & 0x3F) }
                    guard v == 0x85 || (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF) else {
                        return nil
                    }
                    i += width
                }
                count += 1
            }
        }
        return count
    }

    private mutating func next() throws(InputError) {
        yaml_event_delete(event)
        guard yaml_parser_parse(parser, event) == 1 else { throw parserError() }
    }

    private func mark(_ m: yaml_mark_t) -> SourcePos {
        SourcePos(file: file, line: m.line + 1, column: m.column + 1)
    }

    /// Builds the node whose first event is the current one; leaves its last event current.
    private mutating func node(depth: Int) throws(InputError) -> YNode {
        let pos = mark(event.pointee.start_mark)
        if depth > limits.maxDepth {
            throw InputError(pos, "nesting deeper than \(limits.maxDepth) levels")
        }
        let before = budget
        budget -= 1
        if budget < 0 { throw bomb(pos) }
        let result: YNode
        // Copied now: the event's memory is freed when the next event is read.
        let anchor: String?
        switch event.pointee.type {
        case YAML_SCALAR_EVENT:
            let s = event.pointee.data.scalar
            anchor = s.anchor.map { String(cString: $0) }
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let style: YScalar.Style
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            result = .scalar(YScalar(value, tag: Self.explicitTag(s.tag), style: style, pos: pos))
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.pointee.data.alias.anchor)
            guard let target = anchors[name] else {
                throw InputError(pos, "invalid YAML: alias *\(name) names no anchor defined before it")
            }
            budget = before - target.cost
            if budget < 0 { throw bomb(pos) }
            return target.node
        case YAML_SEQUENCE_START_EVENT:
            let start = event.pointee.data.sequence_start
            anchor = start.anchor.map { String(cString: $0) }
            let tag = start.implicit != 0 ? nil : Self.explicitTag(start.tag)
            var items: [YNode] = []
            while true {
                try next()
                if event.pointee.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try node(depth: depth + 1))
            }
            result = .sequence(YSequence(items: items, tag: tag, pos: pos))
        case YAML_MAPPING_START_EVENT:
            let start = event.pointee.data.mapping_start
            anchor = start.anchor.map { String(cString: $0) }
            let tag = start.implicit != 0 ? nil : Self.explicitTag(start.tag)
            var pairs: [YMapping.Pair] = []
            var seen: Set<String>? = nil
            while true {
                try next()
                if event.pointee.type == YAML_MAPPING_END_EVENT { break }
                let keyNode = try node(depth: depth + 1)
                guard case .scalar(let key) = keyNode else {
                    throw InputError(keyNode.pos, "mapping key is \(keyNode.kindName); ciport reads string keys only")
                }
                // Duplicate keys: a linear scan for the small mappings CI files are made of.
                if pairs.count < 12 {
                    if let first = pairs.first(where: { $0.key.value == key.value }) {
                        throw duplicate(key, first: first.key.pos)
                    }
                    if pairs.count == 11 { seen = Set(pairs.map(\.key.value)); seen?.insert(key.value) }
                } else if seen?.insert(key.value).inserted == false {
                    throw duplicate(key, first: pairs.first { $0.key.value == key.value }?.key.pos ?? key.pos)
                }
                try next()
                let value = try node(depth: depth + 1)
                pairs.append(YMapping.Pair(key: key, value: value))
            }
            result = .mapping(YMapping(pairs: pairs, tag: tag, pos: pos))
        default:
            throw InputError(pos, "invalid YAML: unexpected event \(event.pointee.type.rawValue)")
        }
        if let anchor {
            anchors[anchor] = (result, before - budget)
        }
        return result
    }

    private func bomb(_ pos: SourcePos) -> InputError {
        InputError(pos, "document expands to more than \(limits.maxNodes) nodes through aliases (a \"billion laughs\" file?)")
    }

    private func duplicate(_ key: YScalar, first: SourcePos) -> InputError {
        InputError(key.pos, "duplicate key '\(key.value)' in a mapping (first at \(first.line):\(first.column))")
    }

    private func parserError() -> InputError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "unknown error"
        switch p.error {
        case YAML_MEMORY_ERROR:
            return InputError(SourcePos(file: file, line: 1, column: 1), "out of memory while parsing YAML")
        case YAML_READER_ERROR:
            return InputError(SourcePos(file: file, line: 1, column: 1), "unreadable input: \(problem) at offset \(p.problem_offset)")
        default:
            let pos = mark(p.problem_mark)
            if problem.hasPrefix("Maximum nesting level") {
                return InputError(pos, "nesting deeper than 1000 levels")
            }
            var msg = problem
            if let context = p.context {
                let text = String(cString: context)
                if !text.isEmpty { msg += " (\(text) at \(p.context_mark.line + 1):\(p.context_mark.column + 1))" }
            }
            return InputError(pos, "invalid YAML: " + msg)
        }
    }

    /// A tag the author wrote (`!reference`), or nil for none and YAML's own core tags.
    private static func explicitTag(_ tag: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let tag else { return nil }
        let name = String(cString: tag)
        if name.isEmpty || name == "!" || name.hasPrefix("tag:yaml.org,2002:") { return nil }
        return name
    }
}
