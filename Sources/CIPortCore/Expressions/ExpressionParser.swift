/// A syntax error in an expression, at a 1-based column of the expression text.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column in the expression text (characters, not bytes).
    public var column: Int
    public var message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }

    /// The error as an `InputError` at the position where the expression text starts in its file.
    public func inputError(expressionAt pos: SourcePos) -> InputError {
        InputError(SourcePos(file: pos.file, line: pos.line, column: pos.column + column - 1), message)
    }
}

/// Parses GitHub expressions and GitLab `rules:if` expressions into `Expr`.
///
/// Hand-written over UTF-8 bytes: it runs for every condition and every `${{ }}` in every file, and
/// the grammars are small enough that a table-free recursive descent is clearer than a generator.
enum ExpressionParser {
    /// The contexts GitHub knows; any other bare name is an error there, as it is here.
    static let githubContexts: Set<String> = [
        "github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix", "needs", "inputs",
    ]

    /// GitHub's functions with their canonical spelling and arity (`max` nil: variadic).
    static let githubFunctions: [String: (name: String, min: Int, max: Int?)] = [
        "contains": ("contains", 2, 2), "startswith": ("startsWith", 2, 2), "endswith": ("endsWith", 2, 2),
        "format": ("format", 1, nil), "join": ("join", 1, 2), "tojson": ("toJSON", 1, 1), "fromjson": ("fromJSON", 1, 1),
        "hashfiles": ("hashFiles", 1, nil), "success": ("success", 0, 0), "always": ("always", 0, 0),
        "cancelled": ("cancelled", 0, 0), "failure": ("failure", 0, 0), "case": ("case", 3, nil),
    ]

    static func parseGitHub(_ text: String) throws(ExpressionError) -> Expr {
        var p = Parser(bytes: Array(text.utf8), text: text, dialect: .github)
        try p.advance()
        let e = try p.parseOr()
        guard p.tok == .end else { throw p.error("unexpected \(p.tok.describe) after the expression") }
        return e
    }

    static func parseGitLab(_ text: String) throws(ExpressionError) -> Expr {
        var p = Parser(bytes: Array(text.utf8), text: text, dialect: .gitlab)
        try p.advance()
        let e = try p.parseOr()
        guard p.tok == .end else { throw p.error("unexpected \(p.tok.describe) after the expression") }
        return e
    }

    static func parse(_ text: String, dialect: Platform) throws(ExpressionError) -> Expr {
        dialect == .github ? try parseGitHub(text) : try parseGitLab(text)
    }
}

enum Token: Equatable {
    case lparen, rparen, lbracket, rbracket, dot, comma, star, bang
    case op(BinaryOp)
    case string(String)
    case number(Double)
    case ident(String)
    case variable(String)
    case regex(String, String)
    case end

    var describe: String {
        switch self {
        case .lparen: "'('"
        case .rparen: "')'"
        case .lbracket: "'['"
        case .rbracket: "']'"
        case .dot: "'.'"
        case .comma: "','"
        case .star: "'*'"
        case .bang: "'!'"
        case .op(let o): "'\(o.rawValue)'"
        case .string: "a string"
        case .number: "a number"
        case .ident(let s): "'\(s)'"
        case .variable(let v): "'$\(v)'"
        case .regex: "a regular expression"
        case .end: "the end of the expression"
        }
    }
}

enum Lexer {
    static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Characters of a GitHub name (`node-version` is one name) and of a shell/GitLab variable name
    /// when `dash` is false.
    static func isIdentChar(_ c: UInt8, dash: Bool = true) -> Bool {
        isIdentStart(c) || isDigit(c) || (dash && c == 0x2D)
    }

    /// Whether `name` prints as `.name` in a GitHub path rather than `['name']`.
    static func isPlainPropertyName(_ name: String) -> Bool {
        guard let f = name.utf8.first, isIdentStart(f) || isDigit(f) else { return false }
        return name.utf8.allSatisfy { isIdentChar($0) }
    }
}

private struct Parser {
    let bytes: [UInt8]
    let text: String
    let dialect: Platform
    var i = 0
    var tok: Token = .end
    var tokStart = 0

