/// What a GitLab variable reference is.
enum GitLabRef {
    case mapped(ContextEntry)
    case matrix(String)
    case defined(String)
    /// `$CI`: "true" on both platforms.
    case ci
    /// A predefined-looking name (`CI_…`, `GITLAB_…`) ciport has no counterpart for.
    case unknownPredefined(String)
    /// A variable the pipeline does not define: a project CI/CD variable, or a shell variable.
    case user(String)

    static func classify(_ name: String, options: Expressions.Options) -> GitLabRef {
        if options.matrixAxes.contains(name) { return .matrix(name) }
        if options.defined.contains(name) { return .defined(name) }
        if let e = ContextTable.byGitLabVariable[name] { return .mapped(e) }
        if name == "CI" { return .ci }
        if name.hasPrefix("CI_") || name.hasPrefix("GITLAB_") || name.hasPrefix("RUNNER_") { return .unknownPredefined(name) }
        return .user(name)
    }

    /// Where a project variable goes on GitHub: names that look like credentials become secrets.
    static func githubSetting(for name: String) -> String {
        let upper = name.uppercased()
        for word in ["TOKEN", "PASSWORD", "SECRET", "PASS", "KEY", "CREDENTIAL", "PRIVATE", "AUTH"] where FastText.contains(upper, word) {
            return "secrets"
        }
        return "vars"
    }

    /// Names a shell or the runner sets: never project variables.
    static let shellVariables: Set<String> = [
        "HOME", "PATH", "PWD", "OLDPWD", "USER", "SHELL", "HOSTNAME", "TMPDIR", "LANG", "LC_ALL", "TERM", "IFS",
        "RANDOM", "UID", "EUID", "PPID", "SECONDS", "LINENO", "OSTYPE", "BASH_SOURCE", "BASH_VERSION", "PS1", "PS4",
        "DISPLAY", "EDITOR", "JAVA_HOME", "GOPATH", "GOROOT", "CARGO_HOME", "PYTHONPATH", "NODE_PATH", "VIRTUAL_ENV",
    ]
}

/// GitLab → GitHub translation of text and conditions.
struct GitLabToGitHub {
    var options: Expressions.Options
    var diag = Diagnostics()

    init(options: Expressions.Options) { self.options = options }

    // MARK: Text

