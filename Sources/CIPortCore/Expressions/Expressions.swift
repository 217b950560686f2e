/// Translation of expressions and interpolated text between GitHub Actions and GitLab CI.
///
/// GitHub writes `${{ github.ref_name }}`, `${{ secrets.TOKEN }}`, `if: github.event_name == 'push'`;
/// GitLab writes `$CI_COMMIT_REF_NAME`, `$TOKEN`, `rules: - if: $CI_PIPELINE_SOURCE == "push"`.
public enum Expressions {
    /// Where a translated string will be used; decides how untrusted values may appear.
    public enum Context: Sendable {
        /// Inside a shell script (`run:` / `script:`): untrusted values only through environment variables.
        case script
        /// A plain value (`env:`, `with:`, image names, paths).
        case value
    }

    /// The result of translating a string with embedded expressions.
    public struct TextResult: Sendable, Equatable {
        public var text: String
        /// Variables the caller must define on the step or job so that `text` can refer to them
        /// (GitHub → GitLab: none usually; GitLab → GitHub: `CI_COMMIT_SHA: ${{ github.sha }}`;
        /// GitHub untrusted contexts in scripts: `PR_TITLE: ${{ github.event.pull_request.title }}`).
        public var env: [KeyValue]
        public var fidelity: Fidelity
        /// What a person must know, empty when translated.
        public var notes: [String]

        public init(text: String, env: [KeyValue] = [], fidelity: Fidelity = .translated, notes: [String] = []) {
            self.text = text
            self.env = env
            self.fidelity = fidelity
            self.notes = notes
        }
    }

    /// The result of translating a condition.
    public struct ConditionResult: Sendable, Equatable {
        /// The condition in the target dialect (GitLab: a `rules:if` expression; GitHub: an `if:` expression
        /// without `${{ }}`), nil when the condition reduces to a status function alone.
        public var expression: String?
        /// The job-status part (`always()`, `failure()` → `when: always` / `on_failure`, and back).
        public var when: When?
        public var fidelity: Fidelity
        public var notes: [String]

        public init(expression: String?, when: When? = nil, fidelity: Fidelity = .translated, notes: [String] = []) {
            self.expression = expression
            self.when = when
            self.fidelity = fidelity
            self.notes = notes
        }
    }
}

extension Expressions {
    /// How GitHub `inputs.x` is written on GitLab.
    public enum InputStyle: Sendable {
        /// `$[[ inputs.x ]]`: GitLab `spec:inputs` interpolation (the writer declares the inputs).
        case interpolation
        /// `$X`: a pipeline variable (the "Run pipeline" form).
        case variable
    }

    /// What the pipeline around a string defines; all optional.
    struct Options: Sendable, Equatable {
        /// Variables the pipeline itself defines (`variables:` / `env:`): kept as variables, never
        /// mapped to project settings.
        var defined: Set<String> = []
        /// GitLab `parallel:matrix` variable names (`NODE_VERSION`), which are plain variables there.
        var matrixAxes: Set<String> = []
        var inputs: InputStyle = .interpolation
    }

    /// Translates a string that may hold expressions (`${{ … }}` on GitHub, `$VAR`/`${VAR}` on GitLab)
    /// from one dialect to the other. In `.script` context targeting GitHub the result never holds
    /// `${{ }}`: values come in through `env` (zizmor's template-injection rule).
    ///
    /// - `defined`: variables the pipeline defines itself (GitLab → GitHub: `$X` stays `$X` in
    ///   scripts and becomes `${{ env.X }}` in values; other unknown names are project settings,
    ///   `vars.X` or, for credential-like names, `secrets.X`).
    /// - `matrixAxes`: GitLab `parallel:matrix` variable names, which become `matrix.X`.
    /// - `inputs`: how GitHub `inputs.x` is written on GitLab.
    ///
    /// Text without `$` is returned as is without further work.
    public static func translateText(_ text: String, from: Platform, to: Platform, context: Context,
                                     defined: Set<String> = [], matrixAxes: Set<String> = [],
                                     inputs: InputStyle = .interpolation) -> TextResult {
        guard from != to, text.utf8.contains(Bytes.dollar) else { return TextResult(text: text) }
        let options = Options(defined: defined, matrixAxes: matrixAxes, inputs: inputs)
        switch from {
        case .github:
            var t = GitHubToGitLab(options: options)
            return t.text(text, context: context)
        case .gitlab:
            var t = GitLabToGitHub(options: options)
            return t.text(text, context: context)
        }
    }

