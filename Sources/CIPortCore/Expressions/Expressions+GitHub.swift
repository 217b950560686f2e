import Foundation

/// What a GitHub context reference is, for translation and for `neutral`.
enum GitHubRef {
    case mapped(ContextEntry)
    case secret(String)
    case variable(String)
    case env(String)
    case matrix(String)
    case input(String)
    case needsOutput(job: String, name: String)
    case stepOutput(step: String, name: String)
    case unsupported(Fidelity, String)

    static func classify(_ e: Expr) -> GitHubRef? {
        guard case .path(let root, _) = e else { return nil }
        guard let names = e.pathNames else {
            return .unsupported(.needsReview, "a computed index in \(e.github) has no GitLab counterpart")
        }
        let lower = names.map { $0.lowercased() }
        if let dotted = e.dottedPath, let entry = ContextTable.byGitHubPath[dotted] { return .mapped(entry) }
        switch (root, names.count) {
        case ("secrets", 2): return .secret(names[1])
        case ("vars", 2): return .variable(names[1])
        case ("env", 2): return .env(names[1])
        case ("matrix", 2): return .matrix(names[1])
        case ("inputs", 2): return .input(names[1])
        case ("github", 4) where lower[1] == "event" && lower[2] == "inputs": return .input(names[3])
        case ("needs", 4) where lower[2] == "outputs": return .needsOutput(job: names[1], name: names[3])
        case ("steps", 4) where lower[2] == "outputs": return .stepOutput(step: names[1], name: names[3])
        case ("needs", 3) where lower[2] == "result":
            return .unsupported(.lost, "\(e.github): GitLab has no per-job result to read; use when: on_failure / needs")
        case ("steps", 3) where lower[2] == "outcome" || lower[2] == "conclusion":
            return .unsupported(.lost, "\(e.github): GitLab script lines have no outcome to read")
        case ("job", _), ("jobs", _):
            return .unsupported(.lost, "\(e.github): no GitLab counterpart")
        default:
            return .unsupported(.needsReview, "\(e.github) has no GitLab counterpart")
        }
    }
}

/// One piece of translated GitLab text.
private enum Piece {
    case text(String)
    case variable(String)
    /// `${A:-fallback}` in a shell script.
    case defaulted(String, [Piece])
}

/// GitHub → GitLab translation of text and conditions.
struct GitHubToGitLab {
    var options: Expressions.Options
    var diag = Diagnostics()

    init(options: Expressions.Options) { self.options = options }

    // MARK: Text

    mutating func text(_ text: String, context: Expressions.Context) -> Expressions.TextResult {
        let bytes = Array(text.utf8)
        var out = Emitter()
        var env: [KeyValue] = []
        var quote = ShellQuote()
        var i = 0
        var literalStart = 0
        func flushLiteral(_ upTo: Int, into out: inout Emitter, quote: inout ShellQuote) {
            if upTo > literalStart {
                if context == .script { quote.scan(bytes[literalStart..<upTo]) }
                out.append(bytes[literalStart..<upTo])
            }
            literalStart = upTo
        }
        while i < bytes.count {
            guard bytes[i] == Bytes.dollar else { i += 1; continue }
            if Bytes.has(bytes, i, "${{") {
                flushLiteral(i, into: &out, quote: &quote)
                guard let end = Bytes.expressionEnd(bytes, from: i) else {
                    diag.add(.needsReview, "unterminated ${{ in the text")
                    i = bytes.count
                    continue
                }
                let source = Bytes.string(bytes[(i + 3)..<(end - 2)])
                if let pieces = translatePieces(source, context: context) {
                    emit(pieces, into: &out, singleQuoted: context == .script && quote.inSingle)
                } else {
                    out.append(bytes[i..<end])
                }
                i = end
                literalStart = end
                continue
            }
            // A GitHub default environment variable in a script: `$GITHUB_SHA` → `$CI_COMMIT_SHA`.
            guard context == .script, i == 0 || bytes[i - 1] != Bytes.backslash else { i += 1; continue }
            flushLiteral(i, into: &out, quote: &quote)
            let braced = i + 1 < bytes.count && bytes[i + 1] == Bytes.lbrace
            let nameStart = braced ? i + 2 : i + 1
            guard !quote.inSingle, let nameEnd = Bytes.nameEnd(bytes, nameStart),
                  !braced || (nameEnd < bytes.count && bytes[nameEnd] == Bytes.rbrace) else { i += 1; continue }
            let name = Bytes.string(bytes[nameStart..<nameEnd])
            let end = braced ? nameEnd + 1 : nameEnd
            if let entry = ContextTable.byGitHubEnv[name] {
                diag.add(entry.toGitLab, entry.note)
                switch entry.gitlab {
                case .variable(let v):
                    out.append(Array((braced ? "${\(v)}" : "$\(v)").utf8)[...])
                    i = end
                    literalStart = end
                    continue
                case .literal(let value):
                    if !env.contains(where: { $0.key == name }) { env.append(KeyValue(name, value, pos: .synthesized())) }
                }
            } else if ContextTable.githubStepFiles.contains(name) {
                diag.add(.needsReview, "$\(name) is a GitHub runner file; GitLab has none (pass values with export or artifacts:reports:dotenv)")
            }
            i += 1
        }
        flushLiteral(bytes.count, into: &out, quote: &quote)
        return Expressions.TextResult(text: out.finish(), env: env, fidelity: diag.fidelity, notes: diag.notes)
    }

