import Foundation

/// How faithfully one source construct made it into the output.
public enum Fidelity: String, Sendable, Codable, CaseIterable, Comparable {
    /// Same meaning on the target platform.
    case translated
    /// Close, with a difference a person should know about (noted in the output).
    case approximated
    /// Written, but only a person can tell whether it is right (a `# ciport:` comment marks it).
    case needsReview = "needs-review"
    /// Has no counterpart on the target; not in the output.
    case lost

    var rank: Int {
        switch self {
        case .translated: 0
        case .approximated: 1
        case .needsReview: 2
        case .lost: 3
        }
    }

    public static func < (a: Fidelity, b: Fidelity) -> Bool { a.rank < b.rank }
}

/// One source construct and what became of it.
public struct LedgerEntry: Sendable, Codable, Equatable {
    /// Where it is in the source, as a dotted path (`jobs.build.steps[2].uses`).
    public var construct: String
    public var pos: SourcePos
    public var status: Fidelity
    /// Why it is not simply translated (empty when it is).
    public var note: String
    /// Where it went in the output (a dotted path), when it went somewhere.
    public var target: String?

    public init(construct: String, pos: SourcePos, status: Fidelity, note: String = "", target: String? = nil) {
        self.construct = construct
        self.pos = pos
        self.status = status
        self.note = note
        self.target = target
    }
}

/// The fidelity ledger: every construct read from the source, with its fate.
///
/// Readers record each construct as they consume it; translation and writing downgrade entries
/// (by construct path) when they approximate, flag or drop them. A construct's final status is the
/// worst it was given; notes accumulate.
public struct Ledger: Sendable, Codable, Equatable {
    public private(set) var entries: [LedgerEntry] = []
    private var index = ConstructIndex()
    /// False for a ledger that keeps nothing: scoring and dataset validation read files only for
    /// their model, and skip building a construct path per node.
    public private(set) var isRecording = true

    private enum CodingKeys: String, CodingKey { case entries, index }

    public init() {}

    // Coded as before (entries and the index by path); the index is rebuilt from the entries.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for e in try c.decode([LedgerEntry].self, forKey: .entries) {
            if find(e.construct, orInsert: entries.count) == nil { entries.append(e) }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        var byPath: [String: Int] = [:]
        for (i, e) in entries.enumerated() where byPath[e.construct] == nil { byPath[e.construct] = i }
        try c.encode(byPath, forKey: .index)
    }

    /// Equal entries make equal indexes.
    public static func == (a: Ledger, b: Ledger) -> Bool { a.entries == b.entries && a.isRecording == b.isRecording }

    /// Entry number of `construct`; when absent, `newIndex` (if any) is recorded for it.
    private mutating func find(_ construct: String, orInsert newIndex: Int? = nil) -> Int? {
        let entries = self.entries
        return index.find(construct, orInsert: newIndex) { entries[$0].construct }
    }

    private func lookup(_ construct: String) -> Int? {
        index.lookup(construct, count: entries.count) { entries[$0].construct }
    }

    /// A ledger that records nothing (construct paths and notes are never even built).
    public static var discarding: Ledger {
        var l = Ledger()
        l.isRecording = false
        return l
    }

    /// Records a construct (or makes an existing record worse).
    public mutating func record(_ construct: @autoclosure () -> String, at pos: SourcePos, _ status: Fidelity = .translated,
                                note: @autoclosure () -> String = "", target: String? = nil) {
        guard isRecording else { return }
        let construct = construct(), note = note()
        if let i = find(construct, orInsert: entries.count) {
            if status > entries[i].status { entries[i].status = status }
            // Shared lines (a default `before_script`) come back once per job with the same notes.
            if !note.isEmpty, entries[i].note != note, !FastText.contains(entries[i].note, note) {
                entries[i].note = entries[i].note.isEmpty ? note : entries[i].note + "; " + note
            }
            if let target, entries[i].target == nil { entries[i].target = target }
        } else {
            entries.append(LedgerEntry(construct: construct, pos: pos, status: status, note: note, target: target))
        }
    }

    /// Sets where a construct went in the output.
    public mutating func setTarget(_ construct: String, _ target: String) {
        if let i = find(construct) { entries[i].target = target }
    }

    /// Whether the construct was recorded (without copying its entry).
    public func contains(_ construct: String) -> Bool { lookup(construct) != nil }

    public func entry(_ construct: String) -> LedgerEntry? {
        lookup(construct).map { entries[$0] }
    }

    public mutating func merge(_ other: Ledger) {
        for e in other.entries { record(e.construct, at: e.pos, e.status, note: e.note, target: e.target) }
    }

    public var summary: Summary {
        // Counted in place, then one dictionary entry per class present.
        var n = [0, 0, 0, 0]
        for e in entries { n[e.status.rank] += 1 }
        var s = Summary()
        for f in Fidelity.allCases where n[f.rank] > 0 { s.counts[f] = n[f.rank] }
        return s
    }

    /// Counts per fidelity class.
    public struct Summary: Sendable, Codable, Equatable, CustomStringConvertible {
        public var counts: [Fidelity: Int] = [:]

        public init() {}

        public var total: Int { counts.values.reduce(0, +) }
        public func count(_ f: Fidelity) -> Int { counts[f] ?? 0 }
        public func percent(_ f: Fidelity) -> Double { total == 0 ? 100 : Double(count(f)) * 100 / Double(total) }

        public static func + (a: Summary, b: Summary) -> Summary {
            var s = a
            for (k, v) in b.counts { s.counts[k, default: 0] += v }
            return s
        }

        public var description: String {
            var parts = ""
            for f in Fidelity.allCases {
                if !parts.isEmpty { parts += ", " }
                parts += "\(count(f)) \(f.rawValue)"
            }
            return "\(total) constructs: \(parts) (\(Self.oneDecimal(percent(.translated)))% translated)"
        }

        /// `String(format: "%.1f", x)` for a percentage (0...100), without Foundation's formatter.
        static func oneDecimal(_ x: Double) -> String {
            guard x.isFinite, x >= 0, x < 1e9 else { return String(format: "%.1f", x) }
            // Round half to even on the exact binary value, as printf does.
            let tenths = (x * 10).rounded(.toNearestOrEven)
            // x * 10 may round in binary; printf rounds the exact value, so check the halfway case.
            if abs(x * 10 - (x * 10).rounded(.down) - 0.5) < 1e-9 { return String(format: "%.1f", x) }
            let t = Int(tenths)
            return "\(t / 10).\(t % 10)"
        }
    }
}