    mutating func text(_ text: String, context: Expressions.Context) -> Expressions.TextResult {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var env: [KeyValue] = []
        var i = 0
        var literalStart = 0
        // A long script names the same variables many times; each answer is one scan of it.
        var projectVariables: [String: Bool] = [:]
        var settings: ScriptSettings?
        func isProjectVariable(_ n: String) -> Bool {
            if let known = projectVariables[n] { return known }
            if settings == nil { settings = ScriptSettings(bytes) }
            let answer = Self.mayBeProjectVariable(n) && !settings!.sets(n)
            projectVariables[n] = answer
            return answer
        }
        func addEnv(_ key: String, _ value: String) {
            if !env.contains(where: { $0.key == key }) { env.append(KeyValue(key, value, pos: .synthesized())) }
        }
        while i < bytes.count {
            guard bytes[i] == Bytes.dollar else { i += 1; continue }
            out.append(contentsOf: bytes[literalStart..<i])
            literalStart = i
            // `$$` is GitLab's escape for `$` in values; in scripts GitLab passes it to the shell.
            if i + 1 < bytes.count, bytes[i + 1] == Bytes.dollar {
                if context == .value { out.append(Bytes.dollar); literalStart = i + 2 }
                i += 2
                continue
            }
            // A literal `${{` would be evaluated by GitHub: write GitHub's escape in values and a
            // shell-equivalent spelling in scripts (which must never hold `${{`).
            if Bytes.has(bytes, i, "${{") {
                if context == .value {
                    out.append(contentsOf: "${{ '${{' }}".utf8)
                } else {
                    diag.add(.needsReview, "a literal ${{ in a script: GitHub would evaluate it; written as $\\{{")
                    out.append(contentsOf: "$\\{{".utf8)
                }
                i += 3
                literalStart = i
                continue
            }
            // `\$X` is an escaped dollar in a shell; leave it and what follows.
            if i > 0, bytes[i - 1] == Bytes.backslash { i += 1; continue }
            if Bytes.has(bytes, i, "$[[") {
                guard let close = Self.find(bytes, "]]", from: i + 3) else { i += 1; continue }
                let inner = Bytes.string(bytes[(i + 3)..<close]).trimmingWhitespace
                if inner.hasPrefix("inputs."), let nameEnd = Bytes.nameEnd(Array(inner.utf8), 7), nameEnd == inner.utf8.count {
                    let name = String(inner.dropFirst(7))
                    if context == .value {
                        out.append(contentsOf: "${{ inputs.\(name) }}".utf8)
                    } else {
                        let v = "INPUT_" + Expressions.variableName(forMatrixAxis: name)
                        out.append(contentsOf: "${\(v)}".utf8)
                        addEnv(v, "${{ inputs.\(name) }}")
                    }
                } else {
                    diag.add(.needsReview, "$[[ \(inner) ]]: interpolation functions have no GitHub counterpart")
                    out.append(contentsOf: bytes[i..<(close + 2)])
                }
                i = close + 2
                literalStart = i
                continue
            }
            let braced = i + 1 < bytes.count && bytes[i + 1] == Bytes.lbrace
            let nameStart = braced ? i + 2 : i + 1
            guard let nameEnd = Bytes.nameEnd(bytes, nameStart),
                  !braced || (nameEnd < bytes.count && bytes[nameEnd] == Bytes.rbrace) else { i += 1; continue }
            let name = Bytes.string(bytes[nameStart..<nameEnd])
            let end = braced ? nameEnd + 1 : nameEnd
            let ref = GitLabRef.classify(name, options: options)
            if context == .script {
                // The script keeps `$NAME`; the value arrives through the step's env, so no `${{ }}`
                // ever lands in a shell script (template injection).
                switch ref {
                case .mapped(let e):
                    diag.add(e.toGitHub, e.note)
                    addEnv(name, Self.valueText(e.githubExpr))
                case .matrix(let n): addEnv(n, "${{ matrix.\(n) }}")
                case .defined, .ci: break
                case .unknownPredefined(let n):
                    diag.add(.needsReview, "$\(n) has no GitHub counterpart")
                case .user(let n):
                    if isProjectVariable(n) {
                        let setting = GitLabRef.githubSetting(for: n)
                        addEnv(n, "${{ \(setting).\(n) }}")
                        diag.add(.needsReview, "$\(n) is not defined in the pipeline: define it as a GitHub \(setting == "secrets" ? "secret" : "configuration variable") (\(setting).\(n))")
                    }
                }
                i = end
                continue
            }
            switch ref {
            case .mapped(let e):
                diag.add(e.toGitHub, e.note)
                out.append(contentsOf: Self.valueText(e.githubExpr).utf8)
            case .matrix(let n): out.append(contentsOf: "${{ matrix.\(n) }}".utf8)
            case .defined(let n): out.append(contentsOf: "${{ env.\(n) }}".utf8)
            case .ci: out.append(contentsOf: "true".utf8)
            case .unknownPredefined(let n):
                diag.add(.needsReview, "$\(n) has no GitHub counterpart")
                out.append(contentsOf: bytes[i..<end])
            case .user(let n):
                let setting = GitLabRef.githubSetting(for: n)
                diag.add(.needsReview, "$\(n) is not defined in the pipeline: define it as a GitHub \(setting == "secrets" ? "secret" : "configuration variable") (\(setting).\(n))")
                out.append(contentsOf: "${{ \(setting).\(n) }}".utf8)
            }
            i = end
            literalStart = end
        }
        out.append(contentsOf: bytes[literalStart...])
        let result = String(decoding: out, as: UTF8.self)
        return Expressions.TextResult(text: result, env: env, fidelity: diag.fidelity, notes: diag.notes)
    }

