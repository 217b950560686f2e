import Foundation
import Testing
@testable import CIPortCore

/// The corpus beside the project (`CIPORT_CORPUS` overrides), or nil when it is absent.
private let corpusRoot: URL? = {
    let url = ProcessInfo.processInfo.environment["CIPORT_CORPUS"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
    return FileManager.default.fileExists(atPath: url.appendingPathComponent("github-starter-workflows").path) ? url : nil
}()

private func githubCorpusFiles() -> [URL] {
    guard let root = corpusRoot?.appendingPathComponent("github-starter-workflows"),
          let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
    return e.compactMap { $0 as? URL }.filter { ["yml", "yaml"].contains($0.pathExtension) }
        .sorted { $0.path < $1.path }
}

/// Converts inline GitHub YAML and returns the GitLab text, its parsed top level and the ledger.
private func convert(_ yaml: String, options: ConvertOptions = ConvertOptions()) throws -> (String, YMapping, Ledger) {
    let c = try Translator.convert(yaml, file: "ci.yml", to: .gitlab, options: options)
    let node = try #require(try YAMLLoader.load(c.output, file: ".gitlab-ci.yml"))
    return (c.output, try #require(node.mapping), c.ledger)
}

private func readGitHub(_ yaml: String) throws -> (Pipeline, Ledger) {
    var ledger = Ledger()
    let p = try Translator.read(yaml, file: "ci.yml", from: .github, ledger: &ledger)
    return (p, ledger)
}

struct GitHubReaderTests {
    @Test func readsEveryOnForm() throws {
        let (a, _) = try readGitHub("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n")
        #expect(a.triggers.map(\.event) == [.push])
        let (b, _) = try readGitHub("on: [push, pull_request]\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n")
        #expect(b.triggers.map(\.event) == [.push, .pullRequest])
        let (c, ledger) = try readGitHub("""
            on:
              push:
                branches: [main, 'release/**']
                tags: ['v*']
                paths-ignore: [docs/**]
              pull_request:
                types: [opened]
              schedule:
                - cron: '0 3 * * 1'
              workflow_dispatch:
                inputs:
                  level: {type: choice, options: [a, b], default: b, description: Level}
              issues:
            jobs:
              a:
                runs-on: ubuntu-latest
                steps: [{run: make}]
            """)
        #expect(c.triggers.map(\.rawEvent) == ["push", "pull_request", "schedule", "workflow_dispatch", "issues"])
        #expect(c.triggers[0].branches == ["main", "release/**"])
        #expect(c.triggers[0].tags == ["v*"])
        #expect(c.triggers[2].cron == "0 3 * * 1")
        #expect(c.triggers[4].event == .other)
        #expect(c.inputs.first?.options == ["a", "b"])
        #expect(ledger.entry("on.push.paths-ignore")?.pos.line == 5)
        #expect(ledger.entry("on.workflow_dispatch.inputs.level") != nil)
    }

    @Test func readsJobConstructs() throws {
        let (p, ledger) = try readGitHub("""
            on: push
            jobs:
              build:
                runs-on: {group: big, labels: [linux]}
                container: {image: 'node:20', options: --cpus 2}
                services:
                  redis: {image: redis, ports: ['6379:6379']}
                strategy:
                  fail-fast: false
                  matrix:
                    node: [18, 20]
                    include: [{node: 22, experimental: true}]
                timeout-minutes: 30
                continue-on-error: true
                environment: {name: prod, url: 'https://x.example'}
                concurrency: {group: deploy, cancel-in-progress: true}
                steps:
                  - uses: actions/checkout@v4
                  - run: npm test
                    working-directory: web
                    env: {CI: 'true'}
                    bogus: 1
              call:
                needs: build
                uses: ./.github/workflows/deploy.yml
                secrets: inherit
            """)
        let b = try #require(p.job("build"))
        #expect(b.runsOn?.group == "big")
        #expect(b.image?.options == "--cpus 2")
        #expect(b.services.first?.alias == "redis")
        #expect(b.matrix?.axes.first?.values == ["18", "20"])
        #expect(b.matrix?.include.count == 1)
        #expect(b.timeout?.minutes == 30)
        #expect(b.environment?.url == "https://x.example")
        #expect(b.steps[1].workingDirectory == "web")
        #expect(ledger.entry("jobs.build.steps[1].bogus")?.status == .lost)
        #expect(p.job("call")?.uses?.secretsInherit == true)
        #expect(p.job("call")?.needs.map(\.job) == ["build"])
    }

    @Test(arguments: [
        ("on: push\njobs:\n  b:\n    runs-on: {x: 1}\n    steps: [{run: a}]\n", "jobs.b.runs-on.x"),
        ("on: push\njobs:\n  b:\n    runs-on: [a, {b: 1}]\n    steps: [{run: a}]\n", "4:18: error: jobs.b.runs-on[1]: expected a string, found a mapping"),
        ("on: push\njobs:\n  b:\n    runs-on: x\n    steps: {run: a}\n", "5:12: error: jobs.b.steps: expected a list of steps, found a mapping"),
        ("on: push\njobs:\n  b:\n    runs-on: x\n    needs: {a: 1}\n    steps: [{run: a}]\n", "5:12: error: jobs.b.needs"),
        ("on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: a, uses: b}]\n", "not both"),
        ("on: push\njobs: [a]\n", "2:7: error: jobs: expected a mapping, found a list"),
    ])
    func wrongTypesAreErrorsWithPositions(_ yaml: String, _ expected: String) throws {
        if expected.hasPrefix("jobs.") {
            // An unknown key inside runs-on is a loss, not an error.
            let (_, ledger) = try readGitHub(yaml)
            #expect(ledger.entry(expected)?.status == .lost)
            return
        }
        do {
            _ = try readGitHub(yaml)
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect("\(error)".hasPrefix("ci.yml:"))
        }
    }

    @Test func runsOnMappingErrorNamesThePath() throws {
        do {
            _ = try readGitHub("on: push\njobs:\n  build:\n    runs-on: 3\n    steps: [{run: a}]\n    timeout-minutes: [1]\n")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "ci.yml:6:22: error: jobs.build.timeout-minutes: expected a string, found a list")
        }
    }

    struct MemoryLoader: SourceLoader {
        var files: [String: String]
        func load(_ path: String) throws(InputError) -> (file: String, text: String)? {
            files[path].map { (path, $0) }
        }
    }

    @Test func inlinesLocalCompositeActions() throws {
        let loader = MemoryLoader(files: [".github/actions/setup/action.yml": """
            name: setup
            inputs:
              target: {default: all}
            runs:
              using: composite
              steps:
                - run: make ${{ inputs.target }}
                  shell: bash
                - run: echo done
                  shell: bash
            """])
        var ledger = Ledger()
        let p = try Translator.read("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - uses: ./.github/actions/setup
                    with: {target: lib}
                  - run: make test
            """, file: "ci.yml", from: .github, options: ConvertOptions(loader: loader), ledger: &ledger)
        #expect(p.jobs[0].steps.compactMap(\.script) == ["make lib", "echo done", "make test"])
        #expect(ledger.entry("jobs.a.steps[0].uses")?.status == .approximated)
        #expect(ledger.entry("jobs.a.steps[0].composite.steps[0].run")?.pos.file == ".github/actions/setup/action.yml")
        // Without a loader the step stays and is flagged.
        var l2 = Ledger()
        _ = try Translator.read("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{uses: ./.github/actions/setup}]\n",
                                file: "ci.yml", from: .github, ledger: &l2)
        #expect(l2.entry("jobs.a.steps[0].uses")?.status == .needsReview)
    }
}

struct GitLabWriterTests {
    @Test func needsBecomeStages() throws {
        let (_, m, _) = try convert("""
            on: push
            jobs:
              build: {runs-on: ubuntu-latest, steps: [{run: make}]}
              unit-test: {runs-on: ubuntu-latest, needs: build, steps: [{run: make test}]}
              lint: {runs-on: ubuntu-latest, needs: build, steps: [{run: make lint}]}
              deploy: {runs-on: ubuntu-latest, needs: [unit-test, lint], steps: [{run: make deploy}]}
            """)
        #expect(m["stages"]?.strings == ["build", "test", "deploy"])
        #expect(m["deploy"]?.mapping?["needs"]?.strings == ["unit-test", "lint"])
        #expect(m["lint"]?.mapping?["stage"]?.string == "test")
        #expect(m["build"]?.mapping?["script"]?.strings == ["make"])
    }

    @Test func genericStageNamesWhenJobNamesSayNothing() throws {
        let (_, m, _) = try convert("""
            on: push
            jobs:
              a: {runs-on: ubuntu-latest, steps: [{run: x}]}
              b: {runs-on: ubuntu-latest, steps: [{run: x}]}
              c: {runs-on: ubuntu-latest, needs: [a, b], steps: [{run: x}]}
            """)
        #expect(m["stages"]?.strings == ["stage-1", "stage-2"])
        #expect(m["c"]?.mapping?["stage"]?.string == "stage-2")
    }

    @Test func triggersBecomeWorkflowRules() throws {
        let (text, m, ledger) = try convert("""
            on:
              push:
                branches: [main, 'release/*', $default-branch]
                tags: ['v*']
                paths: ['src/**']
              pull_request:
                branches: [main]
              schedule:
                - cron: '0 3 * * *'
              workflow_dispatch:
            jobs:
              build: {runs-on: ubuntu-latest, steps: [{run: make}]}
            """)
        let rules = try #require(m["workflow"]?.mapping?["rules"]?.sequence?.items.compactMap { $0.mapping?["if"]?.string })
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "main""#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH =~ /^release\/[^\/]*$/"#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_TAG =~ /^v[^\/]*$/"#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main""#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "schedule""#))
        #expect(rules.contains(#"$CI_PIPELINE_SOURCE == "web""#))
        let first = try #require(m["workflow"]?.mapping?["rules"]?.sequence?.items.first?.mapping)
        #expect(first["changes"]?.strings == ["src/**"])
        #expect(ledger.entry("on.schedule[0].cron")?.status == .needsReview)
        #expect(text.contains("# ciport: create pipeline schedules"))
    }

    @Test func untranslatableTriggersLeaveAManualPipeline() throws {
        let (_, m, ledger) = try convert("on: [issues]\njobs:\n  triage: {runs-on: ubuntu-latest, steps: [{run: x}]}\n")
        let rules = m["workflow"]?.mapping?["rules"]?.sequence?.items.compactMap { $0.mapping?["if"]?.string }
        #expect(rules == [#"$CI_PIPELINE_SOURCE == "web""#])
        #expect(ledger.entry("on.issues")?.status == .lost)
    }

    @Test func matrixBecomesParallelMatrix() throws {
        let (text, m, _) = try convert("""
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    node-version: [18, 20]
                steps:
                  - run: echo ${{ matrix.node-version }}
            """)
        let item = try #require(m["test"]?.mapping?["parallel"]?.mapping?["matrix"]?.sequence?.items.first?.mapping)
        #expect(item["NODE_VERSION"]?.strings == ["18", "20"])
        #expect(text.contains("echo ${NODE_VERSION}"))
    }

    @Test func matrixIncludeAndExcludeExpandLikeGitHub() throws {
        var mx = Matrix(pos: .synthesized())
        mx.axes = [Matrix.Axis(name: "os", values: ["linux", "mac"], pos: .synthesized()),
                   Matrix.Axis(name: "cc", values: ["gcc", "clang"], pos: .synthesized())]
        mx.exclude = [[KeyValue("os", "mac", pos: .synthesized()), KeyValue("cc", "gcc", pos: .synthesized())]]
        mx.include = [[KeyValue("cc", "clang", pos: .synthesized()), KeyValue("cxx", "clang++", pos: .synthesized())],
                      [KeyValue("os", "win", pos: .synthesized()), KeyValue("cc", "cl", pos: .synthesized())]]
        let combos = GitLabWriterState.expandMatrix(mx).map { $0.map { "\($0.0)=\($0.1)" }.joined(separator: ",") }
        #expect(combos == ["os=linux,cc=gcc", "os=linux,cc=clang,cxx=clang++", "os=mac,cc=clang,cxx=clang++", "os=win,cc=cl"])
    }

    /// GitHub's own example ("Expanding or adding matrix configurations"): a row that cannot
    /// extend an original combination is added, and a later row never extends an added one.
    @Test func matrixIncludeRowsAddedAfterAnAddedRow() throws {
        func kv(_ k: String, _ v: String) -> KeyValue { KeyValue(k, v, pos: .synthesized()) }
        var mx = Matrix(pos: .synthesized())
        mx.axes = [Matrix.Axis(name: "fruit", values: ["apple", "pear"], pos: .synthesized()),
                   Matrix.Axis(name: "animal", values: ["cat", "dog"], pos: .synthesized())]
        mx.include = [[kv("color", "green")], [kv("color", "pink"), kv("animal", "cat")], [kv("fruit", "apple"), kv("shape", "circle")],
                      [kv("fruit", "banana")], [kv("fruit", "banana"), kv("animal", "cat")]]
        let combos = GitLabWriterState.expandMatrix(mx).map { $0.map { "\($0.0)=\($0.1)" }.joined(separator: ",") }
        #expect(combos == ["fruit=apple,animal=cat,color=pink,shape=circle", "fruit=apple,animal=dog,color=green,shape=circle",
                           "fruit=pear,animal=cat,color=pink", "fruit=pear,animal=dog,color=green",
                           "fruit=banana", "fruit=banana,animal=cat"])
    }

    @Test func servicesGetAliasesAndVariables() throws {
        let (text, m, ledger) = try convert("""
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                services:
                  postgres:
                    image: postgres:16
                    env: {POSTGRES_PASSWORD: pw}
                    ports: ['5432:5432']
                    options: --health-cmd pg_isready
                env:
                  DATABASE_URL: postgres://u:pw@localhost:5432/db
                steps: [{run: make test}]
            """)
        let job = try #require(m["test"]?.mapping)
        let svc = try #require(job["services"]?.sequence?.items.first?.mapping)
        #expect(svc["name"]?.string == "postgres:16")
        #expect(svc["alias"]?.string == "postgres")
        #expect(svc["variables"]?.mapping?["POSTGRES_PASSWORD"]?.string == "pw")
        #expect(job["variables"]?.mapping?["DATABASE_URL"]?.string == "postgres://u:pw@postgres:5432/db")
        #expect(ledger.entry("jobs.test.services.postgres.options")?.status == .lost)
        #expect(ledger.entry("jobs.test.services.postgres.ports")?.status == .approximated)
        #expect(text.contains("# ciport: lost: postgres options"))
    }

    @Test func stepSettingsBecomeShell() throws {
        let (_, m, ledger) = try convert("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                timeout-minutes: 15
                continue-on-error: true
                steps:
                  - run: |
                      npm ci
                      npm test
                    working-directory: web
                  - run: ./flaky.sh
                    continue-on-error: true
                  - run: print("hi")
                    shell: python
                  - run: ./notify.sh
                    if: failure()
            """)
        let job = try #require(m["build"]?.mapping)
        let script = try #require(job["script"]?.strings)
        #expect(script[0] == #"cd "$CI_PROJECT_DIR/web""#)
        #expect(script[1] == "npm ci\nnpm test")
        #expect(script[2] == #"cd "$CI_PROJECT_DIR""#)
        #expect(script[3].hasPrefix("bash -e <<'CIPORT_STEP' ||"))
        #expect(script[4] == "python3 - <<'CIPORT_PY'\nprint(\"hi\")\nCIPORT_PY")
        #expect(job["timeout"]?.string == "15 minutes")
        #expect(job["allow_failure"]?.scalar?.bool == true)
        // failure() is a status function: GitLab's after_script, guarded by the job status.
        // (Until the expression layer knows status functions the step stays in script, flagged.)
        if let after = job["after_script"]?.strings {
            #expect(after == ["if [ \"$CI_JOB_STATUS\" = \"failed\" ]; then\n./notify.sh\nfi"])
        } else {
            #expect(ledger.entry("jobs.build.steps[3].if")?.status == .needsReview)
        }
    }

    @Test func reservedAndOddJobNamesAreRenamed() throws {
        let (_, m, ledger) = try convert("""
            on: push
            jobs:
              image: {runs-on: ubuntu-latest, steps: [{run: a}]}
              variables: {runs-on: ubuntu-latest, needs: image, steps: [{run: b}]}
              pages: {runs-on: ubuntu-latest, steps: [{run: c}]}
            """)
        #expect(m["image-job"]?.mapping?["script"] != nil)
        #expect(m["variables-job"]?.mapping?["needs"]?.strings == ["image-job"])
        #expect(m["pages-job"] != nil)
        #expect(m["image"] == nil && m["pages"] == nil)
        #expect(ledger.entry("jobs.image")?.target == "image-job")
    }

    @Test func unknownActionsFailLoudly() throws {
        let catalog = ActionCatalog(entries: [])
        let (text, m, ledger) = try convert("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: someone/frobnicate@v1
                    with: {level: 3}
            """, options: ConvertOptions(catalog: catalog))
        let script = try #require(m["build"]?.mapping?["script"]?.strings)
        #expect(script.last?.hasSuffix("exit 1") == true)
        #expect(text.contains("# ciport: lost: action someone/frobnicate@v1"))
        #expect(ledger.entry("jobs.build.steps[0].uses")?.status == .lost)
        #expect(ledger.entry("jobs.build.steps[0].with.level")?.status == .lost)
    }

    @Test func reusableWorkflowCallsAndPermissions() throws {
        let (text, m, ledger) = try convert("""
            on: push
            permissions: {contents: read, id-token: write}
            jobs:
              build: {runs-on: ubuntu-latest, steps: [{run: make}]}
              deploy:
                needs: build
                uses: ./.github/workflows/deploy.yml
                with: {target: prod}
              remote:
                uses: octo/repo/.github/workflows/x.yml@v1
            """)
        let deploy = try #require(m["deploy"]?.mapping)
        #expect(deploy["trigger"]?.mapping?["include"]?.sequence?.items.first?.mapping?["local"]?.string == ".gitlab/ci/deploy.yml")
        #expect(deploy["variables"]?.mapping?["target"]?.string == "prod")
        #expect(deploy["script"] == nil)
        #expect(m["remote"]?.mapping?["script"]?.strings?.first?.hasSuffix("exit 1") == true)
        #expect(ledger.entry("permissions.contents")?.status == .lost)
        #expect(text.contains("id_tokens"))
    }

    @Test func shellConditions() {
        #expect(ShellCondition.translate(#"$CI_COMMIT_BRANCH == "main""#) == #"[ "${CI_COMMIT_BRANCH:-}" = 'main' ]"#)
        #expect(ShellCondition.translate(#"$A && ($B != "x" || $C =~ /^v\/1/i)"#)
                == #"{ [ -n "${A:-}" ] && { [ "${B:-}" != 'x' ] || printf '%s' "${C:-}" | grep -Eiq '^v/1'; }; }"#)
        #expect(ShellCondition.translate("$X == null") == #"[ -z "${X:-}" ]"#)
        #expect(ShellCondition.translate("github.ref == 'x'") == nil)
    }

    @Test func outputIsNeverEmpty() throws {
        let (_, m, _) = try convert("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n")
        #expect(m["a"]?.mapping?["script"]?.strings?.isEmpty == false)
    }
}

struct GitHubToGitLabCorpusTests {
    /// Every starter workflow converts, reads back, and keeps its jobs. With `CIPORT_GHGL_OUT` set,
    /// the outputs are written there for `check-jsonschema --builtin-schema vendor.gitlab-ci`.
    @Test(.enabled(if: corpusRoot != nil, "corpus not found (set CIPORT_CORPUS)"))
    func convertsEveryStarterWorkflow() throws {
        let files = githubCorpusFiles()
        #expect(files.count > 50)
        let outDir = ProcessInfo.processInfo.environment["CIPORT_GHGL_OUT"].map { URL(fileURLWithPath: $0) }
        if let outDir { try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true) }
        for url in files {
            let text = try String(contentsOf: url, encoding: .utf8)
            let name = url.deletingPathExtension().lastPathComponent
            let folder = url.deletingLastPathComponent().lastPathComponent
            let c = try Translator.convert(text, file: "\(folder)/\(name).yml", to: .gitlab)
            let back = try #require(try YAMLLoader.load(c.output, file: "out.yml")?.mapping, "\(url.path)")
            var ledger = Ledger()
            let source = try Translator.read(text, file: "in.yml", from: .github, ledger: &ledger)
            let jobKeys = back.keys.filter { !["workflow", "stages", "variables"].contains($0) }
            #expect(jobKeys.count == source.jobs.count, "\(url.path)")
            for key in jobKeys {
                let job = try #require(back[key]?.mapping, "\(url.path): \(key)")
                #expect(job["script"] != nil || job["trigger"] != nil, "\(url.path): \(key)")
                #expect(job["stage"] != nil, "\(url.path): \(key)")
            }
            #expect(c.ledger.entries.count > 5, "\(url.path)")
            if let outDir {
                try c.output.write(to: outDir.appendingPathComponent("\(folder)--\(name).yml"), atomically: true, encoding: .utf8)
            }
        }
    }
}
