import Testing
@testable import CIPortCore

// MARK: - Parsing

struct ExpressionParserTests {
    /// GitHub source → the tree printed back in GitHub syntax (canonical spacing and parentheses).
    static let github: [(String, String)] = [
        ("github.sha", "github.sha"),
        ("github.event.pull_request.title", "github.event.pull_request.title"),
        ("matrix.node-version", "matrix.node-version"),
        ("matrix['node-version']", "matrix.node-version"),
        ("github['event']['head_commit'].message", "github.event.head_commit.message"),
        ("github.event.pull_request.labels.*.name", "github.event.pull_request.labels.*.name"),
        ("'it''s'", "'it''s'"),
        ("42", "42"),
        ("-1.5", "-1.5"),
        ("0xff", "255"),
        ("true && !false", "true && !false"),
        ("null", "null"),
        ("github.ref == 'refs/heads/main'", "github.ref == 'refs/heads/main'"),
        ("(github.ref == 'x' || github.ref == 'y') && success()", "(github.ref == 'x' || github.ref == 'y') && success()"),
        ("!(github.event_name == 'push')", "!(github.event_name == 'push')"),
        ("github.run_number >= 10", "github.run_number >= 10"),
        ("STARTSWITH(github.ref, 'refs/tags/')", "startsWith(github.ref, 'refs/tags/')"),
        ("contains(github.event.pull_request.labels.*.name, 'bug')", "contains(github.event.pull_request.labels.*.name, 'bug')"),
        ("format('{0}-{1}', github.repository, matrix.os)", "format('{0}-{1}', github.repository, matrix.os)"),
        ("fromJSON(needs.setup.outputs.matrix).include", "fromJSON(needs.setup.outputs.matrix).include"),
        ("hashFiles('**/package-lock.json', '**/yarn.lock')", "hashFiles('**/package-lock.json', '**/yarn.lock')"),
        ("steps.build-1.outputs.digest", "steps.build-1.outputs.digest"),
        ("Github.SHA", "github.SHA"),
        ("join(matrix.*, ', ')", "join(matrix.*, ', ')"),
    ]

    @Test(arguments: github)
    func parsesGitHub(source: String, printed: String) throws {
        let e = try ExpressionParser.parseGitHub(source)
        #expect(e.github == printed)
        // Printing is a fixed point: what we print parses back to the same tree.
        #expect(try ExpressionParser.parseGitHub(printed) == e)
    }

    static let gitlab: [(String, String)] = [
        ("$CI_COMMIT_BRANCH == \"main\"", "$CI_COMMIT_BRANCH == \"main\""),
        ("$CI_COMMIT_BRANCH == 'main'", "$CI_COMMIT_BRANCH == \"main\""),
        ("${CI_COMMIT_TAG}", "$CI_COMMIT_TAG"),
        ("$CI_COMMIT_TAG == null", "$CI_COMMIT_TAG == null"),
        ("$CI_COMMIT_BRANCH =~ /^release\\/.*$/", "$CI_COMMIT_BRANCH =~ /^release\\/.*$/"),
        ("$CI_COMMIT_MESSAGE !~ /skip/i", "$CI_COMMIT_MESSAGE !~ /skip/i"),
        ("$A && $B || $C", "$A && $B || $C"),
        ("$A && ($B || $C)", "$A && ($B || $C)"),
        ("($CI_PIPELINE_SOURCE == \"push\" || $CI_PIPELINE_SOURCE == \"web\") && $CI_COMMIT_BRANCH", "($CI_PIPELINE_SOURCE == \"push\" || $CI_PIPELINE_SOURCE == \"web\") && $CI_COMMIT_BRANCH"),
        ("$X == \"say \\\"hi\\\"\"", "$X == \"say \\\"hi\\\"\""),
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
    ]

    @Test(arguments: gitlab)
    func parsesGitLab(source: String, printed: String) throws {
        let e = try ExpressionParser.parseGitLab(source)
        #expect(e.gitlab == printed)
        #expect(try ExpressionParser.parseGitLab(printed) == e)
    }

    /// Source, dialect, expected column, a fragment of the message.
    static let errors: [(String, Platform, Int, String)] = [
        ("github.ref == \"main\"", .github, 15, "single quotes"),
        ("github.ref = 'main'", .github, 12, "use =="),
        ("foo.bar", .github, 1, "unrecognized named value 'foo'"),
        ("bogus(github.ref)", .github, 1, "unknown function 'bogus'"),
        ("startsWith(github.ref)", .github, 1, "startsWith takes 2 arguments, not 1"),
        ("github.ref == 'main", .github, 15, "unterminated string"),
        ("(github.ref == 'x'", .github, 19, "expected ')'"),
        ("github.ref &", .github, 12, "use &&"),
        ("github.", .github, 8, "expected a property name"),
        ("success() success()", .github, 11, "unexpected 'success'"),
        ("", .github, 1, "expected a value"),
        ("$CI_COMMIT_BRANCH = \"main\"", .gitlab, 19, "use =="),
        ("!$CI_COMMIT_TAG", .gitlab, 1, "no '!' operator"),
        ("$CI_COMMIT_BRANCH =~ /^release", .gitlab, 22, "unterminated regular expression"),
        ("$A == \"x\" == \"y\"", .gitlab, 11, "cannot chain comparisons"),
        ("CI_COMMIT_BRANCH == \"main\"", .gitlab, 1, "start with '$'"),
        ("$ == \"x\"", .gitlab, 1, "expected a variable name"),
        ("$X =~ /a/z", .gitlab, 10, "unknown regular expression flag 'z'"),
        ("é == 'x'", .github, 1, "unexpected character 'é'"),
        ("'é' == x", .github, 8, "unrecognized named value 'x'"),
    ]

