import Foundation

/// One GitLab `rules:if` as a GitHub `if:` operand.
struct RuleExpression: Sendable {
    /// The GitHub expression; nil when the condition cannot be written for GitHub at all.
    var expression: String?
    var fidelity: Fidelity
    var notes: [String]
}

/// What a rule's translation is before the job's variables apply (`GitHubWriting.preparedRules`).
struct PreparedRule: Sendable {
    /// The answer for every job, when the condition has no GitHub form.
    var result: RuleExpression?
    /// The expression, settings renamed back.
    var expression = ""
    /// The translator's notes and fidelity.
    var notes: [String] = []
    var fidelity = Fidelity.translated
    /// Notes about setting variables the expression reads.
    var settingNotes: [String] = []
    /// The variables whose values the answer depends on: the `vars.X` the expression reads and
    /// the `$X is not defined` its notes name.
    var names: [String] = []
}

/// A rule condition with the values the job gives the variables it depends on
/// (`GitHubWriting.ruleExpressions`).
struct RuleKey: Hashable, Sendable {
    var condition: String
    var values: [String?]
}

extension GitHubWriting {
    /// GitLab predefined variables that describe the project's settings rather than the event
    /// (GitLab sets `CI_KUBERNETES_ACTIVE` when a cluster is connected). GitHub has no such
    /// variable; a repository configuration variable of the same name stands in, and unset it reads
    /// as false, as in a GitLab project without that setting.
    static let settingVariables: [String: String] = [
        "CI_KUBERNETES_ACTIVE": "GitLab sets it when a Kubernetes cluster is connected",
        "CI_DEPLOY_FREEZE": "GitLab sets it during a deploy freeze period",
        "CI_HAS_OPEN_REQUIREMENTS": "GitLab sets it when the project has open requirements",
        "CI_PROJECT_VISIBILITY": "GitLab sets it to the project's visibility",
    ]

    /// A private spelling of a setting variable that the expression translator reads as a project
    /// variable (`vars.X`); renamed back afterwards.
    private static let settingPrefix = "CIPORT_SETTING__"

    /// The rules:if condition as a GitHub expression, or nil when some part has no GitHub form.
    ///
    /// Variables the pipeline defines (`variables:` of the file or the job) are settings GitLab
    /// evaluates rules with; project CI/CD variables override them. GitHub job conditions cannot
    /// read `env`, so they become `(vars.X || 'value')`: the repository variable when set, else
    /// the file's value.
    ///
    /// The answer depends only on the condition and the values of the few variables it names
    /// (jobs repeat conditions, and the workflow's rules are part of every job's condition), so
    /// it is kept per condition and those values.
    mutating func ruleExpression(_ cond: String, job j: Job?) -> RuleExpression {
        let prep: PreparedRule
        if let known = preparedRules[cond] {
            prep = known
        } else {
            prep = preparedRule(cond)
            preparedRules[cond] = prep
        }
        if let r = prep.result { return r }
        let values = prep.names.map { definedValue($0, job: j) }
        let key = RuleKey(condition: cond, values: values)
        if let known = ruleExpressions[key] { return known }
        var defined: [String: String] = [:]
        for (n, v) in zip(prep.names, values) { if let v { defined[n] = v } }
        var notes: [String] = []
        var fidelity = Fidelity.translated
        for note in prep.notes {
            // The pipeline defines these itself; the generic "define it in the settings" note misleads.
            if defined.keys.contains(where: { note.hasPrefix("$\($0) is not defined in the pipeline") }) { continue }
            notes.append(note)
        }
        if !notes.isEmpty { fidelity = prep.fidelity }
        if !prep.settingNotes.isEmpty {
            fidelity = max(fidelity, .needsReview)
            notes += prep.settingNotes
        }
        let e = GitHubWriting.replacingVars(in: prep.expression) { name in
            guard let v = defined[name] else { return nil }
            let literal = "'" + FastText.replacing("'", with: "''", in: v) + "'"
            if let input = p.inputs.first(where: { $0.name == name }) {
                return "(inputs.\(GitHubWriting.inputName(input.name)) || \(literal))"
            }
            return v.isEmpty ? nil : "(vars.\(name) || \(literal))"
        }
        let r = RuleExpression(expression: e, fidelity: fidelity, notes: notes)
        ruleExpressions[key] = r
        return r
    }