    init(bytes: [UInt8], text: String, dialect: Platform) {
        self.bytes = bytes
        self.text = text
        self.dialect = dialect
    }

    /// Column of a byte offset, counted in characters so that a caret lines up in an editor.
    func column(_ offset: Int) -> Int {
        let end = min(offset, bytes.count)
        return String(decoding: bytes[0..<end], as: UTF8.self).count + 1
    }

    func error(_ message: String, at offset: Int? = nil) -> ExpressionError {
        ExpressionError(column: column(offset ?? tokStart), message: message)
    }

    mutating func advance() throws(ExpressionError) {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        tokStart = i
        guard i < bytes.count else { tok = .end; return }
        let c = bytes[i]
        func peek(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }
        switch c {
        case UInt8(ascii: "("): i += 1; tok = .lparen
        case UInt8(ascii: ")"): i += 1; tok = .rparen
        case UInt8(ascii: "[") where dialect == .github: i += 1; tok = .lbracket
        case UInt8(ascii: "]") where dialect == .github: i += 1; tok = .rbracket
        case UInt8(ascii: ",") where dialect == .github: i += 1; tok = .comma
        case UInt8(ascii: "*") where dialect == .github: i += 1; tok = .star
        case UInt8(ascii: "."):
            if dialect == .github, let n = peek(1), Lexer.isDigit(n), tokIsValueEnd == false {
                tok = .number(try lexNumber())
            } else if dialect == .github {
                i += 1; tok = .dot
            } else {
                throw error("unexpected '.'")
            }
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { i += 2; tok = .op(.ne) }
            else if dialect == .gitlab, peek(1) == UInt8(ascii: "~") { i += 2; tok = .op(.noMatch) }
            else if dialect == .github { i += 1; tok = .bang }
            else { throw error("GitLab expressions have no '!' operator; use != or !~") }
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { i += 2; tok = .op(.eq) }
            else if dialect == .gitlab, peek(1) == UInt8(ascii: "~") { i += 2; tok = .op(.match) }
            else { throw error("'=' is not an operator; use ==") }
        case UInt8(ascii: "<") where dialect == .github:
            if peek(1) == UInt8(ascii: "=") { i += 2; tok = .op(.le) } else { i += 1; tok = .op(.lt) }
        case UInt8(ascii: ">") where dialect == .github:
            if peek(1) == UInt8(ascii: "=") { i += 2; tok = .op(.ge) } else { i += 1; tok = .op(.gt) }
        case UInt8(ascii: "&"):
            guard peek(1) == UInt8(ascii: "&") else { throw error("'&' is not an operator; use &&") }
            i += 2; tok = .op(.and)
        case UInt8(ascii: "|"):
            guard peek(1) == UInt8(ascii: "|") else { throw error("'|' is not an operator; use ||") }
            i += 2; tok = .op(.or)
        case UInt8(ascii: "'"):
            tok = .string(try lexQuoted(quote: c, backslashEscapes: false))
        case UInt8(ascii: "\"") where dialect == .gitlab:
            tok = .string(try lexQuoted(quote: c, backslashEscapes: true))
        case UInt8(ascii: "\""):
            throw error("GitHub strings use single quotes")
        case UInt8(ascii: "$") where dialect == .gitlab:
            tok = .variable(try lexVariable())
        case UInt8(ascii: "/") where dialect == .gitlab:
            tok = try lexRegex()
        case UInt8(ascii: "-") where dialect == .github:
            guard let n = peek(1), Lexer.isDigit(n) || n == UInt8(ascii: ".") else { throw error("unexpected '-'") }
            tok = .number(try lexNumber())
        default:
            if dialect == .github, Lexer.isDigit(c) {
                tok = .number(try lexNumber())
            } else if Lexer.isIdentStart(c) {
                let s = i
                while i < bytes.count, Lexer.isIdentChar(bytes[i], dash: dialect == .github) { i += 1 }
                tok = .ident(String(decoding: bytes[s..<i], as: UTF8.self))
            } else {
                let ch = String(decoding: bytes[i..<min(i + 4, bytes.count)], as: UTF8.self).first.map(String.init) ?? "?"
                throw error("unexpected character '\(ch)'")
            }
        }
    }

