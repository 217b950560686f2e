import Foundation

/// GitLab predefined variables and what stands in for them on GitHub.
///
/// `Expressions` does this translation; this table is the writer's fallback for names it leaves
/// behind, so that a script that says `$CI_COMMIT_SHA` keeps working either way. Values come in
/// through `env:` (never inline in `run:`), or, where GitHub has no expression for them (a slug, a
/// path inside the job container), from a line of shell at the top of the script.
struct PredefinedVariable: Sendable {
    /// A GitHub expression (without `${{ }}`), for `env:` and plain values.
    var expression: String?
    /// Shell that computes the value inside a `run:` step, when no expression fits there.
    var shell: String?
    /// What differs from GitLab's meaning, when something does.
    var note: String?

    static let registryNote = "GitHub Container Registry (ghcr.io) stands in for the GitLab registry; the job needs `packages: write` to push"

    static let table: [String: PredefinedVariable] = [
        "CI_COMMIT_SHA": .init(expression: "github.sha"),
        "CI_COMMIT_SHORT_SHA": .init(expression: "github.sha", shell: #"$(printf '%s' "$GITHUB_SHA" | cut -c1-8)"#),
        "CI_COMMIT_REF_NAME": .init(expression: "github.head_ref || github.ref_name"),
        "CI_COMMIT_REF_SLUG": .init(expression: "github.head_ref || github.ref_name",
                                    shell: #"$(printf '%s' "${GITHUB_HEAD_REF:-$GITHUB_REF_NAME}" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9]/-/g' | cut -c1-63 | sed 's/^-*//; s/-*$//')"#),
        "CI_COMMIT_BRANCH": .init(expression: "github.event_name != 'pull_request' && github.ref_type == 'branch' && github.ref_name || ''"),
        "CI_COMMIT_TAG": .init(expression: "github.ref_type == 'tag' && github.ref_name || ''"),
        "CI_COMMIT_BEFORE_SHA": .init(expression: "github.event.before"),
        "CI_COMMIT_MESSAGE": .init(expression: "github.event.head_commit.message"),
        "CI_COMMIT_TITLE": .init(expression: "github.event.head_commit.message", note: "the whole commit message, not its first line"),
        "CI_COMMIT_DESCRIPTION": .init(expression: "github.event.head_commit.message", note: "the whole commit message"),
        "CI_COMMIT_AUTHOR": .init(expression: "github.event.head_commit.author.name"),
        "CI_COMMIT_TIMESTAMP": .init(expression: "github.event.head_commit.timestamp"),
        "CI_DEFAULT_BRANCH": .init(expression: "github.event.repository.default_branch"),
        "CI_PROJECT_NAME": .init(expression: "github.event.repository.name"),
        "CI_PROJECT_TITLE": .init(expression: "github.event.repository.name"),
        "CI_PROJECT_PATH": .init(expression: "github.repository"),
        "CI_PROJECT_PATH_SLUG": .init(expression: "github.repository", shell: #"$(printf '%s' "$GITHUB_REPOSITORY" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9]/-/g')"#),
        "CI_PROJECT_NAMESPACE": .init(expression: "github.repository_owner"),
        "CI_PROJECT_ROOT_NAMESPACE": .init(expression: "github.repository_owner"),
        "CI_PROJECT_NAMESPACE_SLUG": .init(expression: "github.repository_owner",
                                           shell: #"$(printf '%s' "$GITHUB_REPOSITORY_OWNER" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9]/-/g')"#),
        "CI_COMMIT_REF_PROTECTED": .init(expression: "github.ref_protected"),
        "CI_PROJECT_ID": .init(expression: "github.repository_id"),
        "CI_PROJECT_URL": .init(expression: "format('{0}/{1}', github.server_url, github.repository)"),
        "CI_PROJECT_DIR": .init(expression: "github.workspace", shell: #""$GITHUB_WORKSPACE""#),
        "CI_BUILDS_DIR": .init(expression: "github.workspace", shell: #""$(dirname "$GITHUB_WORKSPACE")""#),
        "CI_PIPELINE_ID": .init(expression: "github.run_id"),
        "CI_PIPELINE_IID": .init(expression: "github.run_number"),
        "CI_PIPELINE_URL": .init(expression: "format('{0}/{1}/actions/runs/{2}', github.server_url, github.repository, github.run_id)"),
        "CI_PIPELINE_SOURCE": .init(expression: "github.event_name", note: "GitHub event names differ from GitLab's (pull_request, not merge_request_event)"),
        "CI_JOB_ID": .init(expression: "github.run_id", note: "GitHub has no numeric job id here; the run id stands in"),
        "CI_JOB_NAME": .init(expression: "github.job"),
        "CI_JOB_URL": .init(expression: "format('{0}/{1}/actions/runs/{2}', github.server_url, github.repository, github.run_id)"),
        "CI_JOB_TOKEN": .init(expression: "secrets.GITHUB_TOKEN", note: "GITHUB_TOKEN stands in for CI_JOB_TOKEN; its permissions come from `permissions:`"),
        "CI_SERVER_URL": .init(expression: "github.server_url"),
        "CI_SERVER_HOST": .init(expression: "github.server_url", shell: #""${GITHUB_SERVER_URL#*://}""#),
        "CI_API_V4_URL": .init(expression: "github.api_url", note: "GitHub's REST API is not GitLab's API v4"),
        "CI_REGISTRY": .init(expression: "'ghcr.io'", note: registryNote),
        "CI_REGISTRY_IMAGE": .init(expression: "format('ghcr.io/{0}', github.repository)",
                                   shell: #""ghcr.io/$(printf '%s' "$GITHUB_REPOSITORY" | tr '[:upper:]' '[:lower:]')""#, note: registryNote),
        "CI_REGISTRY_USER": .init(expression: "github.actor", note: registryNote),
        "CI_REGISTRY_PASSWORD": .init(expression: "secrets.GITHUB_TOKEN", note: registryNote),
        "CI_MERGE_REQUEST_IID": .init(expression: "github.event.pull_request.number"),
        "CI_MERGE_REQUEST_ID": .init(expression: "github.event.pull_request.id"),
        "CI_MERGE_REQUEST_TITLE": .init(expression: "github.event.pull_request.title"),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": .init(expression: "github.head_ref"),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": .init(expression: "github.base_ref"),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": .init(expression: "github.event.pull_request.head.sha"),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": .init(expression: "github.event.pull_request.base.sha"),
        "GITLAB_USER_LOGIN": .init(expression: "github.actor"),
        "GITLAB_USER_NAME": .init(expression: "github.actor", note: "the login, not the display name"),
        "GITLAB_USER_ID": .init(expression: "github.actor_id"),
        "CI_RUNNER_ID": .init(expression: "runner.name", note: "the runner's name"),
    ]

    /// `$NAME` and `${NAME}` references in text, in order of first use.
    ///
    /// Works on UTF-8 bytes: `$`, `{` and name characters are ASCII, and a byte of a longer
    /// character is never one of them, so every other character is simply stepped over.
    static func references(in text: String) -> [String] {
        var out: [String] = []
        var text = text
        text.withUTF8 { b in
            let n = b.count
            var i = 0
            while i < n {
                guard b[i] == UInt8(ascii: "$"), i + 1 < n else { i += 1; continue }
                var j = i + 1
                if b[j] == UInt8(ascii: "{") { j += 1 }
                let start = j
                while j < n, isNameByte(b[j]) { j += 1 }
                // A name starts with a letter or `_`.
                if j > start, !(b[start] >= 0x30 && b[start] <= 0x39) {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)
                    if !out.contains(name) { out.append(name) }
                }
                i = max(j, i + 1)
            }
        }
        return out
    }

    /// Whether `text` refers to any variable (`references(in:)` is not empty).
    static func hasReferences(in text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            let n = b.count
            var i = 0
            while i < n {
                guard b[i] == UInt8(ascii: "$"), i + 1 < n else { i += 1; continue }
                var j = i + 1
                if b[j] == UInt8(ascii: "{") { j += 1 }
                if j < n, isNameByte(b[j]), !(b[j] >= 0x30 && b[j] <= 0x39) { return true }
                while j < n, isNameByte(b[j]) { j += 1 }
                i = max(j, i + 1)
            }
            return false
        }
    }

    /// `[A-Za-z0-9_]`.
    static func isNameByte(_ c: UInt8) -> Bool {
        (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    /// Text with `$NAME`/`${NAME}` of known predefined variables replaced by `${{ expression }}`.
    ///
    /// `replacement` is called for each reference in order (callers count what it says); bytes
    /// between references are copied as they are.
    static func substitute(_ text: String, _ replacement: (String) -> String?) -> String {
        var text = text
        return text.withUTF8 { b -> String in
            let n = b.count
            // Nothing to do without a `$` (the common case for plain values).
            guard b.contains(UInt8(ascii: "$")) else { return String(decoding: b, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(n + 16)
            var copied = 0
            var i = 0
            while i < n {
                guard b[i] == UInt8(ascii: "$"), i + 1 < n else { i += 1; continue }
                if b[i + 1] == UInt8(ascii: "$") {
                    // `$$` is GitLab's escape for a literal `$`: kept, and its second `$` starts nothing.
                    i += 2
                    continue
                }
                var j = i + 1
                let braced = b[j] == UInt8(ascii: "{")
                if braced { j += 1 }
                let start = j
                while j < n, isNameByte(b[j]) { j += 1 }
                let closed = !braced || (j < n && b[j] == UInt8(ascii: "}"))
                if j > start, closed,
                   let r = replacement(String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<i]))
                    out.append(contentsOf: r.utf8)
                    i = braced ? j + 1 : j
                    copied = i
                    continue
                }
                i += 1
            }
            if copied == 0 { return String(decoding: b, as: UTF8.self) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied...]))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// A script line as translated with one set of defined names (`GitHubWriting.nameSets`), in a
/// job in a container or not.
struct ScriptLineKey: Hashable, Sendable {
    /// Where the line was written (hashing a position is cheaper than hashing a long line; the
    /// line itself is compared on a hit).
    var pos: SourcePos
    var names: Int
    var inContainer: Bool
}

/// A script line with only the defined names it can refer to: `Expressions.translateText` asks
/// `defined` about the names after a `$` and nothing else, so lines whose jobs define different
/// names elsewhere share one translation.
struct ScriptLineReferenceKey: Hashable, Sendable {
    /// The line, or "" when `pos` stands for it (the line is then compared on a hit).
    var line: String
    var pos: SourcePos?
    var definedReferences: [String]
    var inContainer: Bool
}

/// What translating one script line gives, before the job's step merges it into its env and
/// prelude (which depend on the lines before it).
struct ScriptLineTranslation: Sendable {
    var result: Expressions.TextResult
    /// `$` names in the translated text, in order of first use.
    var references: [String]
    /// Those the table computes in shell in this job (not through env).
    var computed: Set<String>
    /// The line's status and notes, with the table's own "no GitHub counterpart" notes dropped.
    var status: Fidelity
    var notes: [String]
    /// The translated text still holds `$[[` (component inputs the step's env must carry).
    var hasInputs: Bool
}

extension GitHubWriting {
    /// A plain value (env value, image, environment name, `with:` input) in GitHub's dialect.
    /// `construct`, when given, is downgraded in the ledger with what the translation could not keep.
    ///
    /// `step`: the value is a step input (`with:`), where the `env` context holds the job's variables.
    mutating func value(_ s: String, _ construct: String? = nil, at pos: SourcePos? = nil, reexported: Bool = false,
                        step j: Job? = nil) -> String {
        guard p.dialect == .gitlab, GitHubWriting.includes(s, "$") else { return s }
        let s = j.map { expandedVariables(s, job: $0) } ?? s
        guard GitHubWriting.includes(s, "$") else { return s }
        // Matrix variables are `matrix.X` wherever the job's values use them (an image per version).
        let axes: Set<String> = j?.matrix.map { mx in Set(mx.axes.map(\.name) + mx.include.flatMap { $0.map(\.key) }) } ?? []
        let r = Expressions.translateText(s, from: .gitlab, to: .github, context: .value, matrixAxes: axes)
        var notes = r.notes
        var status = r.text != s ? r.fidelity : .translated
        var text = GitHubWriting.inputsToExpressions(r.text)
        // Only a step input reads the job's variables from `env`.
        let defined: Set<String> = j.map { j in Set(j.variables.map(\.key) + p.variables.map(\.key)).union(axes) } ?? []
        text = PredefinedVariable.substitute(text) { name in
            if let j {
                if defined.contains(name) { return "${{ env.\(name) }}" }
                if name == "CI_JOB_STAGE" { return j.stage ?? "test" }
                if name == "CI_JOB_NAME" { return j.id }
                if name == "CI_NODE_INDEX", j.matrix?.parallelCount != nil { return "${{ matrix.ci_node_index }}" }
            }
            guard let v = PredefinedVariable.table[name], let e = v.expression else { return nil }
            if v.shell != nil || v.note != nil {
                status = max(status, .approximated)
                notes.append(v.note ?? "$\(name) approximated by ${{ \(e) }}")
            }
            return GitHubWriting.envValue(e)
        }
        // The table stands in for names the expression translator has none for: its note replaces that one.
        notes = notes.filter { n in
            guard let name = GitHubWriting.unmatchedVariable(n) else { return true }
            return !(PredefinedVariable.table[name] != nil && GitHubWriting.includes(s, name))
        }
        let left = PredefinedVariable.references(in: GitHubWriting.replacing("$$", with: "", in: text))
        if !left.isEmpty {
            status = max(status, .approximated)
            notes.append("GitLab expands \(left.map { "$" + $0 }.joined(separator: ", ")) here; GitHub passes the text as written"
                + (reexported ? " (scripts re-export it expanded)" : ""))
        }
        if let construct, status > .translated {
            mark([construct], at: pos ?? p.pos, status, notes.joined(separator: "; "))
        }
        return GitHubWriting.replacing("$$", with: "$", in: text)
    }

    /// `X` of the expression translator's note "$X has no GitHub counterpart", nil for other notes.
    static func unmatchedVariable(_ note: String) -> String? {
        let suffix = " has no GitHub counterpart"
        guard note.hasPrefix("$"), note.hasSuffix(suffix) else { return nil }
        let name = note.dropFirst().dropLast(suffix.count)
        // The same test as comparing the whole note with "$\(name) has no GitHub counterpart".
        guard "$\(name)\(suffix)" == note else { return nil }
        return String(name)
    }

    /// A step input with the job's variables expanded as GitLab expands them in `cache:` and
    /// `artifacts:` (their values are fixed when the pipeline starts), and `$CI_PROJECT_DIR` as the
    /// workspace-relative `.` (actions run in the job container, where host paths do not exist).
    func expandedVariables(_ s: String, job j: Job, depth: Int = 0) -> String {
        guard depth < 5, GitHubWriting.includes(s, "$") else { return s }
        let inputs = Set(p.inputs.map(\.name))
        var out = PredefinedVariable.substitute(s) { name in
            if name == "CI_PROJECT_DIR" { return "." }
            if inputs.contains(name) { return nil }
            guard let v = j.variables.last(where: { $0.key == name })?.value ?? p.variables.last(where: { $0.key == name })?.value else {
                return nil
            }
            return GitHubWriting.replacing("$$", with: "\u{0}", in: expandedVariables(v, job: j, depth: depth + 1))
        }
        out = GitHubWriting.replacing("\u{0}", with: "$$", in: out)
        // `./x` reads better as `x`.
        while out.hasPrefix("./") && out.count > 2 { out.removeFirst(2) }
        return GitHubWriting.replacing("\n./", with: "\n", in: out)
    }

    /// `$[[ inputs.name ]]` (GitLab spec inputs) as `${{ inputs.name }}`.
    static func inputsToExpressions(_ s: String) -> String {
        guard GitHubWriting.includes(s, "$[[") else { return s }
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "$[["), let close = rest[open.upperBound...].range(of: "]]") {
            out += rest[..<open.lowerBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = inner.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? inner
            out += "${{ \(name) }}"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Script lines as one `run:` text: GitLab variables stay `$VAR`, their values come in through
    /// `env` or a line of shell at the top. Each line's ledger entry is downgraded as needed; the
    /// notes come back as one comment for the step.
    ///
    /// `exports` are lines run first (variables whose values refer to other variables, which GitLab
    /// expands and GitHub's `env:` does not).
    mutating func script(_ steps: [Step], jobPath: String, stepTarget: String,
                         exports: [String] = []) -> (run: String, env: [KeyValue], comments: [String]) {
        let s = script(steps, jobPath: jobPath, stepTarget: stepTarget, exports: exports, beforeFile: nil)
        return (s.run, s.env, s.comments)
    }

    /// `beforeFile`: the `before_script` lines are not part of `run`, which sources that file in
    /// their place; `before` is those lines, for a step that writes the file (`beforeTarget` is
    /// that step, for the ledger).
    mutating func script(_ steps: [Step], jobPath: String, stepTarget: String, exports: [String] = [],
                         beforeFile: String?, beforeTarget: String? = nil)
        -> (run: String, env: [KeyValue], comments: [String], before: [String]?) {
        var env: [KeyValue] = []
        var prelude: [String] = []
        var lines: [String] = []
        var beforeLines: [String] = []
        var counters: [Step.Phase: Int] = [:]
        var allNotes: [String] = []
        let (defined, definedID) = scriptDefinedNames(jobPath: jobPath)

        let inContainer = containerJobs.contains(jobPath)
        func translate(_ line: String, pos: SourcePos, _ w: inout GitHubWriting) -> (String, Fidelity, [String]) {
            var text = line
            var status = Fidelity.translated
            var notes: [String] = []
            // Jobs share lines (`extends:`, `default:`); the translation depends on the line and the names only.
            if let t = w.translatedScriptLine(line, at: pos, defined: defined, definedID: definedID, inContainer: inContainer) {
                text = t.result.text
                status = t.status
                notes = t.notes
                for kv in t.result.env where !t.computed.contains(kv.key) && !env.contains(where: { $0.key == kv.key }) { env.append(kv) }
                var names = t.references
                let computed = t.computed
                if t.hasInputs {
                    text = GitHubWriting.inputsToShell(text, env: &env)
                    names = PredefinedVariable.references(in: text)
                }
                for name in names {
                    guard !env.contains(where: { $0.key == name }), let v = PredefinedVariable.table[name] else { continue }
                    if let sh = v.shell, computed.contains(name) || name != "CI_PROJECT_DIR" {
                        let l = "export \(name)=\(sh)"
                        if !prelude.contains(l) { prelude.append(l) }
                    } else if let e = v.expression {
                        env.append(KeyValue(name, GitHubWriting.envValue(e), pos: pos))
                    }
                    if let n = v.note {
                        status = max(status, .approximated)
                        if !notes.contains(n) { notes.append(n) }
                    }
                }
            }
            // GitHub would evaluate a literal `${{` in a script; write it as an expression of itself.
            if GitHubWriting.includes(text, "${{") { text = GitHubWriting.replacing("${{", with: "${{ '${{' }}", in: text) }
            return (text, status, notes)
        }

        var exported: [String] = []
        for e in exports where p.dialect == .gitlab {
            exported.append(translate(e, pos: .synthesized(), &self).0)
        }
        for step in steps {
            guard let line = step.script else { continue }
            let idx = counters[step.phase, default: 0]
            counters[step.phase] = idx + 1
            let key = step.phase == .before ? "before_script" : step.phase == .after ? "after_script" : "script"
            // The job's own line, else the default's, else a top-level one (the first recorded).
            var construct = "\(jobPath).\(key)[\(idx)]"
            if !ledger.contains(construct) {
                let shared = "default.\(key)[\(idx)]", top = "\(key)[\(idx)]"
                if ledger.contains(shared) { construct = shared } else if ledger.contains(top) { construct = top }
            }
            guard p.dialect == .gitlab else {
                lines.append(line)
                ledger.setTarget(construct, stepTarget)
                continue
            }
            let (text, status, notes) = translate(line, pos: step.pos, &self)
            let toFile = beforeFile != nil && step.phase == .before
            if toFile { beforeLines.append(text) } else { lines.append(text) }
            ledger.record(construct, at: step.pos, status, note: notes.joined(separator: "; "),
                          target: toFile ? beforeTarget ?? stepTarget : stepTarget)
            if status > .translated {
                explained.insert(construct)
                for n in notes where !allNotes.contains(n) { allNotes.append(n) }
            }
        }
        var head: [String] = []
        if !prelude.isEmpty || !exported.isEmpty {
            head = ["# GitLab variables (ciport)"] + prelude + exported
        }
        if onRunner.contains(jobPath), lines.contains(where: GitHubWriting.usesPackageManager) || beforeLines.contains(where: GitHubWriting.usesPackageManager) {
            // GitLab ran the base image as root; the runner's user has passwordless sudo. Functions
            // keep the script's own lines as written (sudo -E keeps DEBIAN_FRONTEND and the like).
            head += ["# GitLab ran these as root (ciport)",
                     #"apt-get() { sudo -E apt-get "$@"; }; apt() { sudo -E apt "$@"; }; dpkg() { sudo -E dpkg "$@"; }"#]
        }
        var before: [String]?
        if let beforeFile, !beforeLines.isEmpty {
            before = beforeLines
            lines.insert(". \"\(beforeFile)\"", at: 0)
        }
        let body = (head + lines).joined(separator: "\n")
        return (body, env, allNotes.isEmpty ? [] : ["ciport: " + allNotes.joined(separator: "; ")], before)
    }

    /// The pure part of translating a script line, kept per line and set of defined names, and
    /// per line and the defined names it refers to.
    ///
    /// nil for a line without `$` (nothing to translate). Lookups go by where the line was written
    /// first (hashing a position is cheaper than hashing a long line; the line itself is compared).
    mutating func translatedScriptLine(_ line: String, at pos: SourcePos, defined: Set<String>, definedID: Int,
                                       inContainer: Bool) -> ScriptLineTranslation? {
        let key = ScriptLineKey(pos: pos, names: definedID, inContainer: inContainer)
        if let known = scriptLines[key], known.line == line { return known.translation }
        // The `$` names of the line, once per line.
        let lineRefs: [String]?
        if let known = scriptLineReferences[pos], known.line == line {
            lineRefs = known.references
        } else {
            lineRefs = GitHubWriting.includes(line, "$") ? PredefinedVariable.references(in: line) : nil
            scriptLineReferences[pos] = (line, lineRefs)
        }
        guard let lineRefs else { return nil }
        // Every name `translateText` can look up follows a `$`: `references` finds them all (and
        // some it skips, such as `$$X`), so equal lists mean equal answers from `defined`.
        let definedRefs = lineRefs.filter(defined.contains)
        let byPosition = ScriptLineReferenceKey(line: "", pos: pos, definedReferences: definedRefs, inContainer: inContainer)
        if let known = scriptLinesByPositionAndReferences[byPosition], known.line == line {
            scriptLines[key] = (line, known.translation)
            return known.translation
        }
        let referenceKey = ScriptLineReferenceKey(line: line, pos: nil, definedReferences: definedRefs, inContainer: inContainer)
        if let known = scriptLinesByReferences[referenceKey] {
            scriptLines[key] = (line, known)
            scriptLinesByPositionAndReferences[byPosition] = (line, known)
            return known
        }
        let r = Expressions.translateText(line, from: .gitlab, to: .github, context: .script, defined: defined)
        // Names the table computes in shell: a path inside the job container
        // (`${{ github.workspace }}` is the runner's path there, `$GITHUB_WORKSPACE` the
        // container's) or a value GitHub has no expression for (a slug).
        let refs = PredefinedVariable.references(in: r.text)
        let computed = computedInShell(refs, inContainer: inContainer)
        var status = Fidelity.translated
        var notes: [String] = []
        if r.text != line || !r.env.isEmpty || !r.notes.isEmpty {
            let covered = Set(refs.filter { PredefinedVariable.table[$0] != nil })
            notes = r.notes.filter { n in !covered.contains { n == "$\($0) has no GitHub counterpart" } }
            status = notes.isEmpty ? .translated : r.fidelity
        }
        let t = ScriptLineTranslation(result: r, references: refs, computed: computed, status: status, notes: notes,
                                      hasInputs: GitHubWriting.includes(r.text, "$[["))
        scriptLines[key] = (line, t)
        scriptLinesByPositionAndReferences[byPosition] = (line, t)
        scriptLinesByReferences[referenceKey] = t
        return t
    }

    /// Of `names`, those the table computes in shell: paths need the shell only inside a
    /// container; on the runner the expression is right.
    func computedInShell(_ names: [String], inContainer: Bool) -> Set<String> {
        Set(names.filter { name in
            guard PredefinedVariable.table[name]?.shell != nil else { return false }
            return inContainer || name != "CI_PROJECT_DIR"
        })
    }

    /// Names a job's script may use as `$X` without an `env:` entry: the pipeline's and the job's
    /// variables (in the workflow's or the job's `env`, or exported at the top of the script),
    /// matrix axes, and names the script assigns itself (`X=…`, `export X=…`, `read X`, `for X in`).
    /// A variable whose value refers to itself (`MYSQL_USER: $MYSQL_USER`) takes the project
    /// setting's value, so it stays out: the setting must come in through `env`.
    ///
    /// Computed once per job: every `run:` step of the job asks for the same names.
    /// `id` numbers each distinct set of names, so that translations can be kept per set.
    mutating func scriptDefinedNames(jobPath: String) -> (names: Set<String>, id: Int) {
        if let known = scriptNames[jobPath] { return known }
        let names = scriptDefinedNames(job: p.job(jobPath))
        let id: Int
        if let seen = nameSets[names] {
            id = seen
        } else {
            id = nameSets.count
            nameSets[names] = id
        }
        scriptNames[jobPath] = (names, id)
        return (names, id)
    }

    mutating func scriptDefinedNames(job j: Job?) -> Set<String> {
        if pipelineDefinedNames == nil {
            pipelineDefinedNames = Set(p.variables.filter { !PredefinedVariable.references(in: $0.value).contains($0.key) }.map(\.key))
        }
        var out = pipelineDefinedNames ?? []
        for kv in j?.variables ?? [] where !PredefinedVariable.references(in: kv.value).contains(kv.key) {
            out.insert(kv.key)
        }
        for a in j?.matrix?.axes ?? [] { out.insert(a.name) }
        for row in j?.matrix?.include ?? [] { for kv in row { out.insert(kv.key) } }
        var scripts: [String] = [], positions: [SourcePos] = []
        if let steps = j?.steps {
            for k in steps.indices {
                guard case .run(let text) = steps[k].action else { continue }
                scripts.append(text)
                positions.append(steps[k].pos)
            }
        }
        if let runs = runsSplitAtSafeLines(scripts, positions) {
            // Jobs share lines (a default before_script): each run of lines is scanned once,
            // found again by where its lines were written.
            for run in runs {
                let key = Array(positions[run.indices])
                if let known = shellNames[key], known.lines == run {
                    out.formUnion(known.names)
                } else {
                    let names = GitHubWriting.shellAssignedNames(in: run.count == 1 ? run[run.startIndex] : run.joined(separator: "\n"))
                    shellNames[key] = (run, names)
                    out.formUnion(names)
                }
            }
        } else {
            out.formUnion(GitHubWriting.shellAssignedNames(in: scripts.joined(separator: "\n")))
        }
        return out
    }

    /// The lines cut into runs after each line that `isSafeLineEnd`, or nil when a line is not
    /// ASCII (the names then come from the whole script at once).
    ///
    /// `shellAssignedNames` of the lines joined by line breaks is, as a set, the union of each
    /// run's (joined the same way): no search that starts in a run can read past its last line's
    /// last non-blank byte (every stretch of blanks, names, keywords and flags stops at such a
    /// byte), so none reaches the next run but from a line start in the trailing blanks, where
    /// the next run's own search at its start finds the same name; and a run's first byte
    /// follows a line break either way, as `^` and `\b` see it.
    static func runsSplitAtSafeLines(_ lines: [String]) -> [ArraySlice<String>]? {
        runsSplitAtSafeLines(lines) { _, line in isSafeLineEnd(line) }
    }

    /// `runsSplitAtSafeLines`, each line's ending looked at once per position it was written at.
    mutating func runsSplitAtSafeLines(_ lines: [String], _ positions: [SourcePos]) -> [ArraySlice<String>]? {
        var known = safeLineEnds
        defer { safeLineEnds = known }
        return GitHubWriting.runsSplitAtSafeLines(lines) { i, line in
            if let k = known[positions[i]], k.line == line { return k.safe }
            let safe = GitHubWriting.isSafeLineEnd(line)
            known[positions[i]] = (line, safe)
            return safe
        }
    }

    static func runsSplitAtSafeLines(_ lines: [String], _ isSafe: (Int, String) -> Bool?) -> [ArraySlice<String>]? {
        var runs: [ArraySlice<String>] = []
        var start = 0
        for (i, line) in lines.enumerated() {
            guard let safe = isSafe(i, line) else { return nil }
            if safe || i == lines.count - 1 {
                runs.append(lines[start...i])
                start = i + 1
            }
        }
        return runs
    }

    /// Whether an ASCII line ends, blanks aside, in a byte that is neither a word byte nor one of
    /// `;&|(\``; nil when the line is not ASCII.
    static func isSafeLineEnd(_ line: String) -> Bool? {
        FastText.withBytes(line) { b -> Bool? in
            guard FastText.isASCII(b) else { return nil }
            var i = b.count - 1
            while i >= 0, ShellNameScan.isSpace(b[i]) { i -= 1 }
            guard i >= 0 else { return false }
            return !ShellNameScan.isWord(b[i]) && !ShellNameScan.isSeparator(b[i])
        }
    }

    /// `${{ expr }}` for env, or the plain text when the expression is a string literal.
    static func envValue(_ expression: String) -> String {
        let e = GitHubWriting.trimmingWhitespace(expression)
        if e.count >= 2, e.hasPrefix("'"), e.hasSuffix("'"), !GitHubWriting.includes(e.dropFirst().dropLast(), "'") {
            return String(e.dropFirst().dropLast())
        }
        return "${{ \(e) }}"
    }

    /// GitLab variables (global, then the job's) whose values refer to other variables, as shell
    /// `export` lines: GitLab expands them, GitHub's `env:` passes them as written.
    func derivedVariableExports(_ j: Job) -> [String] {
        var seen: [String: String] = [:]
        var order: [String] = []
        for kv in p.variables + j.variables {
            if seen[kv.key] == nil { order.append(kv.key) }
            seen[kv.key] = kv.value
        }
        var out: [String] = []
        for k in order {
            guard let v = seen[k], PredefinedVariable.hasReferences(in: GitHubWriting.replacing("$$", with: "", in: v)) else { continue }
            guard k.utf8.allSatisfy(PredefinedVariable.isNameByte) else { continue }
            var escaped = ""
            let chars = Array(v)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == "$", i + 1 < chars.count, chars[i + 1] == "$" {
                    escaped += "\\$"
                    i += 2
                    continue
                }
                if c == "\"" || c == "`" || c == "\\" { escaped += "\\" }
                escaped.append(c)
                i += 1
            }
            out.append("export \(k)=\"\(escaped)\"")
        }
        return out
    }

    /// `$[[ inputs.x ]]` in a script: `$INPUT_X`, defined in `env` from `${{ inputs.x }}`.
    static func inputsToShell(_ s: String, env: inout [KeyValue]) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "$[["), let close = rest[open.upperBound...].range(of: "]]") {
            out += rest[..<open.lowerBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = inner.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? inner
            let input = name.hasPrefix("inputs.") ? String(name.dropFirst("inputs.".count)) : name
            let v = "INPUT_" + Expressions.variableName(forMatrixAxis: input)
            if !env.contains(where: { $0.key == v }) {
                env.append(KeyValue(v, "${{ \(name) }}", pos: .synthesized()))
            }
            out += "${\(v)}"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
