import Foundation
import Testing
@testable import CIPortCore

/// The shared corpus of real CI files, from CIPORT_CORPUS or `<repo>/../shared/corpus`.
private enum GitLabCorpus {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["CIPORT_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repo.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    static var templates: URL { root.appendingPathComponent("gitlab-templates") }
    static var available: Bool { FileManager.default.fileExists(atPath: templates.path) }

    /// Every `*.yml` under gitlab-templates, recursively, as paths relative to it.
    static func files() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: templates.path) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".yml") }.sorted()
    }

    /// check-jsonschema from the project's .venv (what `make test` sets up), if it is there.
    static var checkJSONSchema: URL? {
        let candidates = [repo.appendingPathComponent(".venv/bin/check-jsonschema"),
                          repo.deletingLastPathComponent().appendingPathComponent("main/.venv/bin/check-jsonschema")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// Files a test hands to `include: local`, the way the CLI's loader reads them under `--root`.
private struct MemoryLoader: SourceLoader {
    var files: [String: String]
    func load(_ path: String) throws(InputError) -> (file: String, text: String)? {
        files[path].map { (path, $0) }
    }
}

struct GitLabToGitHubTests {
    // MARK: helpers

    func convert(_ text: String, file: String = ".gitlab-ci.yml", loader: (any SourceLoader)? = nil) throws -> (YMapping, Conversion) {
        let c = try Translator.convert(text, file: file, to: .github, options: ConvertOptions(loader: loader))
        let out = try #require(try YAMLLoader.load(c.output, file: "workflow.yml")?.mapping, "\(c.output)")
        return (out, c)
    }

    func read(_ text: String, loader: (any SourceLoader)? = nil) throws -> (Pipeline, Ledger) {
        var ledger = Ledger()
        let p = try Translator.read(text, file: ".gitlab-ci.yml", from: .gitlab, options: ConvertOptions(loader: loader), ledger: &ledger)
        return (p, ledger)
    }

    func job(_ out: YMapping, _ id: String) throws -> YMapping {
        try #require(out["jobs"]?.mapping?[id]?.mapping, "no job \(id)")
    }

    func runs(_ job: YMapping) -> [String] {
        (job["steps"]?.sequence?.items ?? []).compactMap { $0.mapping?["run"]?.string }
    }

    func stepMaps(_ job: YMapping) -> [YMapping] {
        (job["steps"]?.sequence?.items ?? []).compactMap { $0.mapping }
    }

    func uses(_ job: YMapping) -> [String] {
        (job["steps"]?.sequence?.items ?? []).compactMap { $0.mapping?["uses"]?.string }
    }

    func inputError(_ text: String, loader: (any SourceLoader)? = nil) -> InputError? {
        do {
            _ = try read(text, loader: loader)
            return nil
        } catch let e as InputError {
            return e
        } catch {
            return nil
        }
    }

    // MARK: extends, anchors, !reference, include

    @Test func extendsMergesHashesAndReplacesArraysAcrossLevels() throws {
        let (p, ledger) = try read("""
        .base:
          image: ruby:3.2
          variables: {A: "1", B: "2"}
          script: [echo base]
          tags: [docker]
        .middle:
          extends: .base
          variables: {B: "middle", C: "3"}
          before_script: [bundle install]
        .other:
          script: [echo other]
        test:
          extends: [.middle, .other]
          variables: {C: "test"}
        """)
        let t = try #require(p.job("test"))
        #expect(t.image?.name == "ruby:3.2")
        #expect(t.variables.map { "\($0.key)=\($0.value)" } == ["A=1", "B=middle", "C=test"])
        // `.other` comes later in the list, so its script replaces `.base`'s.
        #expect(t.mainSteps.compactMap(\.script) == ["echo other"])
        #expect(t.steps.filter { $0.phase == .before }.compactMap(\.script) == ["bundle install"])
        #expect(t.runsOn?.labels == ["docker"])
        // Inherited keys are recorded under the job at the template's line.
        #expect(ledger.entry("test.image")?.pos.line == 2)
        #expect(p.job(".base") == nil)
    }

    @Test func extendsCycleIsAnInputError() throws {
        let e = try #require(inputError("""
        .a:
          extends: .b
        .b:
          extends: .a
        job:
          extends: .a
          script: [x]
        """))
        #expect(e.message.contains("cycle"))
        #expect(e.pos.line == 2 || e.pos.line == 4)
    }

    @Test func anchorsAndMergeKeys() throws {
        let (p, _) = try read("""
        .defaults: &defaults
          image: node:20
          script:
            - npm ci
        .vars: &vars
          NODE_ENV: test
        build:
          <<: *defaults
          variables:
            <<: *vars
            EXTRA: "1"
        lint:
          <<: *defaults
          script: [npm run lint]
        """)
        #expect(p.job("build")?.image?.name == "node:20")
        #expect(p.job("build")?.mainSteps.compactMap(\.script) == ["npm ci"])
        #expect(p.job("build")?.variables.map(\.key) == ["NODE_ENV", "EXTRA"])
        #expect(p.job("lint")?.mainSteps.compactMap(\.script) == ["npm run lint"])
    }

    @Test func referenceTagsResolveNestedAndFlatten() throws {
        let (p, _) = try read("""
        .setup:
          script:
            - echo setup
            - !reference [.inner, script]
        .inner:
          script: [echo inner-1, echo inner-2]
          rules:
            - if: $CI_COMMIT_TAG
        test:
          rules:
            - !reference [.inner, rules]
          script:
            - !reference [.setup, script]
            - echo test
        """)
        let t = try #require(p.job("test"))
        #expect(t.mainSteps.compactMap(\.script) == ["echo setup", "echo inner-1", "echo inner-2", "echo test"])
        #expect(t.rules.first?.condition == "$CI_COMMIT_TAG")
        let e = try #require(inputError("job:\n  script:\n    - !reference [.missing, script]\n"))
        #expect(e.pos.line == 3)
    }

    @Test func localIncludeIsMergedAndLocalFileWins() throws {
        let loader = MemoryLoader(files: [
            "ci/common.yml": """
            variables: {SHARED: "from-include", LOCAL: "include"}
            .template:
              image: alpine:3.20
              script: [echo template]
            included-job:
              stage: test
              script: [echo included]
            """,
        ])
        let (p, ledger) = try read("""
        include:
          - local: /ci/common.yml
          - template: Security/SAST.gitlab-ci.yml
        variables:
          LOCAL: main
        build:
          extends: .template
        """, loader: loader)
        #expect(p.variables.map { "\($0.key)=\($0.value)" } == ["SHARED=from-include", "LOCAL=main"])
        #expect(p.job("build")?.image?.name == "alpine:3.20")
        #expect(p.job("included-job")?.pos.file == "ci/common.yml")
        #expect(p.includes.map(\.kind) == [.template])
        #expect(ledger.entry("include[1]")?.status == .needsReview)
        #expect(ledger.entry("include[0]")?.status == .translated)
    }

    @Test func missingLocalIncludeIsRecordedNotFatal() throws {
        let (p, ledger) = try read("""
        include: ci/missing.yml
        build:
          extends: .from-include
          script: [make]
        """)
        #expect(p.includes.first?.location == "ci/missing.yml")
        #expect(ledger.entry("include")?.status == .needsReview)
        #expect(ledger.entry("build.extends")?.status == .needsReview)
    }

    @Test func specHeaderInputsKeepLineNumbers() throws {
        let text = """
        spec:
          inputs:
            stage:
              default: test
            env:
              options: [dev, prod]
              default: dev
        ---
        deploy:
          stage: $[[ inputs.stage ]]
          script:
            - echo "$[[ inputs.env ]]"
        """
        let (p, _) = try read(text)
        #expect(p.inputs.map(\.name) == ["stage", "env"])
        #expect(p.job("deploy")?.pos.line == 9)
        let (out, _) = try convert(text)
        let on = try #require(out["on"]?.mapping)
        #expect(on["workflow_dispatch"]?.mapping?["inputs"]?.mapping?["env"]?.mapping?["type"]?.string == "choice")
        let run = try runs(job(out, "deploy")).joined()
        #expect(!run.contains("${{"))
        #expect(run.contains("INPUT_ENV"))
    }

    // MARK: rules

    @Test func onlyExceptBecomeRules() throws {
        let (p, ledger) = try read("""
        deploy:
          script: [deploy]
          only:
            refs: [main, /^release-.*$/, merge_requests]
            variables: [$DEPLOY == "yes"]
          except:
            - tags
        default-only:
          script: [x]
          except:
            variables: [$SKIP]
        """)
        let d = try #require(p.job("deploy"))
        #expect(d.rules.count == 2)
        #expect(d.rules[0].when == .never)
        #expect(d.rules[0].condition == "$CI_COMMIT_TAG")
        #expect(d.rules[1].condition == #"($CI_COMMIT_REF_NAME == "main" || $CI_COMMIT_REF_NAME =~ /^release-.*$/ || $CI_PIPELINE_SOURCE == "merge_request_event") && $DEPLOY == "yes""#)
        // No `only:` means GitLab's default, branches and tags.
        #expect(p.job("default-only")?.rules.last?.condition == "$CI_COMMIT_BRANCH || $CI_COMMIT_TAG")
        #expect(ledger.entry("deploy.only") != nil)
        #expect(inputError("j:\n  script: [x]\n  only: [main]\n  rules:\n    - when: always\n") != nil)
    }

    @Test func rulesFirstMatchBecomesIf() throws {
        let (out, c) = try convert("""
        deploy:
          script: [deploy]
          rules:
            - if: $CI_COMMIT_BRANCH == "wip"
              when: never
            - if: $CI_COMMIT_BRANCH == "main"
              when: manual
            - if: $CI_COMMIT_TAG
              changes: [src/**/*]
        """)
        let d = try job(out, "deploy")
        let cond = try #require(d["if"]?.string)
        #expect(cond.contains(#"!($CI_COMMIT_BRANCH == "wip")"#), "\(cond)")
        #expect(cond.contains("||"))
        #expect(d["environment"] != nil)  // manual → environment with reviewers
        #expect(c.ledger.entry("deploy.rules")?.status ?? .translated >= .approximated)
        #expect(c.output.contains("# ciport:"))
    }

    @Test func workflowRulesBecomeTriggers() throws {
        let (p, _) = try read("""
        workflow:
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
            - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
              when: never
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
            - if: $CI_COMMIT_TAG
            - if: $CI_PIPELINE_SOURCE == "schedule"
        build:
          script: [make]
        """)
        let events = p.triggers.map(\.event)
        #expect(events == [.pullRequest, .push, .schedule])
        let push = try #require(p.triggers.first { $0.event == .push })
        #expect(push.branches == ["main"])
        #expect(push.tags == ["**"])
        #expect(p.workflowRules.isEmpty)
    }

    @Test func defaultTriggersWithoutWorkflowRules() throws {
        let (out, c) = try convert("build:\n  script: [make]\n")
        let on = try #require(out["on"]?.mapping)
        #expect(on.keys == ["push", "pull_request", "workflow_dispatch"])
        #expect(c.output.contains("# ciport: GitLab starts this pipeline on every push"))
        #expect(out["permissions"]?.mapping?["contents"]?.string == "read")
    }

    // MARK: stages → needs, artifacts

    @Test func stagesBecomeNeedsWithGitLabSemantics() throws {
        let (out, _) = try convert("""
        stages: [build, test, deploy]
        compile:
          stage: build
          script: [make]
          artifacts: {paths: [dist/], expire_in: 1 week}
        unit:
          stage: test
          script: [make test]
        lint:
          stage: test
          needs: []
          script: [make lint]
        ship:
          stage: deploy
          script: [make ship]
          when: manual
        notify:
          stage: .post
          script: [notify]
        """)
        #expect(try job(out, "compile")["needs"] == nil)
        #expect(try job(out, "unit")["needs"]?.strings == ["compile"])
        #expect(try job(out, "lint")["needs"] == nil)
        #expect(Set(try job(out, "ship")["needs"]?.strings ?? []) == ["unit", "lint"])
        // The manual job does not hold up later stages (GitLab: allow_failure defaults to true).
        #expect(Set(try job(out, "notify")["needs"]?.strings ?? []) == ["unit", "lint"])
        let unit = try job(out, "unit")
        #expect(uses(unit) == ["actions/checkout@v4", "actions/download-artifact@v4"])
        let dl = try #require(unit["steps"]?.sequence?.items[1].mapping?["with"]?.mapping)
        #expect(dl["path"]?.string == "dist")
        let up = try #require(try job(out, "compile")["steps"]?.sequence?.items.last?.mapping)
        #expect(up["uses"]?.string == "actions/upload-artifact@v4")
        #expect(up["with"]?.mapping?["retention-days"]?.string == "7")
        #expect(try job(out, "lint")["steps"]?.sequence?.items.count == 2)  // checkout + script, no downloads
    }

    @Test func dependentsOfConditionalJobsAreNotSkippedWithThem() throws {
        let (out, _) = try convert("""
        stages: [build, test]
        maybe:
          stage: build
          script: [x]
          rules: [{if: $FLAG}]
        after:
          stage: test
          script: [y]
        """)
        #expect(try job(out, "after")["if"]?.string?.hasPrefix("${{ !cancelled() && !failure()") == true)
    }

    // MARK: matrix, scripts, services

    @Test func parallelMatrixListBecomesInclude() throws {
        let (out, _) = try convert("""
        deploy:
          script: [deploy $PROVIDER $STACK]
          parallel:
            matrix:
              - PROVIDER: aws
                STACK: [monitoring, app1]
              - PROVIDER: [gcp, vultr]
                STACK: data
        single:
          script: [test]
          parallel:
            matrix:
              - RUBY: ["3.2", "3.3"]
        copies:
          script: [test]
          parallel: 3
        """)
        let d = try job(out, "deploy")
        let include = try #require(d["strategy"]?.mapping?["matrix"]?.mapping?["include"]?.sequence?.items)
        #expect(include.count == 4)
        #expect(include[0].mapping?["PROVIDER"]?.string == "aws")
        #expect(include[3].mapping?["PROVIDER"]?.string == "vultr")
        #expect(d["env"]?.mapping?["PROVIDER"]?.string == "${{ matrix.PROVIDER }}")
        #expect(try job(out, "single")["strategy"]?.mapping?["matrix"]?.mapping?["RUBY"]?.strings == ["3.2", "3.3"])
        let copies = try job(out, "copies")
        #expect(copies["strategy"]?.mapping?["matrix"]?.mapping?["ci_node_index"]?.strings == ["1", "2", "3"])
        #expect(copies["env"]?.mapping?["CI_NODE_TOTAL"]?.string == "3")
    }

    @Test func scriptsKeepVariablesAndNeverInlineContexts() throws {
        let (out, _) = try convert("""
        default:
          before_script: [export A=1]
        build:
          image: node:20
          script:
            - echo "$CI_COMMIT_REF_NAME" "${CI_COMMIT_SHA}"
            - [nested, lists]
            - cd $CI_PROJECT_DIR && echo $CI_COMMIT_REF_SLUG
          after_script: [echo done]
          services:
            - name: postgres:16
              alias: db
            - redis:7
        """)
        let b = try job(out, "build")
        let steps = stepMaps(b)
        let main = try #require(steps.first { $0["run"] != nil })
        let run = try #require(main["run"]?.string)
        #expect(run.contains("export A=1\necho \"$CI_COMMIT_REF_NAME\""))
        #expect(run.contains("nested\nlists"))
        #expect(!run.contains("${{"))
        #expect(run.contains("export CI_PROJECT_DIR=\"$GITHUB_WORKSPACE\""))
        let env = try #require(main["env"]?.mapping)
        #expect(env["CI_COMMIT_SHA"]?.string?.contains("github.sha") == true)
        let after = try #require(steps.last { $0["run"] != nil })
        #expect(after["if"]?.string == "always()")
        #expect(b["container"]?.string == "node:20")
        #expect(b["services"]?.mapping?.keys == ["db", "redis"])
    }

    @Test func dockerInDockerRunsOnTheRunner() throws {
        let (out, c) = try convert("""
        build:
          image: docker:24
          services: [docker:24-dind]
          variables: {DOCKER_HOST: tcp://docker:2375}
          script: [docker build .]
        """)
        let b = try job(out, "build")
        #expect(b["container"] == nil)
        #expect(b["services"] == nil)
        #expect(b["env"] == nil)
        #expect(c.ledger.entry("build.variables.DOCKER_HOST")?.status == .lost)
    }

    @Test func deployKeywordsTranslate() throws {
        let (out, c) = try convert("""
        pages:
          image: ruby:3
          script: [jekyll build -d public]
          artifacts: {paths: [public]}
          only: [main]
        release:
          script: [echo release]
          release: {tag_name: $CI_COMMIT_TAG, description: CHANGELOG.md}
          environment: {name: production, url: https://example.com}
          resource_group: prod
          retry: 2
          timeout: 1h 30m
          allow_failure: {exit_codes: [3]}
          coverage: '/\\d+%/'
          interruptible: true
        child:
          trigger: {include: ci/child.gitlab-ci.yml, strategy: depend}
        """)
        let pages = try job(out, "pages")
        #expect(uses(pages).contains("actions/deploy-pages@v4"))
        #expect(pages["permissions"]?.mapping?["pages"]?.string == "write")
        let rel = try job(out, "release")
        #expect(uses(rel).contains("softprops/action-gh-release@v2"))
        #expect(rel["permissions"]?.mapping?["contents"]?.string == "write")
        #expect(rel["timeout-minutes"]?.string == "90")
        #expect(rel["continue-on-error"]?.string == "true")
        #expect(rel["concurrency"]?.mapping?["group"]?.string == "prod")
        #expect(rel["environment"]?.mapping?["url"]?.string == "https://example.com")
        #expect(c.ledger.entry("release.retry")?.status == .lost)
        #expect(c.ledger.entry("release.coverage")?.status == .lost)
        #expect(try job(out, "child")["uses"]?.string == "./.github/workflows/child.yml")
        #expect(c.ledger.entry("child.trigger")?.status == .needsReview)
    }

    @Test func cacheKeysAndPolicies() throws {
        let (out, _) = try convert("""
        build:
          script: [npm ci]
          cache:
            - key: {files: [package-lock.json], prefix: npm}
              paths: [.npm/]
            - key: $CI_COMMIT_REF_SLUG
              paths: [build/]
              policy: pull
        """)
        let steps = stepMaps(try job(out, "build"))
        let caches = steps.filter { ($0["uses"]?.string ?? "").hasPrefix("actions/cache") }
        #expect(caches.count == 2)
        #expect(caches[0]["with"]?.mapping?["key"]?.string == "npm-${{ hashFiles('package-lock.json') }}")
        #expect(caches[1]["uses"]?.string == "actions/cache/restore@v4")
    }

    // MARK: wrong types

    @Test(arguments: [
        ("job:\n  script: {a: b}\n", 2, "script"),
        ("job:\n  script: [x]\n  stage: [a]\n", 3, "stage"),
        ("job:\n  script: [x]\n  when: sometimes\n", 3, "when"),
        ("job:\n  script: [x]\n  retry: {max: two}\n", 3, "retry"),
        ("job:\n  script: [x]\n  needs: [{optional: true}]\n", 3, "needs"),
        ("job:\n  script: [x]\n  rules: {if: $X}\n", 3, "rules"),
        ("job:\n  script: [x]\n  allow_failure: maybe\n", 3, "allow_failure"),
        ("job:\n  script: [x]\n  cache: {paths: [a], bogus: 1}\n", 3, "bogus"),
        ("variables:\n  A: [1, 2]\njob:\n  script: [x]\n", 2, "variable"),
        ("job:\n  script: [x]\n  extends: .nowhere\n", 3, "extends"),
    ])
    func wrongTypesAreInputErrorsWithPositions(_ text: String, _ line: Int, _ word: String) throws {
        let e = try #require(inputError(text), "accepted: \(text)")
        #expect(e.pos.line == line, "\(e)")
        #expect(e.pos.file == ".gitlab-ci.yml")
        #expect(e.message.contains(word), "\(e)")
    }

    // MARK: corpus

    @Test(.enabled(if: GitLabCorpus.available, "corpus not found (set CIPORT_CORPUS)"))
    func everyCorpusTemplateConverts() throws {
        let files = GitLabCorpus.files()
        #expect(files.count >= 90)
        let dump = ProcessInfo.processInfo.environment["CIPORT_GLGH_OUT"].map { URL(fileURLWithPath: $0) }
        var failures: [String] = []
        for rel in files {
            let url = GitLabCorpus.templates.appendingPathComponent(rel)
            let text = try YAMLLoader.decode(try Data(contentsOf: url), file: rel)
            do {
                let c = try Translator.convert(text, file: rel, to: .github)
                let out = try #require(try YAMLLoader.load(c.output, file: rel)?.mapping)
                let jobs = try #require(out["jobs"]?.mapping, "\(rel): no jobs")
                #expect(!jobs.pairs.isEmpty, "\(rel)")
                for j in jobs.pairs {
                    let m = try #require(j.value.mapping)
                    #expect(m["steps"]?.sequence?.items.isEmpty == false || m["uses"] != nil, "\(rel): job \(j.key.value) does nothing")
                    // Template injection: no expression inside a script, ever (zizmor's rule).
                    for run in runs(m) {
                        #expect(!run.replacingOccurrences(of: "${{ '${{' }}", with: "").contains("${{"), "\(rel): \(j.key.value)")
                    }
                }
                // Every construct went somewhere or says why it did not.
                for e in c.ledger.entries where !e.construct.hasPrefix(".") && !e.construct.hasPrefix("include") {
                    #expect(e.target != nil || e.status != .translated, "\(rel): \(e.construct) has no target")
                }
                #expect(out["on"] != nil, "\(rel)")
                #expect(c.ledger.entries.count > 3, "\(rel)")
                #expect(!c.ledger.entries.contains { $0.pos.line < 0 })
                if let dump {
                    let dest = dump.appendingPathComponent(rel)
                    try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try c.output.write(to: dest, atomically: true, encoding: .utf8)
                }
            } catch let e as InputError {
                failures.append("\(rel): \(e)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test(.enabled(if: GitLabCorpus.available && GitLabCorpus.checkJSONSchema != nil, "needs the corpus and .venv/bin/check-jsonschema"))
    func everyCorpusConversionPassesTheWorkflowSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-glgh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, rel) in GitLabCorpus.files().enumerated() {
            let text = try YAMLLoader.decode(try Data(contentsOf: GitLabCorpus.templates.appendingPathComponent(rel)), file: rel)
            let c = try Translator.convert(text, file: rel, to: .github)
            let dest = dir.appendingPathComponent("\(i).yml")
            try c.output.write(to: dest, atomically: true, encoding: .utf8)
            paths.append(dest.path)
        }
        let proc = Process()
        guard let tool = GitLabCorpus.checkJSONSchema else { return }
        proc.executableURL = tool
        proc.arguments = ["--builtin-schema", "vendor.github-workflows"] + paths
        let pipe = Pipe()
        proc.standardOutput = pipe
        proc.standardError = pipe
        try proc.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        #expect(proc.terminationStatus == 0, "\(output)")
    }
}