    private mutating func translatePieces(_ source: String, context: Expressions.Context) -> [Piece]? {
        let expr: Expr
        do { expr = try ExpressionParser.parseGitHub(source) } catch {
            diag.add(.needsReview, "cannot parse ${{ \(source.trimmingWhitespace) }}: \(error)")
            return nil
        }
        do { return try pieces(expr, context: context) } catch {
            diag.add(error.fidelity, error.note)
            return nil
        }
    }

    private mutating func pieces(_ e: Expr, context: Expressions.Context) throws(Untranslatable) -> [Piece] {
        switch e {
        case .string(let s): return [.text(s)]
        case .number(let d): return [.text(Expr.formatNumber(d))]
        case .bool(let b): return [.text(b ? "true" : "false")]
        case .null: return [.text("")]
        case .path:
            switch GitHubRef.classify(e)! {
            case .mapped(let entry):
                diag.add(entry.toGitLab, entry.note)
                switch entry.gitlab {
                case .variable(let v): return [.variable(v)]
                case .literal(let s): return [.text(s)]
                }
            case .secret(let name):
                let v = gitlabName(name)
                diag.add(.needsReview, "secrets.\(name): define \(v) as a masked CI/CD variable in the GitLab project")
                return [.variable(v)]
            case .variable(let name), .env(let name):
                return [.variable(gitlabName(name))]
            case .matrix(let axis):
                return [.variable(Expressions.variableName(forMatrixAxis: axis))]
            case .input(let name):
                switch options.inputs {
                case .interpolation: return [.text("$[[ inputs.\(name) ]]")]
                case .variable: return [.variable(Expressions.variableName(forMatrixAxis: name))]
                }
            case .needsOutput(let job, let name):
                let v = Expressions.variableName(forOutput: name)
                diag.add(.needsReview, "needs.\(job).outputs.\(name): export \(v) from job '\(job)' through artifacts:reports:dotenv")
                return [.variable(v)]
            case .stepOutput(let step, let name):
                let v = Expressions.variableName(forOutput: name, step: step)
                diag.add(.needsReview, "steps.\(step).outputs.\(name): set \(v) in an earlier script line (export \(v)=…) instead of $GITHUB_OUTPUT")
                return [.variable(v)]
            case .unsupported(let f, let note):
                throw Untranslatable(f, note)
            }
        case .call("format", let args):
            guard case .string(let format) = args[0] else {
                throw Untranslatable(.needsReview, "format() with a computed format string has no GitLab counterpart")
            }
            return try formatPieces(format, args: Array(args.dropFirst()), context: context)
        case .call("hashFiles", _):
            throw Untranslatable(.needsReview, "hashFiles() has no GitLab text counterpart; use cache:key:files")
        case .binary(.or, let l, let r):
            // `github.head_ref || github.ref_name` (concurrency groups): in a merge request pipeline
            // CI_COMMIT_REF_NAME already is the source branch.
            if l.dottedPath == "github.head_ref", r.dottedPath == "github.ref_name" || r.dottedPath == "github.ref" {
                diag.add(.approximated, "CI_COMMIT_REF_NAME is the source branch in merge request pipelines, the ref otherwise")
                return [.variable("CI_COMMIT_REF_NAME")]
            }
            guard context == .script else {
                throw Untranslatable(.needsReview, "'\(e.github)': GitLab values have no default operator")
            }
            let lp = try pieces(l, context: context)
            let rp = try pieces(r, context: context)
            guard lp.count == 1, case .variable(let v) = lp[0],
                  rp.allSatisfy({ if case .text(let s) = $0 { !s.contains("}") && !s.contains("'") } else { true } }) else {
                throw Untranslatable(.needsReview, "'\(e.github)' has no shell counterpart")
            }
            diag.add(.approximated, "'\(e.github)' became a shell default: GitHub's || also skips false and 0")
            return [.defaulted(v, rp)]
        default:
            throw Untranslatable(.needsReview, "'\(e.github)' has no GitLab text counterpart")
        }
    }