    private mutating func preparedRule(_ cond: String) -> PreparedRule {
        var src = cond
        for name in GitHubWriting.settingVariables.keys where GitHubWriting.includes(src, name) {
            src = FastText.replacing("${\(name)}", with: "$" + GitHubWriting.settingPrefix + name, in: src)
            src = GitHubWriting.replacingVariable(name, in: src, with: "$" + GitHubWriting.settingPrefix + name)
        }
        let res: Expressions.ConditionResult
        if let known = conditionTranslations[src] {
            res = known
        } else {
            res = Expressions.translateCondition(src, when: nil, from: .gitlab, to: .github)
            conditionTranslations[src] = res
        }
        var prep = PreparedRule()
        guard var e = res.expression,
              !GitHubWriting.includes(e, "$"), githubSyntaxError(e) == nil else {
            // Expressions returns an untranslatable condition verbatim, in GitLab's dialect.
            prep.result = RuleExpression(expression: nil, fidelity: max(res.fidelity, .needsReview),
                                         notes: res.notes.map { GitHubWriting.replacing(GitHubWriting.settingPrefix, with: "", in: $0) })
            return prep
        }
        prep.fidelity = res.fidelity
        prep.notes = res.notes.map { GitHubWriting.replacing(GitHubWriting.settingPrefix, with: "", in: $0) }
        e = GitHubWriting.replacing("vars." + GitHubWriting.settingPrefix, with: "vars.", in: e)
        // In name order, so that two settings in one condition are noted the same way every run.
        for (name, why) in GitHubWriting.settingVariables.sorted(by: { $0.key < $1.key }) where GitHubWriting.includes(e, "vars.\(name)") {
            prep.settingNotes.append("$\(name) (\(why)) reads the repository variable vars.\(name): set it where GitLab had the setting")
        }
        prep.expression = e
        var names: [String] = []
        _ = GitHubWriting.replacingVars(in: e) { name in
            if !names.contains(name) { names.append(name) }
            return nil
        }
        let phrase = " is not defined in the pipeline"
        for note in prep.notes where note.hasPrefix("$") {
            // Every name N with `note.hasPrefix("$N is not defined in the pipeline")`.
            var rest = note[...]
            while let r = rest.range(of: phrase) {
                let name = String(note[note.index(after: note.startIndex)..<r.lowerBound])
                if !names.contains(name) { names.append(name) }
                rest = note[r.upperBound...]
            }
        }
        prep.names = names
        return prep
    }

    /// The literal value a rule sees for one variable: the last definition in the file's then
    /// the job's `variables:`, unless it refers to other variables (which GitLab would expand
    /// and a GitHub condition cannot).
    func definedValue(_ name: String, job j: Job?) -> String? {
        let kv = j?.variables.last(where: { $0.key == name }) ?? p.variables.last(where: { $0.key == name })
        guard let kv, !GitHubWriting.includes(kv.value, "$") else { return nil }
        return kv.value
    }

    /// `$NAME` (not `$NAMEX`) replaced in a GitLab expression.
    static func replacingVariable(_ name: String, in s: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(s)
        let token = "$" + name
        while let r = rest.range(of: token) {
            out += rest[..<r.lowerBound]
            let next = rest[r.upperBound...].unicodeScalars.first
            if let n = next, n == "_" || (n.isASCII && CharacterSet.alphanumerics.contains(n)) {
                out += token
            } else {
                out += replacement
            }
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// `vars.NAME` outside string literals of a GitHub expression replaced where `f` says so.
    static func replacingVars(in e: String, _ f: (String) -> String?) -> String {
        // Most conditions name no `vars.` at all.
        guard GitHubWriting.includes(e, "vars.") else { return e }
        // ASCII (every real condition): bytes are the characters, letters and digits are ASCII ones.
        let ascii: String? = FastText.withBytes(e) { b -> String? in
            guard FastText.isASCII(b) else { return nil }
            func isLetterOrDigit(_ c: UInt8) -> Bool { (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || (c >= 0x30 && c <= 0x39) }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 16)
            var i = 0
            var inString = false
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "'") { inString.toggle() }
                let atWordStart = i == 0 || !(isLetterOrDigit(b[i - 1]) || b[i - 1] == UInt8(ascii: "_") || b[i - 1] == UInt8(ascii: "."))
                if !inString, atWordStart, FastText.has(b, at: i, "vars.") {
                    var j = i + 5
                    while j < b.count, isLetterOrDigit(b[j]) || b[j] == UInt8(ascii: "_") { j += 1 }
                    if j > i + 5, let r = f(String(decoding: UnsafeBufferPointer(rebasing: b[(i + 5)..<j]), as: UTF8.self)) {
                        out.append(contentsOf: r.utf8)
                        i = j
                        continue
                    }
                }
                out.append(c)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
        return ascii ?? replacingVarsByCharacters(in: e, f)
    }

    /// `replacingVars` by `Character`s: the path for other text, and the tests' oracle.
    static func replacingVarsByCharacters(in e: String, _ f: (String) -> String?) -> String {
        var out = ""
        let chars = Array(e)
        var i = 0
        var inString = false
        while i < chars.count {
            let c = chars[i]
            if c == "'" { inString.toggle() }
            let atWordStart = i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_" || chars[i - 1] == ".")
            if !inString, atWordStart, chars[i...].starts(with: "vars.") {
                var j = i + 5
                var name = ""
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" {
                    name.append(chars[j])
                    j += 1
                }
                if !name.isEmpty, let r = f(name) {
                    out += r
                    i = j
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// Top-level `||` alternatives of a GitLab condition, each in GitLab syntax; nil when there is
    /// only one. GitLab rules match first-come, so `if: A || B` equals two rules `A` and `B` with
    /// the same settings, which lets one alternative fail to translate without losing the other.
    static func alternatives(_ cond: String) -> [String]? {
        guard let e = try? ExpressionParser.parseGitLab(cond) else { return nil }
        var parts: [Expr] = []
        func flatten(_ x: Expr) {
            if case .binary(.or, let l, let r) = x { flatten(l); flatten(r) } else { parts.append(x) }
        }
        flatten(e)
        return parts.count > 1 ? parts.map(\.gitlab) : nil
    }
}