    @Test(arguments: errors)
    func reportsErrorColumn(source: String, dialect: Platform, column: Int, message: String) {
        let err = Expressions.syntaxError(in: source, dialect: dialect)
        #expect(err?.column == column, "\(String(describing: err))")
        #expect(err?.message.contains(message) == true, "\(String(describing: err))")
    }

    @Test func errorBecomesInputErrorAtFilePosition() throws {
        let err = try #require(Expressions.syntaxError(in: "github.ref = 'x'", dialect: .github))
        let input = err.inputError(expressionAt: SourcePos(file: "ci.yml", line: 12, column: 9))
        #expect(input.description == "ci.yml:12:20: error: '=' is not an operator; use ==")
    }
}

// MARK: - Text

struct TranslateTextTests {
    /// GitHub text, context, expected GitLab text, expected fidelity.
    static let githubToGitLabCases: [(String, Expressions.Context, String, Fidelity)] = [
        ("${{ github.sha }}", .value, "$CI_COMMIT_SHA", .translated),
        ("v-${{ github.sha }}", .value, "v-$CI_COMMIT_SHA", .translated),
        ("${{ github.sha }}abc", .value, "${CI_COMMIT_SHA}abc", .translated),
        ("${{ github.ref_name }}-${{ github.run_number }}", .value, "$CI_COMMIT_REF_NAME-$CI_PIPELINE_IID", .translated),
        ("${{ github.ref }}", .value, "$CI_COMMIT_REF_NAME", .approximated),
        ("${{ secrets.NPM_TOKEN }}", .value, "$NPM_TOKEN", .needsReview),
        ("${{ secrets.GITHUB_TOKEN }}", .value, "$CI_JOB_TOKEN", .approximated),
        ("${{ vars.REGION }}", .value, "$REGION", .translated),
        ("${{ env.NODE_ENV }}", .value, "$NODE_ENV", .translated),
        ("node:${{ matrix.node-version }}", .value, "node:$NODE_VERSION", .translated),
        ("${{ inputs.environment }}", .value, "$[[ inputs.environment ]]", .translated),
        ("${{ github.event.inputs.environment }}", .value, "$[[ inputs.environment ]]", .translated),
        ("${{ needs.build.outputs.image-tag }}", .value, "$IMAGE_TAG", .needsReview),
        ("${{ steps.meta.outputs.tags }}", .value, "$META_TAGS", .needsReview),
        ("${{ env.cache-name }}", .value, "$cache_name", .approximated),
        ("${{ env.GITHUB_WORKSPACE }}/out", .value, "$CI_PROJECT_DIR/out", .translated),
        ("${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}", .value, "Linux-node-${{ hashFiles('**/package-lock.json') }}", .needsReview),
        ("${{ format('{0}/{1}', github.server_url, github.repository) }}", .value, "$CI_SERVER_URL/$CI_PROJECT_PATH", .translated),
        ("${{ format('{{0}}-{0}', github.sha) }}", .value, "{0}-$CI_COMMIT_SHA", .translated),
        ("${{ github.workflow }}-${{ github.head_ref || github.ref_name }}", .value, "$CI_PIPELINE_NAME-$CI_COMMIT_REF_NAME", .approximated),
        ("${{ 'literal' }}", .value, "literal", .translated),
        ("${{ toJSON(github) }}", .value, "${{ toJSON(github) }}", .needsReview),
        ("${{ github.event.issue.title }}", .value, "${{ github.event.issue.title }}", .needsReview),
        ("${{ job.status }}", .value, "${{ job.status }}", .lost),
        ("${{ github.ref == 'x' }", .value, "${{ github.ref == 'x' }", .needsReview),
        ("no expressions here", .value, "no expressions here", .translated),
        ("costs $5", .value, "costs $5", .translated),
        // Scripts: shell variables are safe, quoting is respected.
        ("echo \"${{ github.event.pull_request.title }}\"", .script, "echo \"$CI_MERGE_REQUEST_TITLE\"", .translated),
        ("echo '${{ github.sha }}'", .script, "echo ''\"${CI_COMMIT_SHA}\"''", .translated),
        ("echo ${{ inputs.name || 'world' }}", .script, "echo ${{ inputs.name || 'world' }}", .needsReview),
        ("echo ${{ env.NAME || 'world' }}", .script, "echo ${NAME:-world}", .approximated),
        ("echo $GITHUB_SHA ${GITHUB_REF_NAME}", .script, "echo $CI_COMMIT_SHA ${CI_COMMIT_REF_NAME}", .translated),
        ("echo '$GITHUB_SHA'", .script, "echo '$GITHUB_SHA'", .translated),
        ("echo \\$GITHUB_SHA", .script, "echo \\$GITHUB_SHA", .translated),
        ("echo \"tag=v1\" >> $GITHUB_OUTPUT", .script, "echo \"tag=v1\" >> $GITHUB_OUTPUT", .needsReview),
        ("npm test -- --shard=${{ matrix.shard }}/${{ strategy.job-total }}", .script, "npm test -- --shard=$SHARD/$CI_NODE_TOTAL", .translated),
    ]

