import Foundation

/// `{{input}}` / `{{input|fallback}}` templates.
enum Template {
    enum Piece: Equatable {
        case text(String)
        case input(name: String, fallback: String?)
    }

    /// Splits a template; an unclosed `{{` is text.
    static func parse(_ template: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            let inner = rest[open.upperBound..<close.lowerBound]
            if let bar = inner.firstIndex(of: "|") {
                pieces.append(.input(name: inner[..<bar].trimmingCharacters(in: .whitespaces),
                                     fallback: String(inner[inner.index(after: bar)...])))
            } else {
                pieces.append(.input(name: inner.trimmingCharacters(in: .whitespaces), fallback: nil))
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }

    static func references(in template: String) -> [String] {
        parse(template).compactMap { if case .input(let n, _) = $0 { n } else { nil } }
    }
}

/// Turns one step and its catalog entry into an `ActionTranslation`.
struct ActionRenderer {
    /// Where a substituted value goes; decides translation, quoting and tag-making.
    enum Place { case script, value, image, note }

    let entry: ActionEntry
    let step: Step
    let ref: ActionRef
    let dialect: Platform
    /// The step's non-empty `with:` values by lower-cased input name.
    private var given: [String: String] = [:]
    private var defaults: [String: String] = [:]
    private var secrets: Set<String>
    private var lists: Set<String>
    private var out = ActionTranslation()
    private var variables: [String: String] = [:]
    private var variableOrder: [String] = []

    init(entry: ActionEntry, step: Step, ref: ActionRef, dialect: Platform) {
        self.entry = entry
        self.step = step
        self.ref = ref
        self.dialect = dialect
        for kv in step.with where !kv.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            given[kv.key.lowercased()] = kv.value
        }
        for (k, v) in entry.inputs ?? [:] where !v.isEmpty { defaults[k.lowercased()] = v }
        if let r = entry.refInput, given[r.lowercased()] == nil, let v = ref.meaningfulRef { given[r.lowercased()] = v }
        secrets = Set((entry.secrets ?? []).map { $0.lowercased() })
        lists = Set((entry.lists ?? []).map { $0.lowercased() })
    }

    mutating func render() -> ActionTranslation {
        out.fidelity = entry.baseFidelity
        switch entry.kind {
        case .implicit: out.implicit = true
        case .downloadArtifact: out.fetchesArtifacts = true
        default: break
        }
        if entry.kind == .unsupported {
            // Nothing is written; the note says what to use instead.
            if let n = entry.note { out.notes.append(renderNote(n)) }
            return out
        }
        let known = entry.knownInputs
        for kv in step.with where !known.contains(kv.key.lowercased()) {
            lower(.approximated, "input '\(kv.key)' has no GitLab counterpart here and is not carried over")
        }

        applyFragment(image: entry.image, script: entry.script, variables: entry.variables, idTokens: entry.idTokens,
                      services: entry.services, cache: entry.cache, fidelity: nil, note: entry.note)
        if let a = entry.artifacts { renderArtifacts(a) }
        for (name, expr) in (entry.outputs ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.outputs.append(KeyValue(name, expr, pos: step.pos))
        }

        var decidedAtRunTime: Set<String> = []
        for option in entry.options ?? [] {
            let input = option.input.lowercased()
            guard let value = given[input] else { continue }
            if let equals = option.equals {
                if isDynamic(value) {
                    // Which option applies is known only when the job runs: apply the first, flag it.
                    if decidedAtRunTime.contains(input) { continue }
                    decidedAtRunTime.insert(input)
                    lower(.needsReview, "'\(option.input)' is decided at run time; written as if it were '\(equals)'")
                } else if value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() != equals.lowercased() {
                    continue
                }
            }
            applyFragment(image: option.image, script: option.script, variables: option.variables,
                          idTokens: option.idTokens, services: option.services, cache: option.cache,
                          fidelity: option.fidelity, note: option.note)
        }
        out.variables = variableOrder.sorted().map { KeyValue($0, variables[$0]!, pos: step.pos) }
        return out
    }