    /// The GitLab spelling of a GitHub variable name: GitHub's default variables (`GITHUB_WORKSPACE`)
    /// become GitLab's, and names GitLab cannot spell (`cache-name`) are renamed, with a note.
    private mutating func gitlabName(_ name: String) -> String {
        if let e = ContextTable.byGitHubEnv[name], case .variable(let v) = e.gitlab {
            diag.add(e.toGitLab, e.note)
            return v
        }
        let safe = Expressions.safeVariableName(name)
        if safe != name { diag.add(.approximated, "\(name) is spelled \(safe) on GitLab: variable names hold only letters, digits and _") }
        return safe
    }

    private mutating func formatPieces(_ format: String, args: [Expr], context: Expressions.Context) throws(Untranslatable) -> [Piece] {
        var out: [Piece] = []
        var literal = ""
        var chars = Array(format)
        var k = 0
        chars.append("\0")
        while k < chars.count - 1 {
            let c = chars[k]
            if c == "{", chars[k + 1] == "{" { literal.append("{"); k += 2; continue }
            if c == "}", chars[k + 1] == "}" { literal.append("}"); k += 2; continue }
            if c == "{", let close = chars[k...].firstIndex(of: "}"), let n = Int(String(chars[(k + 1)..<close])) {
                guard n < args.count else { throw Untranslatable(.needsReview, "format() refers to argument {\(n)} that is missing") }
                if !literal.isEmpty { out.append(.text(literal)); literal = "" }
                out += try pieces(args[n], context: context)
                k = close + 1
                continue
            }
            literal.append(c)
            k += 1
        }
        if !literal.isEmpty { out.append(.text(literal)) }
        return out
    }

    private func emit(_ pieces: [Piece], into out: inout Emitter, singleQuoted: Bool) {
        for p in pieces {
            switch p {
            case .text(let s): out.append(Array(s.utf8)[...])
            case .variable(let v):
                // Inside '…' the shell would print `$V` literally: close the quote around the value.
                if singleQuoted { out.append(Array("'\"${\(v)}\"'".utf8)[...]) } else { out.variable(v) }
            case .defaulted(let v, let fallback):
                var inner = Emitter()
                for f in fallback {
                    switch f {
                    case .text(let s): inner.append(Array(s.utf8)[...])
                    case .variable(let w): inner.variable(w)
                    case .defaulted: break
                    }
                }
                let body = "${\(v):-\(inner.finish())}"
                out.append(Array((singleQuoted ? "'\"\(body)\"'" : body).utf8)[...])
            }
        }
    }