    /// Whether the previous token ends a value (so a following `.5` is member access, not a number).
    var tokIsValueEnd: Bool {
        switch tok {
        case .ident, .rparen, .rbracket, .string, .number, .star: true
        default: false
        }
    }

    mutating func lexQuoted(quote: UInt8, backslashEscapes: Bool) throws(ExpressionError) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if backslashEscapes, c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                out.append(bytes[i + 1]); i += 2; continue
            }
            if c == quote {
                // GitHub escapes a quote by doubling it: 'it''s'.
                if !backslashEscapes, i + 1 < bytes.count, bytes[i + 1] == quote { out.append(quote); i += 2; continue }
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            out.append(c); i += 1
        }
        throw error("unterminated string", at: start)
    }

    mutating func lexNumber() throws(ExpressionError) -> Double {
        let s = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] | 0x20 == UInt8(ascii: "x") {
            i += 2
            let hs = i
            while i < bytes.count, Lexer.isDigit(bytes[i]) || (bytes[i] | 0x20 >= 0x61 && bytes[i] | 0x20 <= 0x66) { i += 1 }
            guard i > hs, let v = Int64(String(decoding: bytes[hs..<i], as: UTF8.self), radix: 16) else {
                throw error("malformed hexadecimal number", at: s)
            }
            return Double(bytes[s] == UInt8(ascii: "-") ? -v : v)
        }
        while i < bytes.count, Lexer.isDigit(bytes[i]) || bytes[i] == UInt8(ascii: ".") { i += 1 }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count, Lexer.isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, Lexer.isIdentStart(bytes[i]) { throw error("malformed number", at: s) }
        guard let v = Double(String(decoding: bytes[s..<i], as: UTF8.self)) else { throw error("malformed number", at: s) }
        return v
    }

    /// `$NAME`, and `${NAME}`, which GitLab expands elsewhere but not in rules; accepted here because
    /// a translator should read what a person plausibly wrote.
    mutating func lexVariable() throws(ExpressionError) -> String {
        let start = i
        i += 1
        let braced = i < bytes.count && bytes[i] == UInt8(ascii: "{")
        if braced { i += 1 }
        let s = i
        guard i < bytes.count, Lexer.isIdentStart(bytes[i]) else { throw error("expected a variable name after '$'", at: start) }
        while i < bytes.count, Lexer.isIdentChar(bytes[i], dash: false) { i += 1 }
        let name = String(decoding: bytes[s..<i], as: UTF8.self)
        if braced {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "}") else { throw error("expected '}' after '${\(name)'", at: start) }
            i += 1
        }
        return name
    }

    mutating func lexRegex() throws(ExpressionError) -> Token {
        let start = i
        i += 1
        var pattern: [UInt8] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: "/") {
            if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { pattern.append(bytes[i]); i += 1 }
            pattern.append(bytes[i]); i += 1
        }
        guard i < bytes.count else { throw error("unterminated regular expression", at: start) }
        i += 1
        let fs = i
        while i < bytes.count, Lexer.isIdentStart(bytes[i]) { i += 1 }
        let flags = String(decoding: bytes[fs..<i], as: UTF8.self)
        if let bad = flags.first(where: { !"imsx".contains($0) }) {
            throw error("unknown regular expression flag '\(bad)'", at: fs)
        }
        return .regex(String(decoding: pattern, as: UTF8.self), flags)
    }

    // MARK: Grammar

    mutating func parseOr() throws(ExpressionError) -> Expr {
        var l = try parseAnd()
        while tok == .op(.or) {
            try advance()
            l = .binary(.or, l, try parseAnd())
        }
        return l
    }

    mutating func parseAnd() throws(ExpressionError) -> Expr {
        var l = try parseEquality()
        while tok == .op(.and) {
            try advance()
            l = .binary(.and, l, try parseEquality())
        }
        return l
    }

    mutating func parseEquality() throws(ExpressionError) -> Expr {
        var l = try parseRelational()
        while case .op(let op) = tok, op == .eq || op == .ne || op == .match || op == .noMatch {
            // GitLab compares two operands and stops: `$A == "x" == "y"` is an error there.
            if dialect == .gitlab, case .binary(let prev, _, _) = l, prev.isComparison {
                throw error("GitLab cannot chain comparisons; use && or ||")
            }
            try advance()
            l = .binary(op, l, try parseRelational())
        }
        return l
    }

    mutating func parseRelational() throws(ExpressionError) -> Expr {
        var l = try parseUnary()
        while case .op(let op) = tok, op == .lt || op == .le || op == .gt || op == .ge {
            try advance()
            l = .binary(op, l, try parseUnary())
        }
        return l
    }

    mutating func parseUnary() throws(ExpressionError) -> Expr {
        if tok == .bang {
            try advance()
            return .not(try parseUnary())
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws(ExpressionError) -> Expr {
        let primary = try parsePrimary()
        guard dialect == .github else { return primary }
        var segments: [PathSegment] = []
        while true {
            if tok == .dot {
                // Property names may start with a digit or hold dashes (`steps.1st.outputs`, `node-version`).
                let s = i
                while i < bytes.count, Lexer.isIdentChar(bytes[i]) { i += 1 }
                if i > s {
                    segments.append(.name(String(decoding: bytes[s..<i], as: UTF8.self)))
                    try advance()
                    continue
                }
                try advance()
                guard tok == .star else { throw error("expected a property name after '.'") }
                segments.append(.wildcard)
                try advance()
            } else if tok == .lbracket {
                try advance()
                if tok == .star {
                    segments.append(.wildcard)
                    try advance()
                } else {
                    let e = try parseOr()
                    if case .string(let s) = e { segments.append(.name(s)) } else { segments.append(.index(e)) }
                }
                guard tok == .rbracket else { throw error("expected ']'") }
                try advance()
            } else {
                break
            }
        }
        if segments.isEmpty { return primary }
        if case .path(let root, let prefix) = primary { return .path(root: root, prefix + segments) }
        return .access(primary, segments)
    }

    mutating func parsePrimary() throws(ExpressionError) -> Expr {
        let start = tokStart
        switch tok {
        case .string(let s): try advance(); return .string(s)
        case .number(let d): try advance(); return .number(d)
        case .variable(let v): try advance(); return .variable(v)
        case .regex(let p, let f): try advance(); return .regex(pattern: p, flags: f)
        case .lparen:
            try advance()
            let e = try parseOr()
            guard tok == .rparen else { throw error("expected ')'") }
            try advance()
            return e
        case .ident(let name):
            try advance()
            if dialect == .gitlab {
                guard name == "null" else { throw error("unexpected '\(name)'; GitLab variables start with '$'", at: start) }
                return .null
            }
            switch name {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "NaN": return .number(.nan)
            case "Infinity": return .number(.infinity)
            default: break
            }
            if tok == .lparen { return try parseCall(name, at: start) }
            guard ExpressionParser.githubContexts.contains(name.lowercased()) else {
                throw error("unrecognized named value '\(name)'", at: start)
            }
            return .path(root: name.lowercased(), [])
        case .end: throw error("expected a value")
        default: throw error("unexpected \(tok.describe)")
        }
    }

    mutating func parseCall(_ name: String, at start: Int) throws(ExpressionError) -> Expr {
        guard let fn = ExpressionParser.githubFunctions[name.lowercased()] else {
            throw error("unknown function '\(name)'", at: start)
        }
        try advance()
        var args: [Expr] = []
        if tok != .rparen {
            while true {
                args.append(try parseOr())
                if tok == .comma { try advance(); continue }
                break
            }
        }
        guard tok == .rparen else { throw error("expected ',' or ')' in the arguments of \(fn.name)") }
        try advance()
        if args.count < fn.min || fn.max.map({ args.count > $0 }) == true {
            let want = fn.max == fn.min ? "\(fn.min)" : fn.max.map { "\(fn.min) to \($0)" } ?? "at least \(fn.min)"
            throw error("\(fn.name) takes \(want) argument\(want == "1" ? "" : "s"), not \(args.count)", at: start)
        }
        return .call(fn.name, args)
    }
}