    @Test(arguments: githubToGitLabCases)
    func githubToGitLab(source: String, context: Expressions.Context, expected: String, fidelity: Fidelity) {
        let r = Expressions.translateText(source, from: .github, to: .gitlab, context: context)
        #expect(r.text == expected)
        #expect(r.fidelity == fidelity, "\(r.notes)")
        #expect(r.fidelity == .translated ? r.notes.isEmpty : !r.notes.isEmpty)
    }

    @Test func runnerOSInScriptComesThroughVariables() {
        let r = Expressions.translateText("echo $RUNNER_OS", from: .github, to: .gitlab, context: .script)
        #expect(r.text == "echo $RUNNER_OS")
        #expect(r.env.map { "\($0.key)=\($0.value)" } == ["RUNNER_OS=Linux"])
        #expect(r.fidelity == .approximated)
    }

    @Test func inputsAsVariables() {
        // Case is kept: the GitLab writer declares the input as a pipeline variable under this name.
        let r = Expressions.translateText("${{ inputs.dry-run }}", from: .github, to: .gitlab, context: .value, inputs: .variable)
        #expect(r.text == "$dry_run")
        let d = Expressions.translateText("gcloud --region ${{ inputs.region || 'europe-west1' }}", from: .github, to: .gitlab,
                                          context: .script, inputs: .variable)
        #expect(d.text == "gcloud --region ${region:-europe-west1}")
        let c = Expressions.translateCondition("!inputs.dry-run", from: .github, to: .gitlab, inputs: .variable)
        #expect(c.expression == "$dry_run == null || $dry_run == \"\" || $dry_run == \"false\"")
    }

    @Test func untranslatableConditionIsFlaggedAsSourceDialect() {
        let r = Expressions.translateCondition("github.event.pull_request.draft == false", from: .github, to: .gitlab)
        #expect(r.untranslated)
        let ok = Expressions.translateCondition("github.ref == 'refs/heads/main'", from: .github, to: .gitlab)
        #expect(!ok.untranslated)
    }

    /// GitLab text, context, expected GitHub text, expected env entries, fidelity.
    static let gitlabToGitHubCases: [(String, Expressions.Context, String, [String], Fidelity)] = [
        ("$CI_COMMIT_SHA", .value, "${{ github.sha }}", [], .translated),
        ("${CI_COMMIT_SHA}abc", .value, "${{ github.sha }}abc", [], .translated),
        ("$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_NAME", .value, "${{ format('ghcr.io/{0}', github.repository) }}:${{ github.ref_name }}", [], .approximated),
        ("$CI_REGISTRY", .value, "ghcr.io", [], .approximated),
        ("$CI_PIPELINE_URL", .value, "${{ format('{0}/{1}/actions/runs/{2}', github.server_url, github.repository, github.run_id) }}", [], .translated),
        ("$NODE_ENV", .value, "${{ env.NODE_ENV }}", [], .translated),
        ("$DEPLOY_TOKEN", .value, "${{ secrets.DEPLOY_TOKEN }}", [], .needsReview),
        ("$AWS_REGION", .value, "${{ vars.AWS_REGION }}", [], .needsReview),
        ("node:$NODE_VERSION", .value, "node:${{ matrix.NODE_VERSION }}", [], .translated),
        ("$[[ inputs.stage ]]", .value, "${{ inputs.stage }}", [], .translated),
        ("price: $$5", .value, "price: $5", [], .translated),
        ("$CI_COMMIT_REF_SLUG", .value, "$CI_COMMIT_REF_SLUG", [], .needsReview),
        ("${{ not an expression }}", .value, "${{ '${{' }} not an expression }}", [], .translated),
        // Scripts keep `$NAME`; values arrive through env.
        ("echo $CI_COMMIT_SHA", .script, "echo $CI_COMMIT_SHA", ["CI_COMMIT_SHA=${{ github.sha }}"], .translated),
        ("echo \"$CI_MERGE_REQUEST_TITLE\"", .script, "echo \"$CI_MERGE_REQUEST_TITLE\"", ["CI_MERGE_REQUEST_TITLE=${{ github.event.pull_request.title }}"], .translated),
        ("echo $NODE_ENV $HOME", .script, "echo $NODE_ENV $HOME", [], .translated),
        ("docker login -p $REGISTRY_PASSWORD", .script, "docker login -p $REGISTRY_PASSWORD", ["REGISTRY_PASSWORD=${{ secrets.REGISTRY_PASSWORD }}"], .needsReview),
        ("VERSION=$(cat VERSION); echo $VERSION", .script, "VERSION=$(cat VERSION); echo $VERSION", [], .translated),
        ("for f in *.txt; do echo $f; done", .script, "for f in *.txt; do echo $f; done", [], .translated),
        ("echo \\$CI_COMMIT_SHA $$", .script, "echo \\$CI_COMMIT_SHA $$", [], .translated),
        ("deploy --stage $[[ inputs.stage ]]", .script, "deploy --stage ${INPUT_STAGE}", ["INPUT_STAGE=${{ inputs.stage }}"], .translated),
        ("echo '${{ x }}'", .script, "echo '$\\{{ x }}'", [], .needsReview),
        ("test $NODE_VERSION", .script, "test $NODE_VERSION", ["NODE_VERSION=${{ matrix.NODE_VERSION }}"], .translated),
    ]

