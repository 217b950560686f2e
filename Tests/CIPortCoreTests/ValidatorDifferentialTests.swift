import Foundation
import Testing
@testable import CIPortCore

/// The validator was rewritten for speed; its diagnostics (severity, message, position, order) must
/// stay exactly those of the frozen copy in Legacy/. Every input is validated as both platforms, so
/// a GitLab file read as a workflow (and the reverse) exercises the error paths too.
struct ValidatorDifferentialTests {
    /// A suggestion picks the first of equally close candidates in a `Set`'s order, and each set
    /// instance orders its elements by its own seed unless hashing is deterministic; so the two
    /// validators (each with its own sets) agree on ties only under SWIFT_DETERMINISTIC_HASHING=1.
    /// Without it the suggestions are left out of the comparison.
    static let deterministic = ProcessInfo.processInfo.environment["SWIFT_DETERMINISTIC_HASHING"] != nil

    static func withoutSuggestion(_ d: Diagnostic) -> Diagnostic {
        var d = d
        while let r = d.message.range(of: " (did you mean '") {
            guard let end = d.message.range(of: "'?)", range: r.upperBound..<d.message.endIndex) else { break }
            d.message.removeSubrange(r.lowerBound..<end.upperBound)
        }
        return d
    }

    /// Inputs that failed, as "name (platform)" and the two diagnostic lists, and how many
    /// diagnostics were compared.
    static func differences(_ inputs: [(name: String, text: String)]) -> (diffs: [String], compared: Int) {
        var out: [String] = []
        var compared = 0
        for input in inputs {
            guard let root = try? YAMLLoader.load(input.text, file: input.name) else { continue }
            for platform in [Platform.github, .gitlab] {
                let new = Validator.validate(root, platform: platform)
                let old = LegacyValidator.validate(root, platform: platform)
                compared += old.count
                if new != old, deterministic || new.map(withoutSuggestion) != old.map(withoutSuggestion) {
                    out.append("\(input.name) (\(platform)):\n  now:\n    "
                               + new.map(\.description).joined(separator: "\n    ")
                               + "\n  was:\n    " + old.map(\.description).joined(separator: "\n    "))
                }
            }
        }
        return (out, compared)
    }

    static let replacementValues = [
        "", "~", "[a, b]", "[]", "{x: 1}", "{}", "\"${{ broken\"", "\"$[[ inputs.x ]]\"", "!reference [.x, y]",
        "!reference [x]", "never", "delayed", "manual", "123", "0", "true", "build", "[build, test]", "test",
        "[{job: a}, b]", "push", "ubuntu-latest", "[.pre]", "\"${{ 'a}}b' }}\"", "[[a, [b]], c]", "{name: x}",
    ]
    static let insertedLines = [
        "extends: .base", "extends: [.a, .b]", "extends: missing", "needs: [build]", "needs: [x]", "stage: nope",
        "when: delayed", "start_in: 1h", "trigger: a/b", "script: x", "rules: [{if: $X, when: delayed}]",
        "dependencies: [build]", "only: [main]", "type: build", "timeout: 10", "parallel: 3", "retry: 5",
        "image: {entrypoint: [x]}", "environment: {url: x}", "uses: ./.github/workflows/x.yml", "runs-on: [a]",
        "steps: [{run: x, uses: y}]", "if: ${{ x", "services: [redis]", "cache: {key: {files: [a]}}", "<<: *x",
        "include: local.yml", "stages: [build, test]", "permissions: read-all", "continue-on-error: maybe",
    ]

