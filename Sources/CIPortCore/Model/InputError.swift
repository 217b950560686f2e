import Yams

/// An error in a user's input, printed like a compiler's: `file:line:col: error: message`.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pos: SourcePos
    public var message: String

    public init(_ pos: SourcePos, _ message: String) {
        self.pos = pos
        self.message = message
    }

    public var description: String { "\(pos): error: \(message)" }

    init(yamlError e: YamlError, file: String) {
        switch e {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            if problem.hasPrefix("Maximum nesting level") {
                self.init(SourcePos(file: file, line: mark.line, column: mark.column), "nesting deeper than 1000 levels")
                return
            }
            var msg = problem
            if let context, !context.text.isEmpty {
                msg += " (\(context.text) at \(context.mark.line):\(context.mark.column))"
            }
            self.init(SourcePos(file: file, line: mark.line, column: mark.column), "invalid YAML: " + msg)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            self.init(SourcePos(file: file, line: context.mark.line, column: context.mark.column),
                      "duplicate key \(names) in a mapping")
        case .reader(let problem, let offset, _, _):
            self.init(SourcePos(file: file, line: 1, column: 1), "unreadable input: \(problem) at offset \(offset ?? 0)")
        case .memory:
            self.init(SourcePos(file: file, line: 1, column: 1), "out of memory while parsing YAML")
        case .emitter(let problem), .representer(let problem), .writer(let problem):
            self.init(SourcePos(file: file, line: 1, column: 1), problem)
        case .dataCouldNotBeDecoded:
            self.init(SourcePos(file: file, line: 1, column: 1), "not UTF-8 text")
        default:
            self.init(SourcePos(file: file, line: 1, column: 1), "invalid YAML: \(e)")
        }
    }
}