    @Test(arguments: gitlabToGitHubCases)
    func gitlabToGitHub(source: String, context: Expressions.Context, expected: String, env: [String], fidelity: Fidelity) {
        let r = Expressions.translateText(source, from: .gitlab, to: .github, context: context,
                                          defined: ["NODE_ENV"], matrixAxes: ["NODE_VERSION"])
        #expect(r.text == expected)
        #expect(r.env.map { "\($0.key)=\($0.value)" } == env)
        #expect(r.fidelity == fidelity, "\(r.notes)")
    }

    @Test func sameDialectIsUnchanged() {
        let r = Expressions.translateText("${{ github.sha }}", from: .github, to: .github, context: .script)
        #expect(r == Expressions.TextResult(text: "${{ github.sha }}"))
    }
}

// MARK: - Injection safety

struct InjectionSafetyTests {
    /// Contexts a person outside the project controls (GitHub's hardening guide, zizmor).
    static let untrusted = [
        "github.event.issue.title", "github.event.issue.body", "github.event.pull_request.title",
        "github.event.pull_request.body", "github.event.comment.body", "github.event.review.body",
        "github.event.review_comment.body", "github.event.pages.*.page_name", "github.event.commits.*.message",
        "github.event.head_commit.message", "github.event.head_commit.author.email", "github.event.head_commit.author.name",
        "github.event.commits.*.author.email", "github.event.commits.*.author.name", "github.event.pull_request.head.ref",
        "github.event.pull_request.head.label", "github.event.pull_request.head.repo.default_branch", "github.head_ref",
        "github.event.workflow_run.head_branch", "github.event.workflow_run.head_commit.message",
        "github.event.discussion.title", "github.event.discussion.body",
    ]

    @Test(arguments: untrusted)
    func untrustedContextIsRecognised(path: String) {
        #expect(Expressions.isUntrustedContext(path))
    }

    @Test(arguments: ["github.sha", "github.run_id", "matrix.os", "github.repository"])
    func trustedContextIsNotFlagged(path: String) {
        #expect(!Expressions.isUntrustedContext(path))
    }

    /// GitLab scripts that use the GitLab counterparts of the untrusted contexts, and a few more.
    static let gitlabScripts = [
        "echo \"$CI_MERGE_REQUEST_TITLE\"", "echo $CI_MERGE_REQUEST_DESCRIPTION", "git log -1 --format=%s $CI_COMMIT_MESSAGE",
        "echo ${CI_COMMIT_TITLE}", "echo $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "echo $CI_COMMIT_AUTHOR",
        "curl -d \"$CI_COMMIT_MESSAGE\" https://example.com", "echo '${{ github.event.issue.title }}'",
        "echo ${{github.event.pull_request.body}}", "deploy $[[ inputs.target ]]", "echo $CI_COMMIT_REF_NAME $CI_COMMIT_BRANCH",
        "printf '%s' \"$CI_MERGE_REQUEST_LABELS\"", "echo $CI_REGISTRY_IMAGE", "echo ${CI_PIPELINE_URL}",
        "echo $CUSTOM_SETTING", "echo $CI_COMMIT_TAG", "cat <<EOF\n$CI_MERGE_REQUEST_TITLE\nEOF",
        "echo $${CI_COMMIT_MESSAGE}", "echo \\${{ x }}", "run ${{ a }} ${{ b }}",
    ]

    @Test(arguments: gitlabScripts)
    func noExpressionInGitHubScripts(script: String) {
        let r = Expressions.translateText(script, from: .gitlab, to: .github, context: .script)
        #expect(!r.text.contains("${{"), "\(r.text)")
    }

    @Test(arguments: untrusted)
    func githubUntrustedBecomesShellVariableOrStaysFlagged(path: String) {
        let r = Expressions.translateText("echo \"${{ \(path) }}\"", from: .github, to: .gitlab, context: .script)
        // Either a shell variable (safe) or left for review; never pasted as a value into the script.
        #expect(r.text.contains("$CI_") || r.fidelity >= .needsReview, "\(r.text)")
    }
}

// MARK: - Conditions

