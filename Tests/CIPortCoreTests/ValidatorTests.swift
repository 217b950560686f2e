import Foundation
import Testing
@testable import CIPortCore

/// One small bad file and the diagnostic it must produce.
struct BadFile: Sendable, CustomTestStringConvertible {
    var name: String
    var platform: Platform
    var yaml: String
    var fragment: String
    var line: Int
    var column: Int
    var severity: Diagnostic.Severity = .error

    var testDescription: String { "\(platform.rawValue): \(name)" }
}

private func gl(_ name: String, _ fragment: String, _ line: Int, _ column: Int, _ yaml: String,
                _ severity: Diagnostic.Severity = .error) -> BadFile {
    BadFile(name: name, platform: .gitlab, yaml: yaml, fragment: fragment, line: line, column: column, severity: severity)
}

private func gh(_ name: String, _ fragment: String, _ line: Int, _ column: Int, _ yaml: String,
                _ severity: Diagnostic.Severity = .error) -> BadFile {
    BadFile(name: name, platform: .github, yaml: yaml, fragment: fragment, line: line, column: column, severity: severity)
}

/// A minimal valid GitHub job body, to keep the GitHub cases about one thing each.
private let ghHead = "on: push\njobs:\n"

let badFiles: [BadFile] = [
    // GitLab CI
    gl("unknown job key with suggestion", "unknown key 'scirpt' in job 'build' (did you mean 'script'?)", 2, 3,
       "build:\n  scirpt: make\n"),
    gl("script item parsed as a mapping", "has a mapping item ('echo key: …')", 3, 7,
       "build:\n  script:\n    - echo key: value\n"),
    gl("script is a mapping", "'script' of job 'build' must be a string or a list of strings, not a mapping", 3, 5,
       "build:\n  script:\n    run: make\n"),
    gl("job without script", "job 'build' has no 'script', 'trigger' or 'run'", 2, 1,
       "stages: [build]\nbuild:\n  stage: build\n"),
    gl("extends gives no script", "job 'build' has no 'script'", 3, 1,
       ".base:\n  image: alpine\nbuild:\n  extends: .base\n"),
    gl("extends unknown template", "'build' extends '.bse', which is not defined (did you mean '.base'?)", 2, 12,
       "build:\n  extends: .bse\n  script: make\n.base:\n  image: x\n"),
    gl("extends cycle", "'extends' cycle: .a → .b → .a", 4, 12,
       ".a:\n  extends: .b\n.b:\n  extends: .a\nbuild:\n  extends: .a\n  script: x\n"),
    gl("stage not declared", "stage 'deplyo' of job 'deploy' is not in 'stages'", 3, 10,
       "stages: [build, test]\ndeploy:\n  stage: deplyo\n  script: x\n"),
    gl("stage typo suggestion", "(did you mean 'build'?)", 3, 10,
       "stages: [build, test]\ncompile:\n  stage: biuld\n  script: x\n"),
    gl("default stage missing", "the default stage 'test' is not in 'stages'", 2, 1,
       "stages: [build]\nlint:\n  script: x\n"),
    gl("when value", "'when' of job 'job' must be one of on_success, on_failure, always, manual, delayed, not 'sometimes'", 3, 9,
       "job:\n  script: x\n  when: sometimes\n"),
    gl("when never outside rules", "('never' is only allowed inside 'rules')", 3, 9,
       "job:\n  script: x\n  when: never\n"),
    gl("delayed without start_in", "'when: delayed' but has no 'start_in'", 3, 9,
       "job:\n  script: x\n  when: delayed\n"),
    gl("allow_failure type", "'allow_failure' of job 'job' must be true, false or a mapping with 'exit_codes'", 3, 18,
       "job:\n  script: x\n  allow_failure: maybe\n"),
    gl("allow_failure exit codes", "must be an exit code or a list of exit codes, not 'one'", 3, 32,
       "job:\n  script: x\n  allow_failure: {exit_codes: [one]}\n"),
    gl("parallel range", "'parallel' of job 'job' must be from 1 to 200, not 300", 3, 13,
       "job:\n  script: x\n  parallel: 300\n"),
    gl("parallel matrix typo", "unknown key 'matrx' in 'parallel' of job 'job' (did you mean 'matrix'?)", 3, 14,
       "job:\n  script: x\n  parallel: {matrx: []}\n"),
    gl("timeout bare number", "'timeout' of job 'job' should be a duration", 3, 12,
       "job:\n  script: x\n  timeout: 3600\n", .warning),
    gl("retry range", "'retry' of job 'job' must be 0, 1 or 2", 3, 10,
       "job:\n  script: x\n  retry: 5\n"),
    gl("retry when reason", "unknown failure reason 'script_failur' in 'when' of 'retry' of job 'job' (did you mean 'script_failure'?)", 5, 11,
       "job:\n  script: x\n  retry:\n    max: 2\n    when: script_failur\n"),
    gl("cache scalar", "'cache' of job 'job' must be a mapping or a list of mappings, not a scalar", 3, 10,
       "job:\n  script: x\n  cache: node_modules\n"),
    gl("artifacts key typo", "unknown key 'path' in 'artifacts' of job 'job' (did you mean 'paths'?)", 4, 5,
       "job:\n  script: x\n  artifacts:\n    path: [dist]\n"),
    gl("environment without name", "'environment' of job 'job' has no 'name'", 4, 5,
       "job:\n  script: x\n  environment:\n    url: https://example.com\n"),
    gl("image mapping without name", "'image' of job 'job' has no 'name'", 3, 10,
       "job:\n  script: x\n  image: {entrypoint: [\"\"]}\n"),
    gl("needs unknown job", "job 'test' needs 'biuld', which is not defined (did you mean 'build'?)", 5, 11,
       "build:\n  script: x\ntest:\n  script: y\n  needs: [biuld]\n"),
    gl("needs later stage", "job 'build' (stage 'build') needs 'deploy', which is in the later stage 'deploy'", 4, 11,
       "build:\n  stage: build\n  script: x\n  needs: [deploy]\ndeploy:\n  stage: deploy\n  script: y\n"),
    gl("needs cycle", "'needs' cycle: a → b → a", 6, 11,
       "a:\n  script: x\n  needs: [b]\nb:\n  script: y\n  needs: [a]\n"),
    gl("needs on itself", "'needs' cycle: a → a", 3, 11,
       "a:\n  script: x\n  needs: [a]\n"),
    gl("needs entry without job", "an entry of 'needs' of job 'a' has no 'job'", 3, 11,
       "a:\n  script: x\n  needs: [{artifacts: true}]\n"),
    gl("needs hidden job", "job 'a' needs '.b', which is a hidden job", 3, 11,
       "a:\n  script: x\n  needs: [.b]\n.b:\n  script: y\n"),
    gl("dependencies unknown", "job 'a' depends on 'nope', which is not defined", 3, 18,
       "a:\n  script: x\n  dependencies: [nope]\n"),
    gl("dependencies same stage", "job 'b' depends on 'a', which is not in an earlier stage", 5, 18,
       "a:\n  script: x\nb:\n  script: y\n  dependencies: [a]\n", .warning),
    gl("dependencies later stage", "job 'b' depends on 'a', which is not in an earlier stage", 6, 18,
       "a:\n  stage: deploy\n  script: x\nb:\n  script: y\n  dependencies: [a]\n"),
    gl("top-level image without name", "'image' of the top level has no 'name'", 1, 8,
       "image: {entrypoint: ['']}\njob:\n  script: x\n"),
    gl("dependencies outside needs", "job 'b' depends on 'c', which is not in its 'needs'", 7, 18,
       "a:\n  script: x\nb:\n  stage: deploy\n  script: y\n  needs: [a]\n  dependencies: [c]\nc:\n  stage: build\n  script: z\n"),
    gl("rule key typo", "unknown key 'iff' in rule 1 of job 'job' (did you mean 'if'?)", 4, 7,
       "job:\n  script: x\n  rules:\n    - iff: $CI\n"),
    gl("rule when typo", "must be one of on_success, on_failure, always, never, manual, delayed, not 'nevr' (did you mean 'never'?)", 4, 13,
       "job:\n  script: x\n  rules:\n    - when: nevr\n"),
    gl("rules with only", "'only' cannot be used together with 'rules' in job 'job'", 3, 3,
       "job:\n  script: x\n  only: [main]\n  rules:\n    - when: always\n"),
    gl("tags scalar", "'tags' of job 'job' must be a list of strings, not a scalar", 3, 9,
       "job:\n  script: x\n  tags: docker\n"),
    gl("variables list", "'variables' of job 'job' must be a mapping, not a list", 3, 14,
       "job:\n  script: x\n  variables: [A]\n"),
    gl("service without name", "a service in 'services' of job 'job' has no 'name'", 4, 7,
       "job:\n  script: x\n  services:\n    - alias: db\n"),
    gl("misspelt top-level keyword", "job 'stage' must be a mapping of job keywords, not a list (did you mean 'stages'?)", 1, 8,
       "stage: [build]\njob:\n  script: x\n"),
    gl("empty job", "job 'job' must be a mapping of job keywords, not null", 1, 1,
       "job:\nother:\n  script: x\n"),
    gl("default with script", "unknown key 'script' in 'default' ('script' cannot be set in 'default')", 2, 3,
       "default:\n  script: x\njob:\n  script: y\n"),
    gl("workflow rule when", "'when' in rule 1 of 'workflow' must be one of always, never, not 'manual'", 3, 13,
       "workflow:\n  rules:\n    - when: manual\njob:\n  script: x\n"),
    gl("include without source", "an entry of 'include' needs one of 'local', 'project', 'template', 'remote' or 'component'", 2, 5,
       "include:\n  - file: a.yml\njob:\n  script: x\n"),
    gl("reference to unknown job", "'!reference' to '.setup', which is not defined", 2, 23,
       "job:\n  script: !reference [.setup, script]\n"),
    gl("trigger with script", "job 'job' has both 'trigger' and 'script'", 3, 3,
       "job:\n  script: x\n  trigger: group/project\n"),
    gl("typo in an extended template", "unknown key 'scirpt' in '.base' (did you mean 'script'?)", 2, 3,
       ".base:\n  scirpt: x\njob:\n  extends: .base\n  script: y\n"),
    gl("stages not a list", "'stages' must be a list of strings, not a scalar", 1, 9,
       "stages: build\njob:\n  script: x\n"),
    gl("interruptible type", "'interruptible' of job 'job' must be true or false, not 'yes please'", 3, 18,
       "job:\n  script: x\n  interruptible: yes please\n"),
    gl("needs unknown with include is a warning", "needs 'lint', which is not defined in this file", 4, 11,
       "include:\n  - template: Jobs/Test.gitlab-ci.yml\nbuild:\n  needs: [lint]\n  script: x\n", .warning),
    gl("stage unknown with include is a warning", "stage 'scan' of job 'build' is not in 'stages'", 4, 10,
       "include: {local: ci/more.yml}\nstages: [build]\nbuild:\n  stage: scan\n  script: x\n", .warning),
    gl("custom stage without stages is a warning", "stage 'review' of job 'build' is not a default stage, and this file has no 'stages'", 2, 10,
       "build:\n  stage: review\n  script: x\n", .warning),
    gl("deprecated type", "'type' is deprecated; use 'stage'", 3, 3,
       "job:\n  script: x\n  type: test\n", .warning),
    gl("spec used as a job", "unknown key 'script' in 'spec'", 2, 3,
       "spec:\n  script: crystal spec\n"),

    // GitHub Actions
    gh("unknown top-level key", "unknown top-level key 'job' (did you mean 'jobs'?)", 2, 1,
       "on: push\njob:\n  build: {}\n"),
    gh("missing on", "a workflow needs 'on:'", 1, 1,
       "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("unknown event", "unknown event 'pusj' in 'on' (did you mean 'push'?)", 1, 5,
       "on: pusj\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("branches with branches-ignore", "'on.push' cannot have both 'branches' and 'branches-ignore'", 4, 5,
       "on:\n  push:\n    branches: [main]\n    branches-ignore: [dev]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("filter not for event", "unknown key 'tags' in 'on.pull_request'", 3, 5,
       "on:\n  pull_request:\n    tags: [v1]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("cron fields", "'cron' must have 5 fields", 3, 13,
       "on:\n  schedule:\n    - cron: '0 0 * *'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("job id", "job id '1build' must start with a letter or '_'", 3, 3,
       ghHead + "  1build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("job key typo", "unknown key 'runs_on' in job 'a' (did you mean 'runs-on'?)", 4, 5,
       ghHead + "  a:\n    runs_on: ubuntu-latest\n    steps:\n      - run: x\n"),
    gh("job without runs-on", "job 'a' has no 'runs-on'", 3, 3,
       ghHead + "  a:\n    steps:\n      - run: x\n"),
    gh("step with run and uses", "step 1 of job 'a' has both 'run' and 'uses'", 7, 9,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n        uses: actions/checkout@v4\n"),
    gh("step with neither", "step 1 of job 'a' needs 'run' or 'uses'", 6, 9,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - name: nothing\n"),
    gh("step key typo", "unknown key 'wiht' in step 1 of job 'a' (did you mean 'with'?)", 7, 9,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        wiht: {node-version: 20}\n"),
    gh("duplicate step id", "duplicate step id 'x' in job 'a' (first at line 6)", 8, 13,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: x\n        run: one\n      - id: x\n        run: two\n"),
    gh("needs unknown job", "job 'b' needs 'aa', which is not a job in this workflow (did you mean 'a'?)", 8, 12,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n  b:\n    runs-on: ubuntu-latest\n    needs: aa\n    steps: [{run: x}]\n"),
    gh("needs cycle", "'needs' cycle: a → b → a", 9, 13,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    needs: [b]\n    steps: [{run: x}]\n  b:\n    runs-on: ubuntu-latest\n    needs: [a]\n    steps: [{run: x}]\n"),
    gh("unclosed expression", "'${{' without a matching '}}'", 6, 14,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }\n"),
    gh("permission level", "permission 'contents' must be one of read, write, none, not 'admin'", 2, 25,
       "on: push\npermissions: {contents: admin}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n"),
    gh("permission scope typo", "unknown permission scope 'content' in 'permissions' (did you mean 'contents'?)", 3, 3,
       "on: push\npermissions:\n  content: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n"),
    gh("permissions string", "'permissions' must be read-all, write-all or a mapping of scopes, not 'read'", 2, 14,
       "on: push\npermissions: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n"),
    gh("id-token read", "permission 'id-token' must be one of write, none, not 'read'", 6, 17,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: read\n    steps: [{run: x}]\n"),
    gh("empty matrix vector", "matrix variable 'node' has no values", 7, 15,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        node: []\n    steps: [{run: x}]\n"),
    gh("matrix not a mapping", "'matrix' of 'strategy' of job 'a' must be a mapping, not a list", 6, 15,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix: [1, 2]\n    steps: [{run: x}]\n"),
    gh("reusable call with steps", "'steps' cannot be used in job 'call', which calls a reusable workflow", 5, 5,
       ghHead + "  call:\n    uses: ./.github/workflows/build.yml\n    steps: [{run: x}]\n"),
    gh("timeout-minutes string", "'timeout-minutes' of job 'a' must be a number or an expression, not 'ten'", 5, 22,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: ten\n    steps: [{run: x}]\n"),
    gh("choice input without options", "input 'level' is a 'choice' but has no 'options'", 4, 7,
       "on:\n  workflow_dispatch:\n    inputs:\n      level:\n        type: choice\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n"),
    gh("with on a run step", "'with' in step 1 of job 'a' only applies to 'uses' steps", 7, 9,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n        with: {x: 1}\n"),
    gh("uses without ref", "'uses' of step 1 of job 'a' must be owner/repo@ref", 6, 15,
       ghHead + "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout\n"),
    gh("unknown activity type is a warning", "unknown activity type 'open' for 'pull_request' (did you mean 'opened'?)", 3, 13,
       "on:\n  pull_request:\n    types: [open]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n", .warning),
]

struct ValidatorTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus: URL = {
        if let env = ProcessInfo.processInfo.environment["CIPORT_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()
    static let hasCorpus = FileManager.default.fileExists(atPath: corpus.appendingPathComponent("gitlab-templates").path)

    static func check(_ yaml: String, _ platform: Platform) throws -> [Diagnostic] {
        try Validator.validate(text: yaml, file: "t.yml", platform: platform)
    }

    @Test(arguments: badFiles)
    func badFileGetsItsDiagnostic(_ c: BadFile) throws {
        let ds = try Self.check(c.yaml, c.platform)
        let hit = ds.contains {
            $0.message.contains(c.fragment) && $0.pos.line == c.line && $0.pos.column == c.column && $0.severity == c.severity
        }
        #expect(hit, "expected \(c.severity) at \(c.line):\(c.column) containing \"\(c.fragment)\"; got:\n\(ds.map(\.description).joined(separator: "\n"))")
    }

    @Test func badFileTableIsLargeAndCoversBothPlatforms() {
        #expect(badFiles.count >= 40)
        #expect(badFiles.filter { $0.platform == .github }.count >= 20)
        #expect(Set(badFiles.map(\.testDescription)).count == badFiles.count)
    }

    @Test func diagnosticsReadLikeACompilers() throws {
        let ds = try Self.check("build:\n  scirpt: make\n", .gitlab)
        #expect(ds.map(\.description).contains("t.yml:2:3: error: unknown key 'scirpt' in job 'build' (did you mean 'script'?)"))
    }

    // MARK: Valid files must stay quiet

    @Test(arguments: [
        // extends, several levels, through hidden jobs, and a visible parent
        ".base:\n  script: [make]\n.mid:\n  extends: .base\n  image: alpine\nbuild:\n  extends: .mid\ntest:\n  extends: build\n  stage: test\n",
        // anchors and merge keys, a hidden key holding plain data, !reference in script and rules
        ".vars: &vars\n  A: 1\n.setup:\n  script: [echo setup]\n  rules:\n    - if: $CI\n.job: &job\n  image: alpine\n  variables: *vars\nbuild:\n  <<: *job\n  script:\n    - !reference [.setup, script]\n    - make\n  rules:\n    - !reference [.setup, rules]\n    - when: manual\n",
        // needs in the same stage, optional needs, artifacts-only need mapping, parallel instance
        "a:\n  script: x\n  parallel: 3\nb:\n  script: y\n  needs:\n    - a\n    - job: missing\n      optional: true\n    - {job: a, artifacts: false}\n    - project: group/other\n      job: build\n      ref: main\n",
        // stages with .pre/.post, delayed with start_in, allow_failure exit codes, retry mapping
        "stages: [build, deploy]\nprep:\n  stage: .pre\n  script: x\nbuild:\n  stage: build\n  script: y\n  allow_failure: {exit_codes: [1, 137]}\n  retry: {max: 2, when: [runner_system_failure]}\ndeploy:\n  stage: deploy\n  script: z\n  when: delayed\n  start_in: 30 minutes\n  dependencies: [build]\n",
        // trigger job, environment mapping, cache list, parallel matrix, nested script lists
        ".cmds: &cmds [a, b]\nchild:\n  trigger:\n    include: ci/child.yml\n    strategy: depend\ndeploy:\n  script: [*cmds, c]\n  environment: {name: prod, url: 'https://x', action: start}\n  cache:\n    - key: {files: [Gemfile.lock]}\n      paths: [vendor/]\n      policy: $POLICY\n  parallel:\n    matrix:\n      - RUBY: ['3.2', '3.3']\n        OS: linux\n",
        // deep merge along extends: the parent gives the image's and environment's names
        ".deploy:\n  image: {name: alpine}\n  environment: {name: prod}\n  script: x\njob:\n  extends: .deploy\n  image: {entrypoint: ['']}\n  environment: {url: 'https://x'}\n",
        // workflow rules, default, include-only jobs referencing included definitions
        "include:\n  - template: Security/SAST.gitlab-ci.yml\nworkflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\n      when: always\ndefault:\n  image: ruby\n  retry: 1\nsast:\n  stage: test\n  variables: {SAST_EXCLUDED_PATHS: spec}\n",
    ])
    func validGitLabFilesHaveNoErrors(_ yaml: String) throws {
        let errors = try Self.check(yaml, .gitlab).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
    }

    @Test(arguments: [
        "on: [push, pull_request]\njobs:\n  build:\n    runs-on: ${{ matrix.os }}\n    timeout-minutes: ${{ inputs.t }}\n    continue-on-error: ${{ matrix.experimental }}\n    strategy:\n      matrix:\n        os: [ubuntu-latest, windows-latest]\n        include: ${{ fromJSON(inputs.extra) }}\n    steps:\n      - uses: actions/checkout@v4\n      - id: a_b\n        run: echo '}}' && echo \"${{ format('{0}}}', github.sha) }}\"\n      - uses: docker://alpine:3\n",
        "on:\n  push:\n    branches: [main, '!dev']\n    paths-ignore: ['docs/**']\n  workflow_call:\n    inputs:\n      env:\n        type: string\n        required: true\n    secrets:\n      token:\n        required: false\njobs:\n  call:\n    uses: org/repo/.github/workflows/x.yml@v1\n    secrets: inherit\n    with: {a: 1}\n  after:\n    needs: call\n    runs-on: {group: big, labels: [linux]}\n    permissions: {contents: read, id-token: write}\n    container:\n      image: node:20\n      credentials: {username: u, password: '${{ secrets.P }}'}\n    services:\n      db:\n        image: postgres\n        ports: ['5432:5432']\n    steps:\n      - run: make\n        shell: bash\n        working-directory: src\n",
    ])
    func validGitHubFilesHaveNoErrors(_ yaml: String) throws {
        let errors = try Self.check(yaml, .github).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
    }

    @Test func platformIsDetectedWhenNotGiven() throws {
        #expect(try Validator.validate(text: "build:\n  script: x\n  whn: always\n", file: "t.yml").contains { $0.message.contains("'whn'") })
        #expect(throws: InputError.self) { try Validator.validate(text: "just: text\n", file: "t.yml") }
    }

    @Test func expressionScanner() {
        #expect(ValidationSupport.unbalancedExpression("${{ a }} and ${{ b }}") == nil)
        #expect(ValidationSupport.unbalancedExpression("${{ format('}}') }}") == nil)
        #expect(ValidationSupport.unbalancedExpression("${{ 'it''s' }}") == nil)
        #expect(ValidationSupport.unbalancedExpression("${{ a ${{ b }}") != nil)
        #expect(ValidationSupport.unbalancedExpression("${{ 'open }}") != nil)
        #expect(ValidationSupport.unbalancedExpression("docker inspect -f '{{.Id}}'") == nil)
    }

    @Test func suggestions() {
        #expect(ValidationSupport.suggestion(for: "scirpt", among: GitLabChecks.jobKeywords) == "script")
        #expect(ValidationSupport.suggestion(for: "artefacts", among: GitLabChecks.jobKeywords) == "artifacts")
        #expect(ValidationSupport.suggestion(for: "zzz", among: GitLabChecks.jobKeywords) == nil)
        #expect(ValidationSupport.isIdentifier("build_1-x") && !ValidationSupport.isIdentifier("1x") && !ValidationSupport.isIdentifier(""))
    }

    // MARK: The corpus

    /// Files check-jsonschema's builtin schemas reject (checked by `schemaRejectsExactlyTheKnownFiles`),
    /// with what this validator says about them.
    static let schemaRejected: [String: String] = [
        "gitlab-templates/Crystal.gitlab-ci.yml": "a job named 'spec', now a header keyword: we agree (error)",
        "gitlab-templates/legacy-gitlab-ci-yml-2018/Crystal.gitlab-ci.yml": "same as Crystal: we agree (error)",
        "gitlab-templates/Ruby.gitlab-ci.yml": "deprecated job 'type:': we warn, GitLab still reads it",
        "gitlab-templates/legacy-gitlab-ci-yml-2018/Ruby.gitlab-ci.yml": "deprecated 'type:': we warn",
        "gitlab-templates/Flutter.gitlab-ci.yml": "coverage regex is Ruby syntax the schema's checker rejects: valid for GitLab, no error",
        "github-starter-workflows/ci/python-package-conda.yml": "strategy without matrix: GitHub runs it, no error",
    ]

    static func corpusFiles() -> [String] {
        var out: [String] = []
        for dir in ["gitlab-templates", "github-starter-workflows"] {
            let base = corpus.appendingPathComponent(dir)
            guard let e = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let rel as String in e where rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") {
                out.append("\(dir)/\(rel)")
            }
        }
        return out.sorted()
    }

    @Test(.enabled(if: hasCorpus, "corpus not found; set CIPORT_CORPUS"))
    func schemaValidCorpusFilesHaveNoErrors() throws {
        let files = Self.corpusFiles()
        #expect(files.count > 150)
        for rel in files {
            let text = try String(contentsOf: Self.corpus.appendingPathComponent(rel), encoding: .utf8)
            let platform: Platform = rel.hasPrefix("gitlab") ? .gitlab : .github
            let errors = try Validator.validate(text: text, file: rel, platform: platform).filter { $0.severity == .error }
            if let verdict = Self.schemaRejected[rel] {
                #expect(errors.isEmpty == !verdict.contains("(error)"), "\(rel): \(errors.map(\.description))")
            } else {
                #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
            }
        }
    }

    /// The list above is exact: check-jsonschema (from the project's .venv, or CIPORT_CHECK_JSONSCHEMA)
    /// rejects these files and accepts all the others. One process per platform keeps this quick.
    static let checkJSONSchema: String? = {
        let env = ProcessInfo.processInfo.environment["CIPORT_CHECK_JSONSCHEMA"]
        let candidates = [env, repoRoot.appendingPathComponent(".venv/bin/check-jsonschema").path].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(.enabled(if: hasCorpus && checkJSONSchema != nil, "needs the corpus and check-jsonschema"))
    func schemaRejectsExactlyTheKnownFiles() throws {
        let files = Self.corpusFiles()
        var rejected = Set<String>()
        for (prefix, schema) in [("gitlab", "vendor.gitlab-ci"), ("github", "vendor.github-workflows")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.checkJSONSchema!)
            p.currentDirectoryURL = Self.corpus
            p.arguments = ["--builtin-schema", schema, "-o", "text"] + files.filter { $0.hasPrefix(prefix) }
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = Pipe()
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            for line in out.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if let r = t.range(of: "::") { rejected.insert(String(t[..<r.lowerBound])) }
            }
        }
        #expect(rejected == Set(Self.schemaRejected.keys))
    }

    /// Each file read as the other platform: plenty of errors, no crash.
    @Test(.enabled(if: hasCorpus, "corpus not found; set CIPORT_CORPUS"))
    func corpusUnderTheWrongPlatformDoesNotCrash() throws {
        for rel in Self.corpusFiles() {
            let text = try String(contentsOf: Self.corpus.appendingPathComponent(rel), encoding: .utf8)
            let platform: Platform = rel.hasPrefix("gitlab") ? .github : .gitlab
            _ = try Validator.validate(text: text, file: rel, platform: platform)
        }
    }

    // MARK: Speed

    /// Thousands of jobs, each needing an undefined job and the previous one, extending a chain of
    /// templates: linear work, and suggestions stop after a budget instead of going quadratic.
    @Test func largeHostileFileStaysLinear() throws {
        var yaml = ".t0:\n  script: x\n"
        for i in 1..<200 { yaml += ".t\(i):\n  extends: .t\(i - 1)\n" }
        for i in 0..<3000 {
            yaml += "job\(i):\n  extends: .t199\n  needs: [missing\(i)\(i > 0 ? ", job\(i - 1)" : "")]\n"
        }
        let root = try #require(try YAMLLoader.load(yaml, file: "t.yml"))
        let clock = ContinuousClock()
        var ds: [Diagnostic] = []
        let t = clock.measure { ds = Validator.validate(root, platform: .gitlab) }
        #expect(ds.filter { $0.message.contains("which is not defined") }.count == 3000)
        #expect(t < .seconds(2), "\(t)")
    }

    @Test(.enabled(if: hasCorpus, "corpus not found; set CIPORT_CORPUS"))
    func validationIsFast() throws {
        let text = try String(contentsOf: Self.corpus.appendingPathComponent("gitlab-templates/Terraform/Base.gitlab-ci.yml"), encoding: .utf8)
        let root = try #require(try YAMLLoader.load(text, file: "t.yml"))
        let clock = ContinuousClock()
        let n = 200
        let t = clock.measure { for _ in 0..<n { _ = Validator.validate(root, platform: .gitlab) } }
        // Debug builds run several times slower than release; the release budget is well under 1 ms.
        #expect(t / n < .milliseconds(5), "\(t / n) per validation")
    }
}
