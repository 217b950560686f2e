import Foundation

/// `{{input}}` / `{{input|fallback}}` templates.
enum Template {
    enum Piece: Equatable {
        case text(String)
        case input(name: String, fallback: String?)
    }

    /// Splits a template; an unclosed `{{` is text.
    static func parse(_ template: String) -> [Piece] {
        parseASCII(template) ?? parseCharacters(template)
    }

    /// `parse` for any text, by Characters.
    static func parseCharacters(_ template: String) -> [Piece] {
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

    /// `parse` over the bytes of ASCII text (catalog templates are), where bytes and Characters
    /// agree; nil for other text.
    static func parseASCII(_ template: String) -> [Piece]? {
        FastText.withBytes(template) { b -> [Piece]? in
            guard FastText.isASCII(b) else { return nil }
            func text(_ lo: Int, _ hi: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self) }
            func trimmed(_ lo: Int, _ hi: Int) -> String {
                var lo = lo, hi = hi
                while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
                while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
                return text(lo, hi)
            }
            var pieces: [Piece] = []
            var i = 0
            while let open = FastText.find("{{", in: b, from: i) {
                guard let close = FastText.find("}}", in: b, from: open + 2) else { break }
                if open > i { pieces.append(.text(text(i, open))) }
                if let bar = b[(open + 2)..<close].firstIndex(of: 0x7C) {
                    pieces.append(.input(name: trimmed(open + 2, bar), fallback: text(bar + 1, close)))
                } else {
                    pieces.append(.input(name: trimmed(open + 2, close), fallback: nil))
                }
                i = close + 2
            }
            if i < b.count { pieces.append(.text(text(i, b.count))) }
            return pieces
        }
    }

    static func references(in template: String) -> [String] {
        parse(template).compactMap { if case .input(let n, _) = $0 { n } else { nil } }
    }
}

/// A catalog entry with what rendering derives from it alone: built once per entry (`ActionCatalog`
/// keeps one per entry) instead of once per step, and shared by reference, so a step does not copy
/// the entry either.
final class PreparedEntry: Sendable {
    let entry: ActionEntry
    /// `ActionEntry.knownInputs`.
    let knownInputs: Set<String>
    /// Inputs with a non-empty default, by lower-cased name.
    let defaults: [String: String]
    let secrets: Set<String>
    /// Word-list inputs and the flag before each word, by lower-cased name.
    let words: [String: String]
    let raw: Set<String>
    /// `outputs` in name order.
    let outputs: [(name: String, template: String)]
    /// For an `implicit` entry whose commands come only from options that apply when an input is
    /// given (`actions/checkout`'s `ref`): those inputs, lower-cased, so that a step without them
    /// is known to render `implicit` without rendering it; nil for other entries.
    let implicitUnlessGiven: Set<String>?

    init(_ entry: ActionEntry) {
        self.entry = entry
        implicitUnlessGiven = Self.implicitUnlessGiven(entry)
        outputs = (entry.outputs ?? [:]).sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }
        knownInputs = entry.knownInputs
        var defaults: [String: String] = [:]
        for (k, v) in entry.inputs ?? [:] where !v.isEmpty { defaults[k.lowercased()] = v }
        self.defaults = defaults
        secrets = Set((entry.secrets ?? []).map { $0.lowercased() })
        words = Dictionary((entry.words ?? [:]).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        raw = Set((entry.raw ?? []).map { $0.lowercased() })
    }

    /// `render()` writes commands only from the entry's `script` and from options that apply; an
    /// option with neither `absent`, `equals` nor `not` applies exactly when its input is given.
    private static func implicitUnlessGiven(_ entry: ActionEntry) -> Set<String>? {
        guard entry.kind == .implicit, (entry.script ?? []).isEmpty else { return nil }
        var inputs: Set<String> = []
        for option in entry.options ?? [] where !(option.script ?? []).isEmpty {
            guard option.absent != true, option.equals == nil, option.not == nil else { return nil }
            inputs.insert(option.input.lowercased())
        }
        return inputs
    }
}

/// Turns one step and its catalog entry into an `ActionTranslation`.
struct ActionRenderer {
    /// Where a substituted value goes; decides translation, quoting and tag-making.
    enum Place { case script, value, image, note }

    private let prepared: PreparedEntry
    var entry: ActionEntry { prepared.entry }
    let step: Step
    let ref: ActionRef
    let dialect: Platform
    /// How GitHub expressions in `with:` values are translated.
    var expressions = Expressions.Options()
    /// The step's non-empty `with:` values by lower-cased input name.
    private var given: [String: String] = [:]
    private let known: Set<String>
    private let defaults: [String: String]
    private let secrets: Set<String>
    /// Word-list inputs and the flag before each word.
    private let words: [String: String]
    private let raw: Set<String>
    private var out = ActionTranslation()
    private var variables: [String: String] = [:]
    private var variableOrder: [String] = []