struct TranslateConditionTests {
    /// GitHub `if:`, expected GitLab expression, expected when, fidelity.
    static let githubToGitLabCases: [(String, String?, When?, Fidelity)] = [
        ("github.ref == 'refs/heads/main'", "$CI_COMMIT_BRANCH == \"main\"", nil, .translated),
        ("${{ github.ref == 'refs/heads/main' }}", "$CI_COMMIT_BRANCH == \"main\"", nil, .translated),
        ("github.ref != 'refs/heads/main'", "$CI_COMMIT_BRANCH != \"main\"", nil, .translated),
        ("'refs/heads/main' == github.ref", "$CI_COMMIT_BRANCH == \"main\"", nil, .translated),
        ("github.ref == 'refs/tags/v1'", "$CI_COMMIT_TAG == \"v1\"", nil, .translated),
        ("startsWith(github.ref, 'refs/tags/')", "$CI_COMMIT_TAG", nil, .translated),
        ("startsWith(github.ref, 'refs/tags/v')", "$CI_COMMIT_TAG =~ /^v/", nil, .translated),
        ("!startsWith(github.ref, 'refs/tags/')", "$CI_COMMIT_TAG == null", nil, .translated),
        ("startsWith(github.ref, 'refs/heads/release/')", "$CI_COMMIT_BRANCH =~ /^release\\//", nil, .translated),
        ("github.event_name == 'push'", "$CI_PIPELINE_SOURCE == \"push\"", nil, .translated),
        ("github.event_name == 'pull_request'", "$CI_PIPELINE_SOURCE == \"merge_request_event\"", nil, .translated),
        ("github.event_name == 'schedule'", "$CI_PIPELINE_SOURCE == \"schedule\"", nil, .translated),
        ("github.event_name == 'workflow_dispatch'", "$CI_PIPELINE_SOURCE == \"web\"", nil, .approximated),
        ("github.event_name != 'pull_request'", "$CI_PIPELINE_SOURCE != \"merge_request_event\"", nil, .translated),
        ("github.event_name == 'issues'", "github.event_name == 'issues'", nil, .lost),
        ("success()", nil, .onSuccess, .translated),
        ("always()", nil, .always, .translated),
        ("failure()", nil, .onFailure, .translated),
        ("cancelled()", nil, .never, .lost),
        ("!cancelled()", nil, .always, .approximated),
        ("success() || failure()", nil, .always, .approximated),
        ("success() && github.ref == 'refs/heads/main'", "$CI_COMMIT_BRANCH == \"main\"", .onSuccess, .translated),
        ("always() && github.event_name == 'push'", "$CI_PIPELINE_SOURCE == \"push\"", .always, .translated),
        ("github.event_name == 'push' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/'))",
         "$CI_PIPELINE_SOURCE == \"push\" && ($CI_COMMIT_BRANCH == \"main\" || $CI_COMMIT_TAG)", nil, .translated),
        ("!(github.event_name == 'push' && github.ref == 'refs/heads/main')",
         "$CI_PIPELINE_SOURCE != \"push\" || $CI_COMMIT_BRANCH != \"main\"", nil, .translated),
        ("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", nil, .translated),
        ("github.repository == 'octo/app'", "$CI_PROJECT_PATH == \"octo/app\"", nil, .translated),
        ("github.repository_owner == 'octo'", "$CI_PROJECT_NAMESPACE == \"octo\"", nil, .approximated),
        ("contains(github.event.head_commit.message, '[skip ci]')", "$CI_COMMIT_MESSAGE =~ /\\[skip ci\\]/", nil, .translated),
        ("!contains(github.event.head_commit.message, 'wip')", "$CI_COMMIT_MESSAGE !~ /wip/", nil, .translated),
        ("endsWith(github.ref_name, '-rc')", "$CI_COMMIT_REF_NAME =~ /-rc$/", nil, .translated),
        ("endsWith(github.ref, '/main')", "endsWith(github.ref, '/main')", nil, .needsReview),
        ("contains(github.ref, 'hotfix')", "$CI_COMMIT_REF_NAME =~ /hotfix/", nil, .approximated),
        ("github.event.pull_request.head.repo.full_name == github.repository",
         "$CI_MERGE_REQUEST_SOURCE_PROJECT_PATH == $CI_PROJECT_PATH", nil, .translated),
        ("github.event.pull_request.draft == false", "github.event.pull_request.draft == false", nil, .needsReview),
        ("contains(fromJSON('[\"main\", \"develop\"]'), github.ref_name)", "$CI_COMMIT_REF_NAME =~ /^(main|develop)$/", nil, .translated),
        ("contains(github.event.pull_request.labels.*.name, 'deploy')", "$CI_MERGE_REQUEST_LABELS =~ /(^|,)deploy(,|$)/", nil, .approximated),
        ("vars.DEPLOY_ENABLED == 'true'", "$DEPLOY_ENABLED == \"true\"", nil, .translated),
        ("matrix.os == 'ubuntu-latest'", "$OS == \"ubuntu-latest\"", nil, .translated),
        ("inputs.dry-run", "\"$[[ inputs.dry-run ]]\" == \"true\"", nil, .approximated),
        ("github.head_ref", "$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", nil, .translated),
        ("!github.head_ref", "$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME == null", nil, .translated),
        ("!env.SKIP", "$SKIP == null || $SKIP == \"\"", nil, .translated),
        ("true", nil, nil, .translated),
        ("false", nil, .never, .translated),
        ("steps.check.outputs.changed == 'true'", "steps.check.outputs.changed == 'true'", nil, .lost),
        ("needs.build.result == 'success'", "needs.build.result == 'success'", nil, .lost),
        ("github.run_number > 5", "github.run_number > 5", nil, .needsReview),
        ("always() || github.ref == 'x'", "always() || github.ref == 'x'", nil, .needsReview),
        ("github.ref = 'x'", "github.ref = 'x'", nil, .needsReview),
    ]