    // MARK: Conditions

    /// A condition part: a GitLab expression or a constant (GitLab has no `true`/`false`).
    enum Cond {
        case constant(Bool)
        case expr(Expr)

        static func and(_ a: Cond, _ b: Cond) -> Cond {
            switch (a, b) {
            case (.constant(false), _), (_, .constant(false)): .constant(false)
            case (.constant(true), let x), (let x, .constant(true)): x
            case (.expr(let x), .expr(let y)): .expr(.and(x, y))
            }
        }

        static func or(_ a: Cond, _ b: Cond) -> Cond {
            switch (a, b) {
            case (.constant(true), _), (_, .constant(true)): .constant(true)
            case (.constant(false), let x), (let x, .constant(false)): x
            case (.expr(let x), .expr(let y)): .expr(.or(x, y))
            }
        }
    }

    mutating func condition(_ source: String, when: When?) -> Expressions.ConditionResult {
        let src = source.unwrappingGitHubExpression
        let expr: Expr
        do { expr = try ExpressionParser.parseGitHub(src) } catch {
            return Expressions.ConditionResult(expression: src, when: when, fidelity: .needsReview,
                                               notes: ["cannot parse the condition: \(error)"])
        }
        var statuses: [String] = []
        var rest: [Expr] = []
        for c in expr.flattened(.and) {
            if let s = Self.status(c) { statuses.append(s) } else { rest.append(c) }
        }
        // `success() || failure()`: runs unless canceled.
        if rest.count == 1, case .binary(.or, let a, let b) = rest[0], let sa = Self.status(a), let sb = Self.status(b),
           Set([sa, sb]) == ["success", "failure"] {
            statuses.append("!cancelled")
            rest = []
        }
        var resultWhen = when
        if !statuses.isEmpty { resultWhen = statusWhen(statuses) }
        do throws(Untranslatable) {
            var cond = Cond.constant(true)
            for part in rest {
                if Self.containsStatus(part) {
                    throw Untranslatable(.needsReview, "a status function inside '\(part.github)': GitLab's when: applies to the whole rule")
                }
                cond = .and(cond, try translate(part, negated: false))
            }
            switch cond {
            case .constant(true):
                return Expressions.ConditionResult(expression: nil, when: resultWhen, fidelity: diag.fidelity, notes: diag.notes)
            case .constant(false):
                return Expressions.ConditionResult(expression: nil, when: .never, fidelity: diag.fidelity, notes: diag.notes)
            case .expr(let e):
                return Expressions.ConditionResult(expression: e.gitlab, when: resultWhen, fidelity: diag.fidelity, notes: diag.notes)
            }
        } catch {
            diag.add(error.fidelity, error.note)
            return Expressions.ConditionResult(expression: src, when: resultWhen, fidelity: diag.fidelity, notes: diag.notes)
        }
    }

    private static func status(_ e: Expr) -> String? {
        switch e {
        case .call(let n, let args) where args.isEmpty && ["success", "always", "failure", "cancelled"].contains(n): n
        case .not(.call(let n, let args)) where args.isEmpty && ["success", "failure", "cancelled"].contains(n): "!" + n
        default: nil
        }
    }

    private static func containsStatus(_ e: Expr) -> Bool {
        switch e {
        case .call(let n, let args):
            ["success", "always", "failure", "cancelled"].contains(n) || args.contains(where: containsStatus)
        case .not(let x): containsStatus(x)
        case .binary(_, let l, let r): containsStatus(l) || containsStatus(r)
        default: false
        }
    }

    private mutating func statusWhen(_ statuses: [String]) -> When {
        let s = Set(statuses)
        if s.contains("cancelled") {
            diag.add(.lost, "cancelled(): GitLab cannot run a job only when the pipeline is canceled")
            return .never
        }
        if s.contains("failure") || s.contains("!success") {
            if s.contains("!success") { diag.add(.approximated, "!success() also covers canceled runs; GitLab's on_failure only failures") }
            return .onFailure
        }
        if s.contains("success") || s.contains("!failure") {
            if s.contains("!failure") { diag.add(.approximated, "!failure() became when: on_success") }
            return .onSuccess
        }
        if s.contains("!cancelled") {
            diag.add(.approximated, "!cancelled() became when: always; a canceled GitLab pipeline starts no further jobs")
        }
        return .always
    }