    /// Line-level mutants of `text`: lines dropped, values replaced, keys misspelt, lines inserted.
    static func mutants(of text: String, name: String, count: Int, seed: UInt64) -> [(name: String, text: String)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return [] }
        var rng = SplitMix64(seed: seed)
        var out: [(String, String)] = []
        for k in 0..<count {
            var ls = lines
            let i = rng.below(ls.count)
            let line = ls[i]
            let indent = String(line.prefix { $0 == " " })
            switch rng.below(5) {
            case 0: ls.remove(at: i)
            case 1, 2:
                if let colon = line.range(of: ":") {
                    ls[i] = String(line[..<colon.upperBound]) + " " + replacementValues[rng.below(replacementValues.count)]
                } else {
                    ls[i] = indent + (line.hasPrefix(indent + "- ") ? "- " : "") + replacementValues[rng.below(replacementValues.count)]
                }
            case 3:
                var chars = Array(line)
                let start = indent.count + (line.hasPrefix(indent + "- ") ? 2 : 0)
                if chars.count > start + 2 {
                    let j = start + rng.below(min(chars.count - start - 1, 8))
                    chars.swapAt(j, j + 1)
                    ls[i] = String(chars)
                }
            default:
                let deeper = indent + (rng.below(2) == 0 ? "  " : "")
                ls.insert(deeper + insertedLines[rng.below(insertedLines.count)], at: i + 1)
            }
            out.append(("\(name)#m\(k)", ls.joined(separator: "\n")))
        }
        return out
    }

    /// Handwritten files around the cross-job rules: `extends` chains, diamonds and cycles, stages,
    /// needs and dependencies, references, includes, merge keys.
    static let crafted: [String] = [
        """
        stages: [build, test, deploy]
        .base: {image: alpine, stage: build, script: [x]}
        .a: {extends: .base, stage: test}
        .b: {extends: [.a, .base], when: delayed}
        .c: {extends: .d}
        .d: {extends: .c}
        build: {extends: .base}
        test: {extends: [.a, .b], needs: [build, deploy], dependencies: [build, nope]}
        deploy: {extends: [.c, missing], needs: [test], stage: deploy, start_in: 1h}
        "build 1/2": {script: x, needs: ["build 1/2"]}
        lone: {stage: nowhere, script: y, dependencies: [deploy, test]}
        trig: {trigger: a/b, script: z, when: manual, start_in: 2m}
        """,
        """
        include: {local: x.yml}
        .t: &t {script: [a], stage: later}
        a: {<<: *t, needs: [b, {job: c, optional: true}, {job: d}], extends: .u}
        b: {extends: a, needs: [a], stage: test}
        c: {script: !reference [.t, script], stage: !reference [.t, stage]}
        d: {script: x, extends: !reference [.t]}
        e: {script: x, stage: $[[ inputs.stage ]], needs: [$[[ inputs.j ]]]}
        f: {script: x, dependencies: [a, b, .t]}
        """,
        """
        a: {script: x, stage: build}
        b: {script: x, stage: test, needs: [c]}
        c: {script: x, stage: deploy, dependencies: [a, b], needs: [b]}
        d: {script: x, stage: deploy, dependencies: [c, d]}
        e: {extends: [a, b, c, d], stage: .post}
        """,
        """
        on: {push: {branches: [a], branches-ignore: [b], tags: x, typo: 1}, pull_request: {types: [open, closed, nope]}, schedule: [{cron: "* * *"}, {timezone: x}]}
        jobs:
          a: {runs-on: x, steps: [{run: a, id: s}, {uses: b, id: s}, {run: c, with: {}, id: bad id}], needs: [b, c]}
          b: {runs-on: x, steps: [{run: a}], needs: a}
          c: {uses: ./.github/workflows/x.yml, runs-on: y, needs: [b, nope]}
          "bad id": {runs-on: x, steps: []}
        """,
        """
        on: [push, workflow_call, nope]
        permissions: {contents: write, bogus: read, id-token: read}
        jobs:
          x:
            runs-on: {group: a, labels: [b], more: 1}
            strategy: {matrix: {os: [a], include: [{os: b}, 1], exclude: x, empty: []}, fail-fast: maybe}
            container: {image: x, credentials: {username: a, pass: b}, ports: [1, {a: b}]}
            services: {redis: {credentials: 1}, db: postgres}
            environment: {url: x}
            timeout-minutes: "5"
            concurrency: {cancel-in-progress: yes}
            defaults: {run: {shell: bash, dir: x}}
            outputs: {a: x, b: [1]}
            steps:
              - {run: "echo ${{ x", shell: 1, timeout-minutes: x, continue-on-error: sometimes}
        """,
    ]

    static func allInputs() -> [(name: String, text: String)] {
        var inputs: [(String, String)] = crafted.enumerated().map { ("crafted\($0.offset).yml", $0.element) }
        inputs += badFiles.map { ("bad-\($0.name).yml", $0.yaml) }
        // The bundled dataset: each record's source and target texts.
        let pairs = TestPaths.repo.appendingPathComponent("data")
        for (rel, text) in TestPaths.yamlFiles(pairs) {
            guard let rec = (try? YAMLLoader.load(text, file: rel))??.mapping else { continue }
            for side in ["source_file", "target_file"] {
                if let t = rec[side]?.string { inputs.append(("\(rel):\(side)", t)) }
            }
        }
        if let corpus = TestPaths.corpus {
            for (rel, text) in TestPaths.yamlFiles(corpus) {
                inputs.append((rel, text))
                // What the translator writes from it, both ways where it reads.
                if let out = try? Translator.convert(text, file: rel) {
                    inputs.append(("\(rel)→\(out.target)", out.output))
                }
            }
        }
        return inputs
    }

    @Test func sameDiagnosticsAsTheLegacyValidator() {
        let inputs = Self.allInputs()
        #expect(inputs.count >= 150)
        let (diffs, compared) = Self.differences(inputs)
        #expect(compared >= 1_000)  // read as the other platform, every file is full of errors
        #expect(diffs.isEmpty, "\(diffs.count) inputs differ; first:\n\(diffs.prefix(3).joined(separator: "\n"))")
    }

    @Test func sameDiagnosticsOnMutants() {
        var mutants: [(name: String, text: String)] = []
        for (k, input) in Self.allInputs().enumerated() {
            let n = input.name.hasPrefix("crafted") || input.name.hasPrefix("bad-") ? 60 : 12
            mutants += Self.mutants(of: input.text, name: input.name, count: n, seed: UInt64(k) &* 7919 &+ 17)
        }
        #expect(mutants.count >= 2_000)
        let (diffs, compared) = Self.differences(mutants)
        #expect(compared >= 10_000)
        #expect(diffs.isEmpty, "\(diffs.count) mutants differ; first:\n\(diffs.prefix(3).joined(separator: "\n"))")
    }
}