    // MARK: Fragments

    private mutating func applyFragment(image: String?, script: [String]?, variables vars: [String: String]?,
                                        idTokens: [String: String]?, services: [String]?,
                                        cache: ActionEntry.CacheTemplate?, fidelity: Fidelity?, note: String?) {
        if let fidelity { lower(fidelity, nil) }
        if let image, let s = render(image, .image, field: "image") { out.image = s }
        for line in script ?? [] {
            if let s = render(line, .script, field: "a script line") {
                out.script.append(s.trimmingCharacters(in: .whitespaces))
            }
        }
        for (k, v) in (vars ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let s = render(v, .value, field: "variable \(k)") { setVariable(k, s) }
        }
        for (k, v) in (idTokens ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let s = render(v, .value, field: "id token \(k)"), !out.idTokens.contains(where: { $0.key == k }) {
                out.idTokens.append(KeyValue(k, s, pos: step.pos))
            }
        }
        for s in services ?? [] where !out.services.contains(where: { $0.image == s }) {
            out.services.append(Service(image: s, pos: step.pos))
        }
        if let cache { renderCache(cache) }
        if let note { out.notes.append(renderNote(note)) }
    }

    private mutating func setVariable(_ key: String, _ value: String) {
        if variables[key] == nil { variableOrder.append(key) }
        variables[key] = value
    }

    private mutating func renderCache(_ t: ActionEntry.CacheTemplate) {
        var c = Cache(pos: step.pos)
        if let key = t.key {
            if let (prefix, files) = hashFilesKey(key) {
                c.keyFiles = files
                if !prefix.isEmpty { c.keyPrefix = translated(prefix, .value) }
            } else {
                c.key = render(key, .value, field: "cache key")
            }
        }
        c.keyFiles += lines(t.keyFiles, .value, "cache key files")
        if let p = t.keyPrefix { c.keyPrefix = render(p, .value, field: "cache key prefix") }
        c.paths = lines(t.paths, .value, "cache paths")
        let excluded = c.paths.filter { $0.hasPrefix("!") }
        if !excluded.isEmpty {
            c.paths.removeAll { $0.hasPrefix("!") }
            lower(.approximated, "GitLab caches cannot exclude paths; \(excluded.joined(separator: ", ")) left out")
        }
        c.fallbackKeys = lines(t.fallbackKeys, .value, "cache fallback keys")
        if !c.fallbackKeys.isEmpty {
            lower(.approximated, "GitLab fallback_keys match whole cache keys, GitHub restore-keys match prefixes")
        }
        if let p = t.policy { c.policy = render(p, .value, field: "cache policy") }
        if let w = t.when { c.when = render(w, .value, field: "cache when") }
        guard !c.paths.isEmpty else { return }
        out.caches.removeAll { $0.paths == c.paths }
        out.caches.append(c)
    }

    private mutating func renderArtifacts(_ t: ActionEntry.ArtifactsTemplate) {
        var a = Artifacts(pos: step.pos)
        if let n = t.name { a.name = render(n, .value, field: "artifact name") }
        let all = lines(t.paths, .value, "artifact paths")
        a.paths = all.filter { !$0.hasPrefix("!") }
        a.exclude = all.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        if let e = t.expireIn { a.expireIn = render(e, .value, field: "artifact expiry", quiet: true) }
        if let w = t.when { a.when = render(w, .value, field: "artifact when") }
        if !a.paths.isEmpty { out.artifacts = a }
    }