    /// `prepared` is `PreparedEntry(entry)`, when the caller keeps one.
    init(entry: ActionEntry, step: Step, ref: ActionRef, dialect: Platform, prepared: PreparedEntry? = nil) {
        self.prepared = prepared ?? PreparedEntry(entry)
        self.step = step
        self.ref = ref
        self.dialect = dialect
        for kv in step.with where !FastText.isBlank(kv.value) {
            given[kv.key.lowercased()] = kv.value
        }
        if let r = entry.refInput, given[r.lowercased()] == nil, let v = ref.meaningfulRef { given[r.lowercased()] = v }
        let p = self.prepared
        known = p.knownInputs
        defaults = p.defaults
        secrets = p.secrets
        words = p.words
        raw = p.raw
    }

    mutating func render() -> ActionTranslation {
        out.fidelity = entry.baseFidelity
        out.fetchesArtifacts = entry.kind == .downloadArtifact
        out.pages = entry.pages ?? false
        if entry.kind == .unsupported {
            // Nothing is written; the note says what to use instead.
            if let n = entry.note { out.notes.append(renderNote(n)) }
            return out
        }
        for kv in step.with where !known.contains(kv.key.lowercased()) {
            lower(.approximated, "input '\(kv.key)' has no GitLab counterpart here and is not carried over")
        }

        applyFragment(image: entry.image, script: entry.script, variables: entry.variables, idTokens: entry.idTokens,
                      services: entry.services, cache: entry.cache, fidelity: nil, note: entry.note)
        if out.image != nil { out.imageEntrypoint = entry.entrypoint }
        if let a = entry.artifacts { renderArtifacts(a) }
        if let r = entry.release { renderRelease(r) }
        out.outputs = renderOutputs()

        var decidedAtRunTime: Set<String> = []
        let options = entry.options ?? []
        for i in options.indices where applies(options[i], &decidedAtRunTime) {
            let before = out.image
            applyFragment(image: options[i].image, script: options[i].script, variables: options[i].variables,
                          idTokens: options[i].idTokens, services: options[i].services, cache: options[i].cache,
                          fidelity: options[i].fidelity, note: options[i].note)
            // An option's image is another tool's image: the entry's entrypoint no longer applies.
            if out.image != before { out.imageEntrypoint = nil }
        }
        out.variables = variableOrder.sorted().map { KeyValue($0, variables[$0]!, pos: step.pos) }
        // Plumbing GitLab does itself writes nothing but variables, unless an option asked for commands.
        out.implicit = entry.kind == .implicit && out.script.isEmpty
        return out
    }

    /// The entry's outputs (`render().outputs`). Their values depend on the step's inputs alone, not
    /// on the rest of the rendering, so a caller that only needs them can stop here.
    mutating func renderOutputs() -> [KeyValue] {
        guard entry.kind != .unsupported else { return [] }
        var outputs: [KeyValue] = []
        for (name, template) in prepared.outputs {
            if let v = render(template, .value, field: "output \(name)", quiet: true) {
                outputs.append(KeyValue(name, v, pos: step.pos))
            }
        }
        return outputs
    }

    private mutating func applies(_ option: ActionEntry.Option, _ decidedAtRunTime: inout Set<String>) -> Bool {
        let input = option.input.lowercased()
        let given = self.given[input]
        if option.absent == true { return given == nil }
        if option.equals == nil && option.not == nil { return given != nil }
        guard let value = (given ?? defaults[input]).map({ FastText.trimmed($0, newlines: true) }) else {
            return false
        }
        if isDynamic(value) {
            // An option that only picks the image for one value adds nothing when the entry's own
            // image template already carries the run-time value (`php:{{php-version}}` → `php:$PHP`).
            if option.image != nil, option.script == nil, option.variables == nil, option.services == nil,
               option.idTokens == nil, option.cache == nil,
               Template.references(in: entry.image ?? "").contains(where: { $0.lowercased() == input }) {
                return false
            }
            // Which option applies is known only when the job runs: apply the first, flag it.
            guard let equals = option.equals, !decidedAtRunTime.contains(input) else { return false }
            decidedAtRunTime.insert(input)
            lower(.needsReview, "'\(option.input)' is decided at run time; written as if it were '\(equals)'")
            return true
        }
        if let equals = option.equals, value.lowercased() != equals.lowercased() { return false }
        if let not = option.not, value.lowercased() == not.lowercased() { return false }
        return true
    }

    // MARK: Fragments