    private mutating func translate(_ e: Expr, negated: Bool) throws(Untranslatable) -> Cond {
        switch e {
        case .bool(let b): return .constant(b != negated)
        case .null: return .constant(negated)
        case .string(let s): return .constant(s.isEmpty == negated)
        case .number(let d): return .constant((d != 0 && !d.isNaN) != negated)
        case .not(let x): return try translate(x, negated: !negated)
        case .binary(.and, let l, let r):
            let a = try translate(l, negated: negated), b = try translate(r, negated: negated)
            return negated ? .or(a, b) : .and(a, b)
        case .binary(.or, let l, let r):
            let a = try translate(l, negated: negated), b = try translate(r, negated: negated)
            return negated ? .and(a, b) : .or(a, b)
        case .binary(let op, let l, let r) where op == .eq || op == .ne:
            return try comparison((op == .eq) != negated, l, r)
        case .binary(let op, _, _):
            throw Untranslatable(.needsReview, "GitLab rules cannot compare order ('\(op.rawValue)')")
        case .call(let name, let args) where ["startsWith", "endsWith", "contains"].contains(name):
            return try stringTest(name, args[0], args[1], negated: negated)
        case .path:
            return try truthiness(e, negated: negated)
        default:
            throw Untranslatable(.needsReview, "'\(e.github)' has no GitLab rules counterpart")
        }
    }

    /// A GitLab operand (`$VAR`, `"string"`, `null`) for a GitHub value.
    private mutating func operand(_ e: Expr) throws(Untranslatable) -> Expr {
        switch e {
        case .string(let s): return .string(s)
        case .number(let d): return .string(Expr.formatNumber(d))
        case .bool(let b):
            diag.add(.approximated, "GitLab compares strings: \(b) became \"\(b)\"")
            return .string(b ? "true" : "false")
        case .null: return .null
        case .path:
            switch GitHubRef.classify(e)! {
            case .mapped(let entry):
                diag.add(entry.toGitLab, entry.note)
                switch entry.gitlab {
                case .variable(let v): return .variable(v)
                case .literal(let s): return .string(s)
                }
            case .secret(let name):
                let v = gitlabName(name)
                diag.add(.needsReview, "secrets.\(name): define \(v) as a masked CI/CD variable in the GitLab project")
                return .variable(v)
            case .variable(let name), .env(let name): return .variable(gitlabName(name))
            case .matrix(let axis): return .variable(Expressions.variableName(forMatrixAxis: axis))
            case .input(let name):
                switch options.inputs {
                case .interpolation: return .string("$[[ inputs.\(name) ]]")
                case .variable: return .variable(Expressions.variableName(forMatrixAxis: name))
                }
            case .needsOutput, .stepOutput:
                throw Untranslatable(.lost, "\(e.github): GitLab evaluates rules when the pipeline is created, before any job has outputs")
            case .unsupported(let f, let note):
                throw Untranslatable(f, note)
            }
        default:
            throw Untranslatable(.needsReview, "'\(e.github)' has no GitLab rules counterpart")
        }
    }

    private static func isLiteral(_ e: Expr) -> Bool {
        switch e {
        case .string, .number, .bool, .null: true
        default: false
        }
    }