/// The validator's length-switched keyword tests (Validator+Keywords.swift) answer as the sets do.
struct ValidatorKeywordTests {
    static let tables: [(name: String, set: Set<String>, fast: @Sendable (String) -> Bool)] = [
        ("GitHub jobKeys", GitHubChecks.jobKeys, GitHubChecks.isJobKey),
        ("GitHub callerJobKeys", GitHubChecks.callerJobKeys, GitHubChecks.isCallerJobKey),
        ("GitHub permissionScopes", GitHubChecks.permissionScopes, GitHubChecks.isPermissionScope),
        ("GitLab topKeywords", GitLabChecks.topKeywords, GitLabChecks.isTopKeyword),
        ("GitLab jobKeywords", GitLabChecks.jobKeywords, GitLabChecks.isJobKeyword),
        ("GitLab defaultKeywords", GitLabChecks.defaultKeywords, GitLabChecks.isDefaultKeyword),
        ("GitLab ruleKeys", GitLabChecks.ruleKeys, GitLabChecks.isRuleKey),
        ("GitLab workflowRuleKeys", GitLabChecks.workflowRuleKeys, GitLabChecks.isWorkflowRuleKey),
        ("GitLab variableKeys", GitLabChecks.variableKeys, GitLabChecks.isVariableKey),
    ]

    @Test func fastMembershipMatchesTheSets() {
        var words = Set(Self.tables.flatMap(\.set))
        // Near misses: every keyword cut, extended, recased, and with a look-alike character.
        for w in Array(words) {
            words.insert(String(w.dropLast()))
            words.insert(w + "s")
            words.insert(w.uppercased())
            words.insert(w.replacingOccurrences(of: "_", with: "-"))
            words.insert(w.replacingOccurrences(of: "-", with: "_"))
            words.insert(w.replacingOccurrences(of: "e", with: "\u{0065}\u{0301}"))
            words.insert("\u{212A}" + w)
        }
        words.formUnion(["", "<<", "K", "k", "\u{212A}", ".pre", "script ", " script", "scrip\u{0074}"])
        for t in Self.tables {
            for w in words {
                #expect(t.fast(w) == t.set.contains(w), "\(t.name): '\(w)'")
            }
        }
    }
}