    /// A GitHub expression as text for a value: `${{ github.sha }}`, or the constant itself.
    static func valueText(_ e: Expr) -> String {
        if case .string(let s) = e { return s }
        return "${{ " + e.github + " }}"
    }

    /// An uppercase name neither the shell nor the script itself sets (`X=…`, `export X`, `read X`,
    /// `for X in`): most likely a CI/CD variable from the project settings.
    static func isProjectVariable(_ name: String, in script: [UInt8]) -> Bool {
        mayBeProjectVariable(name) && !ScriptSettings(script).sets(name)
    }

    /// An uppercase name of two or more characters that is not a shell's own.
    static func mayBeProjectVariable(_ name: String) -> Bool {
        !GitLabRef.shellVariables.contains(name)
            && name.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || Lexer.isDigit($0) || $0 == 0x5F })
            && name.utf8.count > 1
    }

    /// `isProjectVariable` as it was written, one search of the script per name: the tests' oracle.
    static func isProjectVariableBySearch(_ name: String, in script: [UInt8]) -> Bool {
        guard mayBeProjectVariable(name) else { return false }
        let n = Array(name.utf8)
        var i = 0
        while let at = find(script, n, from: i) {
            let before = at == 0 ? UInt8(ascii: " ") : script[at - 1]
            let after = at + n.count < script.count ? script[at + n.count] : UInt8(ascii: " ")
            if !Lexer.isIdentChar(before, dash: false), before != Bytes.dollar, before != Bytes.lbrace, after == UInt8(ascii: "=") {
                return false
            }
            if before == UInt8(ascii: " "), at >= 4 {
                let word = Bytes.string(script[max(0, at - 7)..<at])
                if word.hasSuffix("read ") || word.hasSuffix("for ") || word.hasSuffix("export ") || word.hasSuffix("local ") {
                    return false
                }
            }
            i = at + 1
        }
        return true
    }

    /// The names a script sets, found in one pass, as `isProjectVariableBySearch` finds them by
    /// searching for each name: a name is set where it is a whole identifier (not after `$` or
    /// `{`) followed by `=`, or where it begins an identifier that follows `read `, `for `,
    /// `export ` or `local ` (at least four bytes into the script).
    struct ScriptSettings {
        var assigned: Set<String> = []
        /// Identifiers after a keyword: a name set there is any prefix of one.
        var afterKeyword: [String] = []

        init(_ script: [UInt8]) {
            let n = script.count
            var i = 0
            while i < n {
                guard Lexer.isIdentChar(script[i], dash: false) else { i += 1; continue }
                var end = i + 1
                while end < n, Lexer.isIdentChar(script[end], dash: false) { end += 1 }
                let before = i == 0 ? UInt8(ascii: " ") : script[i - 1]
                if end < n, script[end] == UInt8(ascii: "="), before != Bytes.dollar, before != Bytes.lbrace {
                    assigned.insert(Bytes.string(script[i..<end]))
                }
                if before == UInt8(ascii: " "), i >= 4 {
                    let word = script[max(0, i - 7)..<i]
                    if word.count >= 5 && word.suffix(5).elementsEqual("read ".utf8)
                        || word.suffix(4).elementsEqual("for ".utf8)
                        || word.count >= 7 && word.suffix(7).elementsEqual("export ".utf8)
                        || word.count >= 6 && word.suffix(6).elementsEqual("local ".utf8) {
                        afterKeyword.append(Bytes.string(script[i..<end]))
                    }
                }
                i = end
            }
        }

        func sets(_ name: String) -> Bool {
            assigned.contains(name) || afterKeyword.contains { $0.hasPrefix(name) }
        }
    }

    static func find(_ bytes: [UInt8], _ needle: StaticString, from: Int) -> Int? {
        find(bytes, Array(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)), from: from)
    }

    static func find(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    // MARK: Conditions

    mutating func condition(_ source: String, when: When?) -> Expressions.ConditionResult {
        let src = source.trimmingWhitespace
        var translated: Expr?
        if !src.isEmpty {
            let expr: Expr
            do { expr = try ExpressionParser.parseGitLab(src) } catch {
                return Expressions.ConditionResult(expression: src, when: when, fidelity: .needsReview,
                                                   notes: ["cannot parse the rules:if expression: \(error)"])
            }
            do { translated = try translate(expr) } catch {
                diag.add(error.fidelity, error.note)
                return Expressions.ConditionResult(expression: src, when: when, fidelity: diag.fidelity, notes: diag.notes)
            }
        }
        var resultWhen: When? = nil
        var out: Expr?
        switch when {
        case .always?: out = translated.map { .and(.call("always", []), $0) } ?? .call("always", [])
        case .onFailure?: out = translated.map { .and(.call("failure", []), $0) } ?? .call("failure", [])
        case .never?: out = translated.map(Self.negate) ?? .bool(false)
        case .manual?, .delayed?:
            out = translated
            resultWhen = when
        case .onSuccess?, nil: out = translated
        }
        return Expressions.ConditionResult(expression: out?.github, when: resultWhen, fidelity: diag.fidelity, notes: diag.notes)
    }

    private mutating func translate(_ e: Expr) throws(Untranslatable) -> Expr {
        switch e {
        case .variable(let v): return try truthy(v)
        case .string(let s): return .bool(!s.isEmpty)
        case .null: return .bool(false)
        case .binary(.and, let l, let r): return .and(try translate(l), try translate(r))
        case .binary(.or, let l, let r): return .or(try translate(l), try translate(r))
        case .binary(let op, let l, let r) where op == .eq || op == .ne:
            return try comparison(op, l, r)
        case .binary(let op, let l, let r) where op == .match || op == .noMatch:
            let m = try match(l, r)
            return op == .match ? m : Self.negate(m)
        default:
            throw Untranslatable(.needsReview, "'\(e.gitlab)' has no GitHub counterpart")
        }
    }

    private static func negate(_ e: Expr) -> Expr {
        switch e {
        case .not(let x): x
        case .binary(.eq, let l, let r): .binary(.ne, l, r)
        case .binary(.ne, let l, let r): .binary(.eq, l, r)
        case .bool(let b): .bool(!b)
        default: .not(e)
        }
    }

    private mutating func truthy(_ v: String) throws(Untranslatable) -> Expr {
        switch v {
        case "CI_COMMIT_TAG": return .call("startsWith", [.path(root: "github", [.name("ref")]), .string("refs/tags/")])
        case "CI_COMMIT_BRANCH": return .call("startsWith", [.path(root: "github", [.name("ref")]), .string("refs/heads/")])
        case "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID":
            return .binary(.eq, .path(root: "github", [.name("event_name")]), .string("pull_request"))
        default: return try operand(.variable(v))
        }
    }

    private mutating func operand(_ e: Expr) throws(Untranslatable) -> Expr {
        switch e {
        case .string, .null: return e
        case .variable(let name):
            switch GitLabRef.classify(name, options: options) {
            case .mapped(let entry):
                diag.add(entry.toGitHub, entry.note)
                return entry.githubExpr
            case .matrix(let n): return .path(root: "matrix", [.name(n)])
            case .defined(let n):
                diag.add(.approximated, "env.\(n): GitHub allows env only in step conditions; at job level use its value or vars.\(n)")
                return .path(root: "env", [.name(n)])
            case .ci: return .string("true")
            case .unknownPredefined(let n): throw Untranslatable(.needsReview, "$\(n) has no GitHub counterpart")
            case .user(let n):
                // GitHub forbids secrets in conditions: a configuration variable is the only place.
                diag.add(.needsReview, "$\(n) is not defined in the pipeline: define it as a GitHub configuration variable (vars.\(n))")
                return .path(root: "vars", [.name(n)])
            }
        default:
            throw Untranslatable(.needsReview, "'\(e.gitlab)' has no GitHub counterpart")
        }
    }

    private static func isLiteral(_ e: Expr) -> Bool {
        switch e {
        case .string, .null: true
        default: false
        }
    }

    private static let ref = Expr.path(root: "github", [.name("ref")])
    private static let refName = Expr.path(root: "github", [.name("ref_name")])
    private static let eventName = Expr.path(root: "github", [.name("event_name")])

    private mutating func comparison(_ op: BinaryOp, _ a: Expr, _ b: Expr) throws(Untranslatable) -> Expr {
        var (l, r) = (a, b)
        if Self.isLiteral(l), !Self.isLiteral(r) { swap(&l, &r) }
        if r == .null {
            let t = try translate(l)
            return op == .eq ? Self.negate(t) : t
        }
        guard case .variable(let v) = l else {
            throw Untranslatable(.needsReview, "'\(a.gitlab) \(op.rawValue) \(b.gitlab)' compares two constants")
        }
        if case .string(let s) = r {
            switch v {
            case "CI_COMMIT_BRANCH": return .binary(op, Self.ref, .string("refs/heads/" + s))
            case "CI_COMMIT_TAG": return .binary(op, Self.ref, .string("refs/tags/" + s))
            case "CI_PIPELINE_SOURCE":
                guard let (event, f, note) = ContextTable.githubEvent(forGitLab: s) else {
                    throw Untranslatable(.lost, "GitHub has no event like GitLab's '\(s)' pipeline source")
                }
                diag.add(f, note)
                return .binary(op, Self.eventName, .string(event))
            default: break
            }
        }
        if case .variable(let w) = r, Set([v, w]) == ["CI_COMMIT_BRANCH", "CI_DEFAULT_BRANCH"] {
            diag.add(.approximated, "a branch push to the default branch: github.ref_name also matches a tag named like the default branch")
            return .binary(op, Self.refName, .path(root: "github", [.name("event"), .name("repository"), .name("default_branch")]))
        }
        return .binary(op, try operand(l), try operand(r))
    }

    private mutating func match(_ subject: Expr, _ pattern: Expr) throws(Untranslatable) -> Expr {
        guard case .regex(let p, _) = pattern else {
            throw Untranslatable(.needsReview, "matching against '\(pattern.gitlab)': GitHub has no regular expressions")
        }
        guard case .variable(let v) = subject else {
            throw Untranslatable(.needsReview, "matching '\(subject.gitlab)': expected a variable")
        }
        guard let alts = RegexLiterals.alternatives(p) else {
            throw Untranslatable(.needsReview, "/\(p)/ is more than a prefix, suffix or literal: GitHub has no regular expressions")
        }
        var parts: [Expr] = []
        for alt in alts {
            switch v {
            case "CI_COMMIT_BRANCH" where alt.start, "CI_COMMIT_TAG" where alt.start:
                let full = (v == "CI_COMMIT_BRANCH" ? "refs/heads/" : "refs/tags/") + alt.literal
                parts.append(alt.end ? .binary(.eq, Self.ref, .string(full)) : .call("startsWith", [Self.ref, .string(full)]))
                continue
            case "CI_PIPELINE_SOURCE" where alt.start && alt.end:
                guard let (event, f, note) = ContextTable.githubEvent(forGitLab: alt.literal) else {
                    throw Untranslatable(.lost, "GitHub has no event like GitLab's '\(alt.literal)' pipeline source")
                }
                diag.add(f, note)
                parts.append(.binary(.eq, Self.eventName, .string(event)))
                continue
            default: break
            }
            let o = try operand(subject)
            switch (alt.start, alt.end) {
            case (true, true): parts.append(.binary(.eq, o, .string(alt.literal)))
            case (true, false): parts.append(.call("startsWith", [o, .string(alt.literal)]))
            case (false, true): parts.append(.call("endsWith", [o, .string(alt.literal)]))
            case (false, false): parts.append(.call("contains", [o, .string(alt.literal)]))
            }
        }
        return parts.dropFirst().reduce(parts[0]) { .or($0, $1) }
    }
}