    private mutating func comparison(_ equal: Bool, _ a: Expr, _ b: Expr) throws(Untranslatable) -> Cond {
        var (l, r) = (a, b)
        if Self.isLiteral(l), !Self.isLiteral(r) { swap(&l, &r) }
        let op: BinaryOp = equal ? .eq : .ne
        if l.dottedPath == "github.ref" {
            if case .string(let ref) = r { return .expr(try refComparison(op, ref)) }
            if case .call("format", let args) = r, args.count == 2, case .string(let f) = args[0] {
                for (prefix, v) in [("refs/heads/", "CI_COMMIT_BRANCH"), ("refs/tags/", "CI_COMMIT_TAG")] where f == prefix + "{0}" {
                    return .expr(.binary(op, .variable(v), try operand(args[1])))
                }
            }
        }
        if l.dottedPath == "github.event_name", case .string(let event) = r {
            guard let (source, f, note) = ContextTable.gitlabEvent(forGitHub: event) else {
                throw Untranslatable(.lost, "GitLab has no pipeline source for the '\(event)' event")
            }
            diag.add(f, note)
            return .expr(.binary(op, .variable("CI_PIPELINE_SOURCE"), .string(source)))
        }
        let lo = try operand(l), ro = try operand(r)
        if Self.isLiteral(lo), Self.isLiteral(ro) {
            // GitHub compares strings case-insensitively.
            return .constant((lo.gitlab.lowercased() == ro.gitlab.lowercased()) == equal)
        }
        return .expr(.binary(op, lo, ro))
    }

    /// `github.ref == 'refs/heads/main'` → `$CI_COMMIT_BRANCH == "main"`: exact, since GitLab sets
    /// CI_COMMIT_BRANCH only for branch pipelines and CI_COMMIT_TAG only for tag pipelines.
    private mutating func refComparison(_ op: BinaryOp, _ ref: String) throws(Untranslatable) -> Expr {
        if ref.hasPrefix("refs/heads/") { return .binary(op, .variable("CI_COMMIT_BRANCH"), .string(String(ref.dropFirst(11)))) }
        if ref.hasPrefix("refs/tags/") { return .binary(op, .variable("CI_COMMIT_TAG"), .string(String(ref.dropFirst(10)))) }
        throw Untranslatable(.needsReview, "GitLab has no full ref to compare with '\(ref)'")
    }

    private mutating func truthiness(_ e: Expr, negated: Bool) throws(Untranslatable) -> Cond {
        let o = try operand(e)
        switch o {
        case .variable(let v): return .expr(negated ? Self.isEmpty(v) : .variable(v))
        case .string(let s):
            // An interpolated input: GitHub tests the value, GitLab must compare its text.
            diag.add(.approximated, "'\(e.github)' tested as a boolean input (\"true\")")
            return .expr(.binary(negated ? .ne : .eq, .string(s), .string("true")))
        default: return .constant(negated)
        }
    }

    /// `$V` is false when V is unset or empty; predefined variables are never set to "".
    static func isEmpty(_ v: String) -> Expr {
        if ContextTable.byGitLabVariable[v] != nil || v.hasPrefix("CI_") || v.hasPrefix("GITLAB_") {
            return .binary(.eq, .variable(v), .null)
        }
        return .or(.binary(.eq, .variable(v), .null), .binary(.eq, .variable(v), .string("")))
    }