    /// Multi-line templates split into one entry per non-empty line.
    private mutating func lines(_ templates: [String]?, _ place: Place, _ field: String) -> [String] {
        var out: [String] = []
        for t in templates ?? [] {
            guard let s = render(t, place, field: field) else { continue }
            out += s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return out
    }

    // MARK: Templates

    /// Renders a template; nil (with a note unless `quiet`) when it names an input that has no value.
    private mutating func render(_ template: String, _ place: Place, field: String, quiet: Bool = false) -> String? {
        var s = ""
        for piece in Template.parse(template) {
            switch piece {
            case .text(let t): s += t
            case .input(let name, let fallback):
                guard let v = value(name, fallback: fallback, place) else {
                    if !quiet {
                        lower(.needsReview, "input '\(name)' is not set, so \(field) (\(template)) is left out")
                    }
                    return nil
                }
                s += v
            }
        }
        return s
    }

    private mutating func renderNote(_ template: String) -> String {
        Template.parse(template).map { piece in
            switch piece {
            case .text(let t): return t
            case .input(let name, let fallback): return value(name, fallback: fallback, .note) ?? "<\(name)>"
            }
        }.joined()
    }

    /// An input's value in GitLab's dialect for `place`, else its fallback or default.
    private mutating func value(_ name: String, fallback: String?, _ place: Place) -> String? {
        let key = name.lowercased()
        if let raw = given[key] {
            if secrets.contains(key) { return secretReference(name, raw) }
            if place == .note { return raw }
            if lists.contains(key) { return listValue(raw, place) }
            if place == .image {
                let t = translated(raw, .value)
                if let tag = Self.imageTag(t) { return tag }
                lower(.approximated, "'\(name)' (\(raw)) is not an image tag; the image uses the default version")
            } else {
                return translated(raw, place)
            }
        }
        if let fallback { return fallback }
        return defaults[key]
    }

    /// `with:` text translated with the expression layer; its notes, fidelity and env join the result.
    private mutating func translated(_ raw: String, _ place: Place) -> String {
        let r = Expressions.translateText(raw, from: dialect, to: .gitlab, context: place == .script ? .script : .value)
        lower(r.fidelity, nil)
        for n in r.notes where !out.notes.contains(n) { out.notes.append(n) }
        for kv in r.env where variables[kv.key] == nil { setVariable(kv.key, kv.value) }
        // Script templates put inputs inside double quotes; keep a value from closing them early.
        return place == .script ? Self.escapeForDoubleQuotes(r.text) : r.text
    }

    private mutating func listValue(_ raw: String, _ place: Place) -> String {
        let items = raw.split(whereSeparator: { $0.isNewline || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let values = items.map { translated($0, place == .script ? .script : .value) }
        guard place == .script else { return values.joined(separator: "\n") }
        // A lone variable stays unquoted so the shell splits it into its items at run time.
        return values.map { Self.isVariableReference($0) ? $0 : "\"\($0)\"" }.joined(separator: " ")
    }

    /// A secret input as a `$VARIABLE` reference: the job gets the value from GitLab's CI/CD variables.
    private mutating func secretReference(_ input: String, _ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if dialect == .gitlab, Self.isVariableReference(text) { return Self.bareReference(text) }
        let r = Expressions.translateText(text, from: dialect, to: .gitlab, context: .value)
        var name: String?
        if r.fidelity == .translated, Self.isVariableReference(r.text) {
            name = String(Self.bareReference(r.text).dropFirst())
        } else if let n = Self.githubReference(text) {
            name = n
        }
        if let n = name, n == "GITHUB_TOKEN" || n == "github.token" {
            lower(.needsReview, "'\(input)' used GitHub's own token: define GITHUB_TOKEN as a masked CI/CD variable "
                + "(for GitLab's registry use $CI_REGISTRY_USER / $CI_REGISTRY_PASSWORD)")
            return "$GITHUB_TOKEN"
        }
        if let n = name { return "$" + n }
        // A literal or a computed value: never copy it into the job; ask for a variable instead.
        let synthesized = Expressions.variableName(forMatrixAxis: input)
        lower(.needsReview, "'\(input)' is not a secret reference ciport can carry over: define $\(synthesized) as a masked CI/CD variable")
        return "$" + synthesized
    }

    // MARK: Helpers

    private mutating func lower(_ f: Fidelity, _ note: String?) {
        if f > out.fidelity { out.fidelity = f }
        if let note, !out.notes.contains(note) { out.notes.append(note) }
    }

    private func isDynamic(_ value: String) -> Bool {
        dialect == .github ? value.contains("${{") : value.contains("$")
    }

    /// `actions/cache`'s `key` ending in `hashFiles(…)` of at most two files → GitLab `key:files` + `prefix`.
    private func hashFilesKey(_ keyTemplate: String) -> (String, [String])? {
        guard dialect == .github,
              case .input(let name, _)? = Template.parse(keyTemplate).first,
              Template.parse(keyTemplate).count == 1,
              let raw = given[name.lowercased()]
        else { return nil }
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        var files: [String] = []
        // Peel `${{ hashFiles('a', 'b') }}` calls (and the `-` between them) off the end.
        while text.hasSuffix("}}"), let open = text.range(of: "${{", options: .backwards) {
            let inner = text[open.upperBound..<text.index(text.endIndex, offsetBy: -2)].trimmingCharacters(in: .whitespaces)
            guard inner.hasPrefix("hashFiles("), inner.hasSuffix(")") else { break }
            let args = inner.dropFirst("hashFiles(".count).dropLast()
            let quoted = args.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard quoted.allSatisfy({ $0.count >= 2 && ($0.first == "'" && $0.last == "'") }) else { return nil }
            files.insert(contentsOf: quoted.map { String($0.dropFirst().dropLast()) }, at: 0)
            text = String(text[..<open.lowerBound])
            while text.hasSuffix("-") { text.removeLast() }
        }
        guard !files.isEmpty, files.count <= 2, !text.contains("hashFiles") else { return nil }
        return (text, files)
    }

    static func isVariableReference(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("$") else { return false }
        var body = Substring(t.dropFirst())
        if body.hasPrefix("{") && body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        guard let f = body.first, f.isLetter || f == "_" else { return false }
        return body.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    static func bareReference(_ s: String) -> String {
        "$" + s.trimmingCharacters(in: .whitespaces).dropFirst().trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
    }

    /// `${{ secrets.X }}`, `${{ env.X }}`, `${{ vars.X }}` → `X`; `${{ github.token }}` → `GITHUB_TOKEN`.
    static func githubReference(_ s: String) -> String? {
        guard s.hasPrefix("${{"), s.hasSuffix("}}") else { return nil }
        let inner = s.dropFirst(3).dropLast(2).trimmingCharacters(in: .whitespaces)
        if inner == "github.token" { return "GITHUB_TOKEN" }
        for ctx in ["secrets.", "env.", "vars."] where inner.hasPrefix(ctx) {
            let n = inner.dropFirst(ctx.count)
            if let f = n.first, f.isLetter || f == "_", n.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }) {
                return String(n)
            }
        }
        return nil
    }

    /// A version as setup actions take it (`3.x`, `v20`, `lts/*`, `8.0.x`) as a Docker image tag;
    /// nil for ranges (`>=3.8`, `^1.2`) that no tag names.
    static func imageTag(_ version: String) -> String? {
        var t = version.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.contains("$") { return t }
        if t == "lts/*" { return "lts" }
        if t.hasPrefix("lts/") { t = String(t.dropFirst(4)) }
        if t.hasPrefix("v") || t.hasPrefix("V"), t.dropFirst().first?.isNumber == true { t.removeFirst() }
        while t.hasSuffix(".x") || t.hasSuffix(".X") || t.hasSuffix(".*") { t.removeLast(2) }
        if ["x", "*", "", "release"].contains(t) { return "latest" }
        guard t.allSatisfy({ ($0.isLetter || $0.isNumber || "._-".contains($0)) && $0.isASCII }),
              t.first?.isLetter == true || t.first?.isNumber == true
        else { return nil }
        return t
    }

    static func escapeForDoubleQuotes(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\"" || ch == "`" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
