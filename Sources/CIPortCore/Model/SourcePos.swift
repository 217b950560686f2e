/// A position in a source file, 1-based, as editors and compilers print it.
public struct SourcePos: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A position for constructs ciport synthesised itself (no source text behind them).
    public static func synthesized(_ file: String = "<ciport>") -> SourcePos {
        SourcePos(file: file, line: 0, column: 0)
    }

    public var description: String { "\(file):\(line):\(column)" }

    /// Line and column only: positions key the writers' caches, a conversion reads one file (its
    /// includes aside), and hashing the file name (a path) cost more than the rest. Equal
    /// positions still hash alike; `==` compares the file too.
    public func hash(into h: inout Hasher) {
        h.combine(line &* 4096 &+ column)
    }

    public static func < (a: SourcePos, b: SourcePos) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}