    private mutating func stringTest(_ name: String, _ a: Expr, _ b: Expr, negated: Bool) throws(Untranslatable) -> Cond {
        let op: BinaryOp = negated ? .noMatch : .match
        if name == "contains" {
            if a.dottedPath == "github.event.pull_request.labels.*.name", case .string(let label) = b {
                diag.add(.approximated, "labels are read from CI_MERGE_REQUEST_LABELS, set only in merge request pipelines")
                return .expr(.binary(op, .variable("CI_MERGE_REQUEST_LABELS"), .regex(pattern: "(^|,)" + Self.escapeRegex(label) + "(,|$)", flags: "")))
            }
            if case .call("fromJSON", let args) = a, case .string(let json) = args[0], let values = Self.jsonStrings(json) {
                guard case .variable(let v) = try operand(b) else {
                    throw Untranslatable(.needsReview, "'contains(\(a.github), \(b.github))' needs a variable to test")
                }
                let alts = values.map(Self.escapeRegex).joined(separator: "|")
                return .expr(.binary(op, .variable(v), .regex(pattern: "^(" + alts + ")$", flags: "")))
            }
        }
        guard case .string(let lit) = b else {
            throw Untranslatable(.needsReview, "\(name)() with a computed second argument has no GitLab rules counterpart")
        }
        if name == "startsWith", a.dottedPath == "github.ref" {
            for (prefix, v) in [("refs/heads/", "CI_COMMIT_BRANCH"), ("refs/tags/", "CI_COMMIT_TAG")] where lit.hasPrefix(prefix) {
                let rest = String(lit.dropFirst(prefix.count))
                if rest.isEmpty { return .expr(negated ? Self.isEmpty(v) : .variable(v)) }
                return .expr(.binary(op, .variable(v), .regex(pattern: "^" + Self.escapeRegex(rest), flags: "")))
            }
            if lit == "refs/pull/" {
                diag.add(.approximated, "a pull request ref became a merge request pipeline")
                return .expr(negated ? Self.isEmpty("CI_MERGE_REQUEST_IID") : .variable("CI_MERGE_REQUEST_IID"))
            }
            throw Untranslatable(.needsReview, "GitLab has no full ref to test with startsWith(github.ref, '\(lit)')")
        }
        if a.dottedPath == "github.ref", lit.contains("/") {
            // CI_COMMIT_REF_NAME is the short name: `endsWith(github.ref, '/main')` has no exact form.
            throw Untranslatable(.needsReview, "GitLab has no full ref to test with \(name)(github.ref, '\(lit)')")
        }
        let subject = try operand(a)
        guard case .variable(let v) = subject else {
            throw Untranslatable(.needsReview, "\(name)() on '\(a.github)' needs a variable to test")
        }
        let escaped = Self.escapeRegex(lit)
        let pattern = switch name {
        case "startsWith": "^" + escaped
        case "endsWith": escaped + "$"
        default: escaped
        }
        return .expr(.binary(op, .variable(v), .regex(pattern: pattern, flags: "")))
    }

    private static func jsonStrings(_ json: String) -> [String]? {
        guard let data = json.data(using: .utf8),
              let array = try? JSONSerialization.jsonObject(with: data) as? [Any], !array.isEmpty else { return nil }
        var out: [String] = []
        for v in array {
            if let s = v as? String { out.append(s) } else if let n = v as? NSNumber { out.append(n.stringValue) } else { return nil }
        }
        return out
    }

    /// Escapes a literal for a GitLab (RE2) regular expression between slashes.
    static func escapeRegex(_ s: String) -> String {
        var out = ""
        for ch in s {
            if "\\.+*?()|[]{}^$/".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}

/// Output bytes with a pending `$NAME` whose braces depend on the next byte: `${NAME}suffix`.
struct Emitter {
    private(set) var bytes: [UInt8] = []
    private var pending: String?

    mutating func append(_ slice: ArraySlice<UInt8>) {
        guard let first = slice.first else { return }
        flush(next: first)
        bytes.append(contentsOf: slice)
    }

    mutating func variable(_ name: String) {
        flush(next: Bytes.dollar)
        pending = name
    }

    private mutating func flush(next: UInt8?) {
        guard let p = pending else { return }
        pending = nil
        let braces = next.map { Lexer.isIdentChar($0, dash: false) } ?? false
        bytes.append(contentsOf: (braces ? "${\(p)}" : "$\(p)").utf8)
    }

    mutating func finish() -> String {
        flush(next: nil)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Tracks POSIX shell quoting across a script, enough to know whether `$X` would expand.
struct ShellQuote {
    private(set) var inSingle = false
    private var inDouble = false
    private var escaped = false

    mutating func scan(_ bytes: ArraySlice<UInt8>) {
        for c in bytes {
            if escaped { escaped = false; continue }
            if inSingle { if c == Bytes.squote { inSingle = false }; continue }
            switch c {
            case Bytes.backslash: escaped = true
            case Bytes.squote where !inDouble: inSingle = true
            case Bytes.dquote: inDouble.toggle()
            default: break
            }
        }
    }
}