    private mutating func applyFragment(image: String?, script: [String]?, variables vars: [String: String]?,
                                        idTokens: [String: String]?, services: [String]?,
                                        cache: ActionEntry.CacheTemplate?, fidelity: Fidelity?, note: String?) {
        if let fidelity { lower(fidelity, nil) }
        if let image, let s = render(image, .image, field: "image") { out.image = s }
        for line in script ?? [] {
            if let s = render(line, .script, field: "a script line") {
                out.script.append(FastText.trimmed(s))
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
        c.paths = lines(t.paths, .value, "cache paths").map(Self.projectRelative)
        let outside = c.paths.filter { $0.hasPrefix("~") || $0.hasPrefix("/") || $0.hasPrefix("$HOME") }
        if !outside.isEmpty {
            lower(.needsReview, "GitLab caches only paths inside the project directory: point the tool's cache at "
                + "$CI_PROJECT_DIR instead of \(outside.joined(separator: ", "))")
        }
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
        if a.name?.isEmpty == true { a.name = nil }
        let all = lines(t.paths, .value, "artifact paths").map(Self.projectRelative)
        a.paths = all.filter { !$0.hasPrefix("!") }
        a.exclude = all.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        if let e = t.expireIn { a.expireIn = render(e, .value, field: "artifact expiry", quiet: true) }
        if let w = t.when { a.when = render(w, .value, field: "artifact when") }
        for (type, paths) in (t.reports ?? [:]).sorted(by: { $0.key < $1.key }) {
            for p in lines([paths], .value, "\(type) report paths") {
                a.reports.append(KeyValue(type, Self.projectRelative(p), pos: step.pos))
            }
        }
        if !a.paths.isEmpty || !a.reports.isEmpty { out.artifacts = a }
    }

    private mutating func renderRelease(_ t: ActionEntry.ReleaseTemplate) {
        guard let tag = render(t.tagName, .value, field: "release tag") else { return }
        var r = Release(tagName: tag, pos: step.pos)
        if let n = t.name, let v = render(n, .value, field: "release name", quiet: true), !v.isEmpty { r.name = v }
        if let d = t.description, let v = render(d, .value, field: "release description", quiet: true), !v.isEmpty { r.description = v }
        out.release = r
    }

    /// Multi-line templates split into one entry per non-empty line.
    private mutating func lines(_ templates: [String]?, _ place: Place, _ field: String) -> [String] {
        var out: [String] = []
        for t in templates ?? [] {
            guard let s = render(t, place, field: field) else { continue }
            out += Self.nonEmptyLines(s)
        }
        return out
    }

    // MARK: Templates

    /// Renders a template; nil (with a note unless `quiet`) when it names an input that has no value.
    private mutating func render(_ template: String, _ place: Place, field: String, quiet: Bool = false) -> String? {
        var s = ""
        var droppedWord = false
        for piece in Template.parse(template) {
            switch piece {
            case .text(var t):
                // An optional word that rendered empty (`a {{flag|}} b`) leaves one space, not two.
                if droppedWord, s.hasSuffix(" "), t.hasPrefix(" ") { t.removeFirst() }
                droppedWord = false
                s += t
            case .input(let name, let fallback):
                guard let v = value(name, fallback: fallback, place) else {
                    if !quiet {
                        lower(.needsReview, "input '\(name)' is not set, so \(field) (\(template)) is left out")
                    }
                    return nil
                }
                droppedWord = v.isEmpty
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
            if let flag = words[key] { return wordsValue(raw, flag: flag, place) }
            if place == .script, self.raw.contains(key) {
                // Shell code of its own: translated, never quoted or escaped.
                let r = translate(raw, .script)
                absorb(r)
                return r.text
            }
            if place == .image {
                let t = translated(raw, .value)
                if let tag = Self.imageTag(t) { return tag }
                lower(.approximated, "'\(name)' (\(raw)) is not an image tag; the image uses the default version")
            } else {
                return translated(raw, place)
            }
        }
        // Fallbacks and defaults are catalog text, already in GitLab's dialect.
        guard let literal = fallback ?? defaults[key] else { return nil }
        return place == .image ? (Self.imageTag(literal) ?? literal) : literal
    }

    /// `with:` text translated with the expression layer; its notes, fidelity and env join the result.
    private mutating func translated(_ raw: String, _ place: Place) -> String {
        let r = translate(raw, place == .script ? .script : .value)
        absorb(r)
        // Script templates put inputs inside double quotes; keep a value from closing them early.
        return place == .script ? Self.escapeForDoubleQuotes(r.text) : r.text
    }

    private func translate(_ raw: String, _ context: Expressions.Context) -> Expressions.TextResult {
        dialect == .github ? Expressions.translateText(raw, context: context, options: expressions)
            : Expressions.translateText(raw, from: dialect, to: .gitlab, context: context)
    }

    private mutating func absorb(_ r: Expressions.TextResult) {
        lower(r.fidelity, nil)
        for n in r.notes where !out.notes.contains(n) { out.notes.append(n) }
        for kv in r.env where variables[kv.key] == nil { setVariable(kv.key, kv.value) }
    }

    private mutating func wordsValue(_ raw: String, flag: String, _ place: Place) -> String {
        let items = Self.splitWords(raw, onSpaces: flag.isEmpty)
        let values = items.map { translated($0, place == .script ? .script : .value) }
        guard place == .script else { return values.joined(separator: " ") }
        return values.map { v in
            if Self.isVariableReference(v) {
                // A variable may hold several words: the shell splits it at run time, the flag goes
                // before each through printf.
                return flag.isEmpty ? v : "$(printf -- '\(flag) %s ' \(v))"
            }
            return flag.isEmpty ? "\"\(v)\"" : "\(flag) \"\(v)\""
        }.joined(separator: " ")
    }

    /// A secret input as a `$VARIABLE` reference: the job gets the value from GitLab's CI/CD variables.
    private mutating func secretReference(_ input: String, _ raw: String) -> String {
        let text = FastText.trimmed(raw, newlines: true)
        if dialect == .gitlab, Self.isVariableReference(text) { return Self.bareReference(text) }
        let r = translate(text, .value)
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
        dialect == .github ? FastText.contains(value, "${{") : FastText.contains(value, "$")
    }

    /// `actions/cache`'s `key` ending in `hashFiles(…)` of at most two files → GitLab `key:files` + `prefix`.
    private func hashFilesKey(_ keyTemplate: String) -> (String, [String])? {
        guard dialect == .github,
              case .input(let name, _)? = Template.parse(keyTemplate).first,
              Template.parse(keyTemplate).count == 1,
              let raw = given[name.lowercased()]
        else { return nil }
        var text = FastText.trimmed(raw, newlines: true)
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

    /// Splits a list input into words on newlines (and, with `onSpaces`, on blanks and commas),
    /// never inside a `${{ … }}` expression, whose own spaces and commas belong to it.
    static func splitWords(_ raw: String, onSpaces: Bool) -> [String] {
        var items: [String] = []
        var cur = ""
        var depth = 0
        let chars = Array(raw)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{" {
                depth += 1; cur += "${{"; i += 3; continue
            }
            if depth > 0, c == "}", i + 1 < chars.count, chars[i + 1] == "}" {
                depth -= 1; cur += "}}"; i += 2; continue
            }
            if depth == 0, c.isNewline || (onSpaces && (c.isWhitespace || c == ",")) {
                items.append(cur); cur = ""
            } else {
                cur.append(c)
            }
            i += 1
        }
        items.append(cur)
        return items.map { FastText.trimmed($0) }.filter { !$0.isEmpty }
    }

    /// Each line of `s` trimmed of blanks, empty ones left out (`split(whereSeparator: \.isNewline)`,
    /// each piece `trimmingCharacters(in: .whitespaces)`).
    static func nonEmptyLines(_ s: String) -> [String] {
        let fast: [String]? = FastText.withBytes(s) { b in
            guard FastText.isASCII(b) else { return nil }
            // ASCII newlines are LF, VT, FF and CR; CR LF, one Character, only yields an empty piece more.
            return b.split(whereSeparator: { $0 >= 0x0A && $0 <= 0x0D }).compactMap { line in
                var lo = line.startIndex, hi = line.endIndex
                while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
                while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
                return lo < hi ? String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self) : nil
            }
        }
        return fast ?? s.split(whereSeparator: \.isNewline).map { FastText.trimmed($0) }.filter { !$0.isEmpty }
    }

    static func isVariableReference(_ s: String) -> Bool {
        let t = FastText.trimmed(s)
        guard t.hasPrefix("$") else { return false }
        var body = Substring(t.dropFirst())
        if body.hasPrefix("{") && body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        guard let f = body.first, f.isLetter || f == "_" else { return false }
        return body.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    static func bareReference(_ s: String) -> String {
        "$" + FastText.trimmingBraces(FastText.trimmed(s).dropFirst())
    }

    /// `${{ secrets.X }}`, `${{ env.X }}`, `${{ vars.X }}` → `X`; `${{ github.token }}` → `GITHUB_TOKEN`.
    static func githubReference(_ s: String) -> String? {
        guard s.hasPrefix("${{"), s.hasSuffix("}}") else { return nil }
        let inner = FastText.trimmed(s.dropFirst(3).dropLast(2))
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
        var t = FastText.trimmed(version, newlines: true)
        if FastText.contains(t, "$") { return t }
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

    /// `$CI_PROJECT_DIR/x` → `x`: GitLab's cache and artifact paths are relative to the project directory.
    static func projectRelative(_ path: String) -> String {
        for prefix in ["$CI_PROJECT_DIR/", "${CI_PROJECT_DIR}/"] where path.hasPrefix(prefix) {
            return String(path.dropFirst(prefix.count))
        }
        return path
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