/// Reads the regular expressions GitHub can express: literals with `^`/`$` anchors, a trailing
/// `.*`, and one group of literal alternatives (`^(main|release\/.*)$`).
enum RegexLiterals {
    struct Alternative: Equatable {
        var start: Bool
        var literal: String
        var end: Bool
    }

    static func alternatives(_ pattern: String) -> [Alternative]? {
        var out: [Alternative] = []
        for top in split(Array(pattern), by: "|", depth: 0) ?? [] {
            guard let expanded = expandGroup(top) else { return nil }
            for e in expanded {
                guard let a = literal(e) else { return nil }
                out.append(a)
            }
        }
        return out.isEmpty ? nil : out
    }

    /// Splits on `sep` at paren depth 0, honouring escapes.
    private static func split(_ chars: [Character], by sep: Character, depth: Int) -> [[Character]]? {
        var parts: [[Character]] = [[]]
        var d = 0
        var k = 0
        while k < chars.count {
            let c = chars[k]
            if c == "\\", k + 1 < chars.count { parts[parts.count - 1] += [c, chars[k + 1]]; k += 2; continue }
            if c == "(" { d += 1 } else if c == ")" { d -= 1; if d < 0 { return nil } }
            if c == sep, d == 0 { parts.append([]) } else { parts[parts.count - 1].append(c) }
            k += 1
        }
        return d == 0 ? parts : nil
    }