    /// Translates a condition: a GitHub `if:` (with or without `${{ }}`) into a GitLab `rules:if`
    /// expression and `when:`, or a GitLab `rules:if` expression (with the rule's `when`) into a GitHub `if:`.
    ///
    /// GitHub → GitLab: status functions become `when` (`success()` → `on_success`, `always()` →
    /// `always`, `failure()` → `on_failure`, `!cancelled()` → `always`, approximated); an
    /// expression that is always true gives `expression == nil`, one that is always false
    /// `when == .never`. GitLab → GitHub: `when: always`/`on_failure` fold into the expression as
    /// `always() && …`/`failure() && …`, `never` negates it; `manual`/`delayed` come back in `when`
    /// for the writer. When any part has no counterpart the whole condition is returned verbatim
    /// (in the source dialect, so it fails loudly if written unreviewed) with fidelity
    /// `needsReview` or `lost` and a note: a half-translated condition could run a deploy job.
    /// String comparisons are written case-sensitively on GitLab, though GitHub's are not: Git
    /// branch and tag names are case-sensitive.
    public static func translateCondition(_ expression: String, when: When? = nil, from: Platform, to: Platform,
                                          defined: Set<String> = [], matrixAxes: Set<String> = [],
                                          inputs: InputStyle = .interpolation) -> ConditionResult {
        let options = Options(defined: defined, matrixAxes: matrixAxes, inputs: inputs)
        if from == to {
            return ConditionResult(expression: from == .github ? expression.unwrappingGitHubExpression : expression, when: when)
        }
        switch from {
        case .github:
            var t = GitHubToGitLab(options: options)
            return t.condition(expression, when: when)
        case .gitlab:
            var t = GitLabToGitHub(options: options)
            return t.condition(expression, when: when)
        }
    }

    /// A dialect-free form of a string for comparing pipelines (facts): known contexts and predefined
    /// variables become `⟨name⟩` placeholders (`${{ github.sha }}` and `$CI_COMMIT_SHA` both `⟨sha⟩`),
    /// secrets and variables `⟨var:NAME⟩`, matrix values `⟨matrix:name⟩` (name lower-cased, `-` as `_`).
    ///
    /// Both dialects' syntaxes are read whatever `dialect` says, because translated text mixes them
    /// (a GitHub script keeps `$CI_COMMIT_SHA` with an env entry). `matrixAxes` names GitLab matrix
    /// variables. Whitespace runs collapse to one space. Idempotent.
    public static func neutral(_ text: String, dialect: Platform, matrixAxes: Set<String> = []) -> String {
        neutralForm(text, matrixAxes: matrixAxes)
    }

    /// Whether a GitHub context (`github.event.pull_request.title`) holds text a person outside the
    /// project can choose, so that it must reach a script only through an environment variable.
    public static func isUntrustedContext(_ path: String) -> Bool {
        guard let e = try? ExpressionParser.parseGitHub(path.unwrappingGitHubExpression), let p = e.dottedPath else { return false }
        return ContextTable.isUntrusted(path: p)
    }

    /// The syntax error in an expression (GitHub `if:` without `${{ }}`, or GitLab `rules:if`), if any.
    public static func syntaxError(in expression: String, dialect: Platform) -> ExpressionError? {
        do {
            _ = try ExpressionParser.parse(dialect == .github ? expression.unwrappingGitHubExpression : expression, dialect: dialect)
            return nil
        } catch {
            return error
        }
    }

    /// The variable that carries a GitHub output on GitLab: a job output (`needs.build.outputs.image-tag`
    /// → `IMAGE_TAG`, exported by the producing job through `artifacts:reports:dotenv`) or, with
    /// `step`, a step output (`steps.meta.outputs.tags` → `META_TAGS`, exported by an earlier line).
    public static func variableName(forOutput name: String, step: String? = nil) -> String {
        variableName(forMatrixAxis: step.map { $0 + "_" + name } ?? name)
    }

    /// `name` with every character GitLab does not allow in a variable name replaced by `_`, case kept.
    static func safeVariableName(_ name: String) -> String {
        guard !name.utf8.allSatisfy({ Lexer.isIdentChar($0, dash: false) }) || name.utf8.first.map(Lexer.isDigit) == true else { return name }
        var out = String(name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_" })
        if let f = out.first, f.isNumber { out = "_" + out }
        return out
    }

    /// The environment variable name a matrix axis gets on GitLab (`node-version` → `NODE_VERSION`).
    public static func variableName(forMatrixAxis axis: String) -> String {
        var out = ""
        for ch in axis.unicodeScalars {
            if ch.isASCII, ch.properties.isAlphabetic || ("0"..."9").contains(ch) { out.unicodeScalars.append(ch) } else { out += "_" }
        }
        if let f = out.first, f.isNumber { out = "_" + out }
        return out.uppercased()
    }
}
