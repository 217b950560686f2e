/// The expression tree shared by both dialects.
///
/// GitHub expressions (`github.ref == 'refs/heads/main' && success()`) and GitLab `rules:if`
/// expressions (`$CI_COMMIT_BRANCH == "main"`) parse into the same nodes, so translation is a
/// tree-to-tree rewrite and printing is per dialect. Nodes that only one dialect has
/// (`variable`/`regex` for GitLab, `path`/`call` for GitHub) are rewritten before printing.
indirect enum Expr: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    /// A GitHub context path: `github.event.pull_request.title`, `matrix['node-version']`, `labels.*.name`.
    case path(root: String, [PathSegment])
    /// Member access on something that is not a context (`fromJSON(x).a`, `(x)[0]`).
    case access(Expr, [PathSegment])
    /// A GitLab variable reference: `$CI_COMMIT_SHA`.
    case variable(String)
    /// A GitLab regular expression literal: `/^release\/.*$/i`.
    case regex(pattern: String, flags: String)
    case not(Expr)
    case binary(BinaryOp, Expr, Expr)
    /// A GitHub function call; `name` is spelled canonically (`startsWith`), whatever the source case.
    case call(String, [Expr])
}

enum PathSegment: Equatable, Sendable {
    /// `.name` or `['name']`.
    case name(String)
    /// `.*` or `[*]`: an object filter, yields an array.
    case wildcard
    /// `[expr]` where `expr` is not a string literal.
    case index(Expr)
}

enum BinaryOp: String, Sendable {
    case or = "||"
    case and = "&&"
    case eq = "=="
    case ne = "!="
    case lt = "<"
    case le = "<="
    case gt = ">"
    case ge = ">="
    /// GitLab only.
    case match = "=~"
    /// GitLab only.
    case noMatch = "!~"

    /// Binding strength, GitHub's table (`||` < `&&` < `== !=` < `< <= > >=`); GitLab's match
    /// operators sit with equality.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .eq, .ne, .match, .noMatch: 3
        case .lt, .le, .gt, .ge: 4
        }
    }

    var isComparison: Bool { precedence >= 3 }
}

extension Expr {
    /// `github.ref` as a dotted string (`github.event.pull_request.labels.*.name`), lower-cased because
    /// GitHub context names are case-insensitive; nil for paths with computed indexes.
    var dottedPath: String? {
        guard case .path(let root, let segments) = self else { return nil }
        var s = root.lowercased()
        for seg in segments {
            switch seg {
            case .name(let n): s += "." + n.lowercased()
            case .wildcard: s += ".*"
            case .index: return nil
            }
        }
        return s
    }

    /// The path's names as written (case kept: secret and variable names are printed back).
    var pathNames: [String]? {
        guard case .path(let root, let segments) = self else { return nil }
        var out = [root]
        for seg in segments {
            guard case .name(let n) = seg else { return nil }
            out.append(n)
        }
        return out
    }

    static func and(_ a: Expr, _ b: Expr) -> Expr { .binary(.and, a, b) }
    static func or(_ a: Expr, _ b: Expr) -> Expr { .binary(.or, a, b) }

    /// The operands of a chain of `op` (`a && b && c` → `[a, b, c]`), in source order.
    func flattened(_ op: BinaryOp) -> [Expr] {
        if case .binary(op, let l, let r) = self { return l.flattened(op) + r.flattened(op) }
        return [self]
    }
}

// MARK: - Printing

extension Expr {
    /// The expression in GitHub syntax, without `${{ }}`, with only the parentheses precedence needs.
    var github: String {
        var out = ""
        printGitHub(into: &out)
        return out
    }

    /// The expression in GitLab `rules:if` syntax.
    var gitlab: String {
        var out = ""
        printGitLab(into: &out)
        return out
    }

    private var githubPrecedence: Int {
        switch self {
        case .binary(let op, _, _): op.precedence
        case .not: 5
        default: 6
        }
    }

    private func printGitHub(into out: inout String) {
        switch self {
        case .string(let s):
            out += "'"
            for ch in s { if ch == "'" { out += "''" } else { out.append(ch) } }
            out += "'"
        case .number(let d): out += Expr.formatNumber(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .path(let root, let segments):
            out += root
            Expr.printSegments(segments, into: &out)
        case .access(let base, let segments):
            if base.githubPrecedence < 6 { out += "("; base.printGitHub(into: &out); out += ")" } else { base.printGitHub(into: &out) }
            Expr.printSegments(segments, into: &out)
        case .variable(let v): out += "$" + v
        case .regex(let p, let f): out += "/" + p + "/" + f
        case .not(let e):
            out += "!"
            if e.githubPrecedence < 5 { out += "("; e.printGitHub(into: &out); out += ")" } else { e.printGitHub(into: &out) }
        case .binary(let op, let l, let r):
            let p = op.precedence
            let lp = l.githubPrecedence, rp = r.githubPrecedence
            // `&&` and `||` are associative, so a right-nested chain needs no parentheses; comparisons
            // keep them so that the tree reads back the same.
            let rightNeeds = op.isComparison ? rp <= p : rp < p
            if lp < p { out += "("; l.printGitHub(into: &out); out += ")" } else { l.printGitHub(into: &out) }
            out += " " + op.rawValue + " "
            if rightNeeds { out += "("; r.printGitHub(into: &out); out += ")" } else { r.printGitHub(into: &out) }
        case .call(let name, let args):
            out += name + "("
            for (i, a) in args.enumerated() {
                if i > 0 { out += ", " }
                a.printGitHub(into: &out)
            }
            out += ")"
        }
    }

    private static func printSegments(_ segments: [PathSegment], into out: inout String) {
        for seg in segments {
            switch seg {
            case .name(let n):
                if Lexer.isPlainPropertyName(n) { out += "." + n } else { out += "[" + Expr.string(n).github + "]" }
            case .wildcard: out += ".*"
            case .index(let e): out += "["; e.printGitHub(into: &out); out += "]"
            }
        }
    }

    static func formatNumber(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return String(d)
    }

    private var gitlabPrecedence: Int {
        if case .binary(let op, _, _) = self { return op.precedence }
        return 6
    }

    private func printGitLab(into out: inout String) {
        switch self {
        case .string(let s):
            out += "\""
            for ch in s {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.append(ch)
            }
            out += "\""
        case .null: out += "null"
        case .variable(let v): out += "$" + v
        case .regex(let p, let f): out += "/" + p + "/" + f
        case .binary(let op, let l, let r):
            let p = op.precedence
            if l.gitlabPrecedence < p { out += "("; l.printGitLab(into: &out); out += ")" } else { l.printGitLab(into: &out) }
            out += " " + op.rawValue + " "
            if r.gitlabPrecedence < p { out += "("; r.printGitLab(into: &out); out += ")" } else { r.printGitLab(into: &out) }
        // GitLab has no booleans, numbers, negation or calls; the translator rewrites them first.
        // Printing them as strings keeps a stray one visible rather than crashing.
        case .bool(let b): out += b ? "\"true\"" : "\"false\""
        case .number(let d): out += "\"" + Expr.formatNumber(d) + "\""
        case .not, .path, .access, .call: out += "\"" + github + "\""
        }
    }
}
