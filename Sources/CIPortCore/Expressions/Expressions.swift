import Foundation

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
    /// Translates a string that may hold expressions (`${{ … }}` on GitHub, `$VAR`/`${VAR}` on GitLab)
    /// from one dialect to the other. In `.script` context targeting GitHub the result never holds
    /// `${{ }}`: values come in through `env` (zizmor's template-injection rule).
    public static func translateText(_ text: String, from: Platform, to: Platform, context: Context) -> TextResult {
        // Placeholder until the expression translator lands: unchanged, flagged for review.
        from == to ? TextResult(text: text) : TextResult(text: text, fidelity: .needsReview, notes: ["expression not translated"])
    }

    /// Translates a condition: a GitHub `if:` (with or without `${{ }}`) into a GitLab `rules:if`
    /// expression and `when:`, or a GitLab `rules:if` expression (with the rule's `when`) into a GitHub `if:`.
    public static func translateCondition(_ expression: String, when: When? = nil, from: Platform, to: Platform) -> ConditionResult {
        ConditionResult(expression: expression, when: when, fidelity: .needsReview, notes: ["condition not translated"])
    }

    /// A dialect-free form of a string for comparing pipelines (facts): known contexts and predefined
    /// variables become `⟨name⟩` placeholders (`${{ github.sha }}` and `$CI_COMMIT_SHA` both `⟨sha⟩`),
    /// secrets and variables `⟨var:NAME⟩`, matrix values `⟨matrix:name⟩` (name lower-cased, `-` as `_`).
    public static func neutral(_ text: String, dialect: Platform, matrixAxes: Set<String> = []) -> String {
        text
    }

    /// The environment variable name a matrix axis gets on GitLab (`node-version` → `NODE_VERSION`).
    public static func variableName(forMatrixAxis axis: String) -> String {
        var out = ""
        for ch in axis.unicodeScalars {
            if CharacterSet.alphanumerics.contains(ch) && ch.isASCII { out.unicodeScalars.append(ch) } else { out += "_" }
        }
        if let f = out.first, f.isNumber { out = "_" + out }
        return out.uppercased()
    }
}