    /// `pre(a|b)post` → `[pre a post, pre b post]`; no group → itself.
    private static func expandGroup(_ chars: [Character]) -> [[Character]]? {
        var k = 0
        var open: Int?
        while k < chars.count {
            if chars[k] == "\\" { k += 2; continue }
            if chars[k] == "(" { if open != nil { return nil }; open = k }
            if chars[k] == ")" {
                guard let o = open else { return nil }
                var inner = Array(chars[(o + 1)..<k])
                if inner.starts(with: ["?", ":"]) { inner.removeFirst(2) }
                guard let alts = split(inner, by: "|", depth: 0) else { return nil }
                let pre = Array(chars[..<o]), post = Array(chars[(k + 1)...])
                if post.contains("(") { return nil }
                return alts.map { pre + $0 + post }
            }
            k += 1
        }
        return open == nil ? [chars] : nil
    }

    private static func literal(_ chars: [Character]) -> Alternative? {
        var c = chars[...]
        var start = false, end = false
        if c.first == "^" { start = true; c = c.dropFirst() }
        if c.starts(with: [".", "*"]) { if start { start = false }; c = c.dropFirst(2) }
        if c.last == "$", !(c.count >= 2 && c[c.index(before: c.endIndex - 1)] == "\\") { end = true; c = c.dropLast() }
        if c.count >= 2, c.suffix(2).elementsEqual([".", "*"]) {
            // `^abc.*$` and `^abc.*` are both "starts with abc"; escaped `\.*` is not a wildcard.
            if !(c.count >= 3 && c[c.endIndex - 3] == "\\") { c = c.dropLast(2); end = false }
        }
        var lit = ""
        var k = c.startIndex
        while k < c.endIndex {
            let ch = c[k]
            if ch == "\\" {
                let n = c.index(after: k)
                guard n < c.endIndex, !c[n].isLetter, !c[n].isNumber else { return nil }
                lit.append(c[n]); k = c.index(after: n); continue
            }
            if ".^$|?*+()[]{}".contains(ch) { return nil }
            lit.append(ch)
            k = c.index(after: k)
        }
        return Alternative(start: start, literal: lit, end: end)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }
}