    @Test(arguments: githubToGitLabCases)
    func githubToGitLab(source: String, expression: String?, when: When?, fidelity: Fidelity) throws {
        let r = Expressions.translateCondition(source, from: .github, to: .gitlab)
        #expect(r.expression == expression)
        #expect(r.when == when)
        #expect(r.fidelity == fidelity, "\(r.notes)")
        #expect(r.fidelity == .translated ? r.notes.isEmpty : !r.notes.isEmpty)
        // Everything translated parses as GitLab.
        if r.fidelity <= .approximated, let e = r.expression { #expect(Expressions.syntaxError(in: e, dialect: .gitlab) == nil) }
    }

    /// GitLab `rules:if`, rule when, expected GitHub `if:`, when handed back, fidelity.
    static let gitlabToGitHubCases: [(String, When?, String?, When?, Fidelity)] = [
        ("$CI_COMMIT_BRANCH == \"main\"", nil, "github.ref == 'refs/heads/main'", nil, .translated),
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", nil, "github.ref_name == github.event.repository.default_branch", nil, .approximated),
        ("$CI_PIPELINE_SOURCE == \"merge_request_event\"", nil, "github.event_name == 'pull_request'", nil, .translated),
        ("$CI_PIPELINE_SOURCE == \"web\"", nil, "github.event_name == 'workflow_dispatch'", nil, .approximated),
        ("$CI_PIPELINE_SOURCE == \"chat\"", nil, "$CI_PIPELINE_SOURCE == \"chat\"", nil, .lost),
        ("$CI_COMMIT_TAG", nil, "startsWith(github.ref, 'refs/tags/')", nil, .translated),
        ("$CI_COMMIT_TAG == null", nil, "!startsWith(github.ref, 'refs/tags/')", nil, .translated),
        ("$CI_MERGE_REQUEST_IID", nil, "github.event_name == 'pull_request'", nil, .translated),
        ("$CI_COMMIT_TAG =~ /^v\\d+/", nil, "$CI_COMMIT_TAG =~ /^v\\d+/", nil, .needsReview),
        ("$CI_COMMIT_BRANCH =~ /^release\\/.*$/", nil, "startsWith(github.ref, 'refs/heads/release/')", nil, .translated),
        ("$CI_COMMIT_BRANCH =~ /^(main|develop)$/", nil, "github.ref == 'refs/heads/main' || github.ref == 'refs/heads/develop'", nil, .translated),
        ("$CI_COMMIT_REF_NAME =~ /-rc$/", nil, "endsWith(github.ref_name, '-rc')", nil, .translated),
        ("$CI_COMMIT_MESSAGE =~ /\\[skip deploy\\]/", nil, "contains(github.event.head_commit.message, '[skip deploy]')", nil, .translated),
        ("$CI_COMMIT_MESSAGE !~ /wip/i", nil, "!contains(github.event.head_commit.message, 'wip')", nil, .translated),
        ("$CI_PIPELINE_SOURCE =~ /^(push|schedule)$/", nil, "github.event_name == 'push' || github.event_name == 'schedule'", nil, .translated),
        ("$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", nil, "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", nil, .needsReview),
        ("$CI_PIPELINE_SOURCE == \"push\" && ($CI_COMMIT_BRANCH == \"main\" || $CI_COMMIT_TAG)", nil,
         "github.event_name == 'push' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/'))", nil, .translated),
        ("$DEPLOY == \"true\"", nil, "env.DEPLOY == 'true'", nil, .approximated),
        ("$FEATURE_FLAG", nil, "vars.FEATURE_FLAG", nil, .needsReview),
        ("$NODE_VERSION == \"20\"", nil, "matrix.NODE_VERSION == '20'", nil, .translated),
        ("$CI_COMMIT_BRANCH == \"main\"", .always, "always() && github.ref == 'refs/heads/main'", nil, .translated),
        ("", .always, "always()", nil, .translated),
        ("", .onFailure, "failure()", nil, .translated),
        ("$CI_COMMIT_TAG", .onFailure, "failure() && startsWith(github.ref, 'refs/tags/')", nil, .translated),
        ("$CI_PIPELINE_SOURCE == \"schedule\"", .never, "github.event_name != 'schedule'", nil, .translated),
        ("$CI_COMMIT_TAG", .never, "!startsWith(github.ref, 'refs/tags/')", nil, .translated),
        ("", .never, "false", nil, .translated),
        ("$CI_COMMIT_BRANCH == \"main\"", .manual, "github.ref == 'refs/heads/main'", .manual, .translated),
        ("", .onSuccess, nil, nil, .translated),
        ("$CI_COMMIT_BRANCH = \"main\"", nil, "$CI_COMMIT_BRANCH = \"main\"", nil, .needsReview),
    ]

    @Test(arguments: gitlabToGitHubCases)
    func gitlabToGitHub(source: String, when: When?, expression: String?, returnedWhen: When?, fidelity: Fidelity) {
        let r = Expressions.translateCondition(source, when: when, from: .gitlab, to: .github, defined: ["DEPLOY"], matrixAxes: ["NODE_VERSION"])
        #expect(r.expression == expression)
        #expect(r.when == returnedWhen)
        #expect(r.fidelity == fidelity, "\(r.notes)")
        if r.fidelity <= .approximated, let e = r.expression { #expect(Expressions.syntaxError(in: e, dialect: .github) == nil) }
    }

    /// A condition translated there and back means the same: the second translation gives the source.
    @Test(arguments: [
        "github.ref == 'refs/heads/main'", "github.event_name == 'push'", "startsWith(github.ref, 'refs/tags/')",
        "github.event_name == 'pull_request' && github.base_ref == 'main'",
    ])
    func roundTrip(source: String) throws {
        let there = Expressions.translateCondition(source, from: .github, to: .gitlab)
        let back = Expressions.translateCondition(try #require(there.expression), when: there.when, from: .gitlab, to: .github)
        #expect(back.expression == source)
    }
}

// MARK: - Neutral form

struct NeutralTests {
    /// A GitHub string and a GitLab string that mean the same must have the same neutral form.
    static let agreeing: [(String, String, String)] = [
        ("${{ github.sha }}", "$CI_COMMIT_SHA", "⟨sha⟩"),
        ("docker build -t app:${{ github.sha }} .", "docker build -t app:${CI_COMMIT_SHA} .", "docker build -t app:⟨sha⟩ ."),
        ("echo $GITHUB_SHA", "echo $CI_COMMIT_SHA", "echo ⟨sha⟩"),
        ("${{ github.ref_name }}", "$CI_COMMIT_REF_NAME", "⟨ref_name⟩"),
        ("${{ secrets.NPM_TOKEN }}", "$NPM_TOKEN", "⟨var:NPM_TOKEN⟩"),
        ("${{ vars.REGION }}", "${REGION}", "⟨var:REGION⟩"),
        ("${{ env.NODE_ENV }}", "$NODE_ENV", "⟨var:NODE_ENV⟩"),
        ("node:${{ matrix.node-version }}", "node:$NODE_VERSION", "node:⟨matrix:node_version⟩"),
        ("${{ inputs.stage }}", "$[[ inputs.stage ]]", "⟨input:stage⟩"),
        ("${{ github.event.pull_request.title }}", "$CI_MERGE_REQUEST_TITLE", "⟨pr_title⟩"),
        ("${{ secrets.GITHUB_TOKEN }}", "$CI_JOB_TOKEN", "⟨token⟩"),
        ("npm   ci\n  --prefer-offline ", "npm ci --prefer-offline", "npm ci --prefer-offline"),
        ("${{ needs.build.outputs.image-tag }}", "$IMAGE_TAG", "⟨var:IMAGE_TAG⟩"),
        ("${{github.repository}}", "$CI_PROJECT_PATH", "⟨repository⟩"),
        ("${{ steps.meta.outputs.tags }}", "$META_TAGS", "⟨var:META_TAGS⟩"),
        ("${{ env.GITHUB_WORKSPACE }}", "$CI_PROJECT_DIR", "⟨workspace⟩"),
    ]

    @Test(arguments: agreeing)
    func dialectsAgree(github: String, gitlab: String, expected: String) {
        let a = Expressions.neutral(github, dialect: .github)
        let b = Expressions.neutral(gitlab, dialect: .gitlab, matrixAxes: ["NODE_VERSION"])
        #expect(a == expected)
        #expect(b == expected)
    }

    static let idempotent = [
        "${{ github.sha }}", "${{ hashFiles('a',  'b') }}", "$$HOME \\$X", "${{ broken", "a  b\tc", "${{ format('{0}', 'x  y') }}",
        "$[[ inputs.x | expand_vars ]]", "${1} ${ x }", "⟨sha⟩",
    ]

    @Test(arguments: idempotent)
    func neutralIsIdempotent(text: String) {
        let once = Expressions.neutral(text, dialect: .github)
        #expect(Expressions.neutral(once, dialect: .github) == once)
    }

    /// Translating a string keeps its neutral form, in both directions.
    @Test(arguments: [
        "docker push app:${{ github.sha }}", "echo ${{ github.event.pull_request.title }}", "${{ secrets.TOKEN }}",
        "deploy ${{ github.repository }} ${{ github.ref_name }}",
    ])
    func translationKeepsNeutralForm(github: String) {
        let lab = Expressions.translateText(github, from: .github, to: .gitlab, context: .script)
        #expect(Expressions.neutral(lab.text, dialect: .gitlab) == Expressions.neutral(github, dialect: .github))
        let hub = Expressions.translateText(lab.text, from: .gitlab, to: .github, context: .script)
        #expect(Expressions.neutral(hub.text, dialect: .github) == Expressions.neutral(github, dialect: .github))
    }

    @Test func matrixAxisNames() {
        #expect(Expressions.variableName(forMatrixAxis: "node-version") == "NODE_VERSION")
        #expect(Expressions.variableName(forMatrixAxis: "3d") == "_3D")
        #expect(Expressions.variableName(forMatrixAxis: "os") == "OS")
    }
}

// MARK: - The table

struct ContextTableTests {
    @Test func hasAtLeastThirtyRows() {
        #expect(ContextTable.entries.count >= 30)
    }

    /// Every row's GitHub side is a valid expression and every non-translated row says why.
    @Test func rowsAreWellFormed() throws {
        for e in ContextTable.entries {
            _ = try ExpressionParser.parseGitHub(e.github)
            if e.toGitLab != .translated || e.toGitHub != .translated { #expect(e.note != nil, "\(e.github)") }
        }
    }

    @Test func everyPredefinedGitLabVariableGoesBack() throws {
        for (name, entry) in ContextTable.byGitLabVariable {
            let r = Expressions.translateText("$\(name)", from: .gitlab, to: .github, context: .value)
            #expect(!r.text.contains("$\(name)"), "\(name) → \(r.text)")
            _ = entry
        }
    }
}

// MARK: - Real workflows

import Foundation

/// Expressions found in the public corpus (`CIPORT_CORPUS`, else `../shared/corpus` beside the repository).
enum ExpressionCorpus {
    static let root: URL? = {
        let env = ProcessInfo.processInfo.environment["CIPORT_CORPUS"]
        let url = env.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    static var available: Bool { root != nil }

    static func files(_ sub: String) -> [URL] {
        guard let root, let e = FileManager.default.enumerator(at: root.appendingPathComponent(sub), includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "yml" || $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }
    }

    /// `if:` values, one per line, with YAML quotes removed.
    static func conditions(in url: URL) -> [(line: Int, text: String)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var out: [(Int, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- ") { t = String(t.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
            guard t.hasPrefix("if:") else { continue }
            var v = t.dropFirst(3).trimmingCharacters(in: .whitespaces)
            if let hash = v.range(of: " #") { v = String(v[..<hash.lowerBound]) }
            if v.count >= 2, v.first == "'", v.last == "'" { v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
            else if v.count >= 2, v.first == "\"", v.last == "\"" { v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"") }
            if !v.isEmpty, v != "|", v != ">" { out.append((n + 1, v)) }
        }
        return out
    }

    /// Every `${{ … }}` in a file, by line.
    static func expressions(in url: URL) -> [(line: Int, text: String)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var out: [(Int, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = Substring(line)
            while let r = rest.range(of: "${{") {
                guard let end = rest[r.upperBound...].range(of: "}}") else { break }
                out.append((n + 1, String(rest[r.lowerBound..<end.upperBound])))
                rest = rest[end.upperBound...]
            }
        }
        return out
    }
}

@Suite(.enabled(if: ExpressionCorpus.available, "corpus not found: set CIPORT_CORPUS"))
struct ExpressionCorpusTests {
    /// The starter workflows are valid GitHub: every expression in them must parse.
    @Test func everyGitHubExpressionParses() throws {
        let files = ExpressionCorpus.files("github-starter-workflows")
        try #require(!files.isEmpty)
        var count = 0
        for f in files {
            for (line, text) in ExpressionCorpus.expressions(in: f) + ExpressionCorpus.conditions(in: f) {
                count += 1
                let err = Expressions.syntaxError(in: text.unwrappingGitHubExpression, dialect: .github)
                #expect(err == nil, "\(f.lastPathComponent):\(line): \(text): \(String(describing: err))")
                // And translating never puts an expression into a GitLab script unflagged.
                let r = Expressions.translateText(text, from: .github, to: .gitlab, context: .script)
                #expect(!r.text.contains("${{") || r.fidelity >= .needsReview, "\(text) → \(r.text)")
            }
        }
        #expect(count > 300)
    }

    /// Every GitLab template `rules:if` parses, and every translation is valid GitHub or flagged.
    @Test func everyGitLabConditionParsesAndTranslates() throws {
        let files = ExpressionCorpus.files("gitlab-templates")
        try #require(!files.isEmpty)
        var count = 0
        for f in files {
            for (line, text) in ExpressionCorpus.conditions(in: f) {
                count += 1
                #expect(Expressions.syntaxError(in: text, dialect: .gitlab) == nil, "\(f.lastPathComponent):\(line): \(text)")
                let r = Expressions.translateCondition(text, from: .gitlab, to: .github)
                if r.fidelity <= .approximated, let e = r.expression {
                    #expect(Expressions.syntaxError(in: e, dialect: .github) == nil, "\(text) → \(e)")
                }
            }
        }
        #expect(count > 50)
    }
}

/// The one-pass reading of the names a script sets against the search per name it replaced.
struct ScriptSettingsTests {
    @Test func oneScanAnswersAsTheSearchPerName() {
        let tokens = ["FOO", "BAR", "FOO_BAR", "X9", "=", " ", "  ", "$", "{", "}", "read ", "for ", "export ", "local ", "unread ",
                      "\n", ";", "a", "é", "-", "FOOBAR", "9", "_", "readonly ", "ifor "]
        let names = ["FOO", "BAR", "FOO_BAR", "X9", "FOOBAR", "FO", "A", "HOME", "_X", "99"]
        var state: UInt64 = 3
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<6000 {
            let script = Array((0..<(next() % 12)).map { _ in tokens[next() % tokens.count] }.joined().utf8)
            let settings = GitLabToGitHub.ScriptSettings(script)
            for name in names {
                let bySearch = GitLabToGitHub.isProjectVariableBySearch(name, in: script)
                #expect((GitLabToGitHub.mayBeProjectVariable(name) && !settings.sets(name)) == bySearch,
                        "\(name) in \(String(decoding: script, as: UTF8.self).debugDescription)")
            }
        }
    }
}

struct LedgerSummaryTextTests {
    @Test func oneDecimalAsPrintf() {
        var values: [Double] = [0, 100, 99.95, 80.7, 1.0 / 3 * 100, 0.05, 0.15, 0.25, 12.345, 50.05, 66.65, 99.99, 100.0 / 7]
        for n in 1...400 { for d in 1...60 where n <= d * 100 { values.append(Double(n) * 100 / Double(d * 7)) } }
        for total in 1...300 { for k in 0...total { values.append(Double(k) * 100 / Double(total)) } }
        for v in values { #expect(Ledger.Summary.oneDecimal(v) == String(format: "%.1f", v), "\(v)") }
    }
}
