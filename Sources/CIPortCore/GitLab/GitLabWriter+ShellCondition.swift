/// Turns a GitLab `rules:if` expression into a POSIX shell test, for step conditions: GitLab has
/// no per-step `if`, so a guarded step becomes `if <test>; then … fi` inside the script.
///
/// Handles what `rules:if` allows: `$VAR`, `==`/`!=` against strings, `null` or variables,
/// `=~`/`!~` against `/regex/`, `&&`, `||` and parentheses. Anything else gives nil.
enum ShellCondition {
    static func translate(_ expression: String) -> String? {
        var p = Parser(tokens: tokenize(expression) ?? [])
        guard !p.tokens.isEmpty, let e = p.parseOr(), p.i == p.tokens.count else { return nil }
        return e
    }

    enum Token: Equatable {
        case variable(String), string(String), regex(String, String), null
        case op(String), and, or, open, close
    }

    static func tokenize(_ s: String) -> [Token]? {
        var out: [Token] = []
        let c = Array(s)
        var i = 0
        func ident(from j: Int) -> (String, Int) {
            var k = j
            while k < c.count, c[k].isLetter || c[k].isNumber || c[k] == "_" { k += 1 }
            return (String(c[j..<k]), k)
        }
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" { i += 1; continue }
            let two = i + 1 < c.count ? String(c[i...i + 1]) : ""
            switch true {
            case two == "&&": out.append(.and); i += 2
            case two == "||": out.append(.or); i += 2
            case ["==", "!=", "=~", "!~"].contains(two): out.append(.op(two)); i += 2
            case ch == "(": out.append(.open); i += 1
            case ch == ")": out.append(.close); i += 1
            case ch == "$":
                if i + 1 < c.count, c[i + 1] == "{" {
                    let (name, k) = ident(from: i + 2)
                    guard !name.isEmpty, k < c.count, c[k] == "}" else { return nil }
                    out.append(.variable(name)); i = k + 1
                } else {
                    let (name, k) = ident(from: i + 1)
                    guard !name.isEmpty else { return nil }
                    out.append(.variable(name)); i = k
                }
            case ch == "\"" || ch == "'":
                var k = i + 1
                var text = ""
                while k < c.count, c[k] != ch {
                    if c[k] == "\\", k + 1 < c.count { text.append(c[k + 1]); k += 2; continue }
                    text.append(c[k]); k += 1
                }
                guard k < c.count else { return nil }
                out.append(.string(text)); i = k + 1
            case ch == "/":
                guard case .op(let o)? = out.last, o == "=~" || o == "!~" else { return nil }
                var k = i + 1
                var re = ""
                while k < c.count, c[k] != "/" {
                    if c[k] == "\\", k + 1 < c.count {
                        if c[k + 1] == "/" { re.append("/") } else { re.append(c[k]); re.append(c[k + 1]) }
                        k += 2; continue
                    }
                    re.append(c[k]); k += 1
                }
                guard k < c.count else { return nil }
                k += 1
                var flags = ""
                while k < c.count, c[k].isLetter { flags.append(c[k]); k += 1 }
                out.append(.regex(re, flags)); i = k
            default:
                let (word, k) = ident(from: i)
                guard word == "null" else { return nil }
                out.append(.null); i = k
            }
        }
        return out
    }

    struct Parser {
        var tokens: [Token]
        var i = 0

        mutating func parseOr() -> String? {
            guard var left = parseAnd() else { return nil }
            var parts = [left]
            while i < tokens.count, tokens[i] == .or {
                i += 1
                guard let r = parseAnd() else { return nil }
                parts.append(r)
            }
            if parts.count > 1 { left = parts.joined(separator: " || ") }
            return left
        }

        /// `&&` binds tighter than `||` in GitLab; shell gives them equal precedence, so group.
        mutating func parseAnd() -> String? {
            guard let first = parseUnary() else { return nil }
            var parts = [first]
            while i < tokens.count, tokens[i] == .and {
                i += 1
                guard let r = parseUnary() else { return nil }
                parts.append(r)
            }
            return parts.count == 1 ? first : "{ " + parts.joined(separator: " && ") + "; }"
        }

        mutating func parseUnary() -> String? {
            guard i < tokens.count else { return nil }
            if tokens[i] == .open {
                i += 1
                guard let e = parseOr(), i < tokens.count, tokens[i] == .close else { return nil }
                i += 1
                return "{ \(e); }"
            }
            let left = tokens[i]
            i += 1
            guard i < tokens.count, case .op(let op) = tokens[i] else {
                guard case .variable(let v) = left else { return nil }
                return "[ -n \"${\(v):-}\" ]"
            }
            i += 1
            guard i < tokens.count else { return nil }
            let right = tokens[i]
            i += 1
            return ShellCondition.compare(left, op, right)
        }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func operand(_ t: Token) -> String? {
        switch t {
        case .variable(let v): "\"${\(v):-}\""
        case .string(let s): quote(s)
        default: nil
        }
    }

    static func compare(_ l: Token, _ op: String, _ r: Token) -> String? {
        switch (l, op, r) {
        case (_, "==", .null), (.null, "==", _):
            guard let x = operand(l == .null ? r : l) else { return nil }
            return "[ -z \(x) ]"
        case (_, "!=", .null), (.null, "!=", _):
            guard let x = operand(l == .null ? r : l) else { return nil }
            return "[ -n \(x) ]"
        case (_, "==", _), (_, "!=", _):
            guard let a = operand(l), let b = operand(r) else { return nil }
            return "[ \(a) \(op == "==" ? "=" : "!=") \(b) ]"
        case (_, "=~", .regex(let re, let flags)), (_, "!~", .regex(let re, let flags)):
            guard let a = operand(l) else { return nil }
            let grep = "grep -E\(flags.contains("i") ? "i" : "")q \(quote(re))"
            return (op == "!~" ? "! " : "") + "printf '%s' \(a) | \(grep)"
        default:
            return nil
        }
    }
}
