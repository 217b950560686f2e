import Foundation
import Testing
@testable import CIPortCore

/// The corpus of real workflows beside the repository (CIPORT_CORPUS overrides it).
private enum Corpus {
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["CIPORT_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    static var starterWorkflows: URL { root.appendingPathComponent("github-starter-workflows") }
    static var isPresent: Bool { FileManager.default.fileExists(atPath: starterWorkflows.path) }

    /// Every `uses:` reference in the starter workflows, with the file it is in.
    static func usesReferences() throws -> [(ref: String, file: String)] {
        var out: [(String, String)] = []
        let files = FileManager.default.enumerator(at: starterWorkflows, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { ["yml", "yaml"].contains($0.pathExtension) } ?? []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline) {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard !t.hasPrefix("#"), let r = t.range(of: "uses:") else { continue }
                var ref = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
                if let hash = ref.range(of: " #") { ref = String(ref[..<hash.lowerBound]) }
                ref = ref.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
                if !ref.isEmpty { out.append((ref, file.lastPathComponent)) }
            }
        }
        return out
    }
}

private let pos = SourcePos(file: "ci.yml", line: 7, column: 9)

/// A `uses:` step with `with:` inputs.
private func step(_ ref: String, _ with: [(String, String)] = []) -> Step {
    var s = Step(.uses(ref), pos: pos)
    s.with = with.map { KeyValue($0.0, $0.1, pos: pos) }
    return s
}

private func translate(_ ref: String, _ with: [(String, String)] = [], dialect: Platform = .github,
                       catalog: ActionCatalog = .bundled) throws -> ActionTranslation {
    try #require(catalog.translate(step(ref, with), dialect: dialect))
}

private func vars(_ t: ActionTranslation) -> [String: String] {
    Dictionary(t.variables.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
}

struct ActionCatalogLoadingTests {
    @Test func bundledCatalogLoadsAndIsLarge() throws {
        // CIPortCore's resource bundle (the test target has none of its own).
        let url = try #require(Bundle.module.url(forResource: "actions", withExtension: "json"))
        // Loading the file directly surfaces its error, which `bundled` would swallow.
        let catalog = try ActionCatalog(json: Data(contentsOf: url), file: "actions.json")
        #expect(catalog.entries.count >= 60)
        #expect(ActionCatalog.bundled.entries.count == catalog.entries.count)
    }

    @Test(.enabled(if: Corpus.isPresent, "the starter-workflow corpus is not present"))
    func everyCorpusActionIsInTheCatalog() throws {
        let refs = try Corpus.usesReferences()
        #expect(refs.count > 100, "the corpus scan found too few uses: lines")
        var missing: [String] = []
        for (ref, file) in refs where !ref.hasPrefix("./") && !ref.hasPrefix("docker://") {
            if ActionCatalog.bundled.lookup(ref) == nil { missing.append("\(file): \(ref)") }
        }
        #expect(missing.isEmpty, "not in the catalog: \(missing.joined(separator: ", "))")
    }

    @Test(.enabled(if: Corpus.isPresent, "the starter-workflow corpus is not present"))
    func everyCorpusActionTranslates() throws {
        for (ref, file) in try Corpus.usesReferences() where !ref.hasPrefix("./") {
            let t = ActionCatalog.bundled.translate(step(ref), dialect: .github)
            #expect(t != nil, "\(file): \(ref)")
        }
    }

    @Test func lookupIgnoresRefCaseAndShaPins() throws {
        let c = ActionCatalog.bundled
        #expect(c.lookup("actions/checkout@v4")?.action == "actions/checkout")
        #expect(c.lookup("Actions/Checkout@11bd71901bbe5b1630ceea73d27597364c9af683")?.action == "actions/checkout")
        #expect(c.lookup("actions/checkout")?.action == "actions/checkout")
        #expect(c.lookup("azure/functions-action@v1")?.action == "azure/functions-action")
        #expect(c.lookup("actions/cache/restore@v4")?.action == "actions/cache/restore")
        #expect(c.lookup("./.github/actions/build") == nil)
        #expect(c.lookup("docker://alpine:3.20") == nil)
        #expect(c.lookup("nobody/nothing@v1") == nil)
        #expect(c.translate(step("nobody/nothing@v1"), dialect: .github) == nil)
        #expect(c.translate(Step(.run("make"), pos: pos), dialect: .github) == nil)
    }

    @Test func userCatalogOverridesBundledEntry() throws {
        let user = """
        {"version": 1, "actions": [
          {"action": "actions/setup-node", "kind": "setup", "inputs": {"node-version": "22"},
           "image": "registry.example.com/node:{{node-version}}"},
          {"action": "acme/deploy", "kind": "script", "inputs": {"env": "staging"},
           "script": ["./deploy.sh \\"{{env}}\\""]}
        ]}
        """
        let merged = ActionCatalog.bundled.merging(try ActionCatalog(json: Data(user.utf8), file: "mine.json"))
        #expect(merged.entries.count == ActionCatalog.bundled.entries.count + 1)
        #expect(merged.entries.filter { $0.action == "actions/setup-node" }.count == 1)
        let node = try translate("actions/setup-node@v4", [("node-version", "18")], catalog: merged)
        #expect(node.image == "registry.example.com/node:18")
        #expect(node.caches.isEmpty)
        let deploy = try translate("acme/deploy@v2", catalog: merged)
        #expect(deploy.script == ["./deploy.sh \"staging\""])
    }

    @Test func bareArrayIsACatalogToo() throws {
        let c = try ActionCatalog(json: Data(#"[{"action": "a/b", "kind": "implicit"}]"#.utf8), file: "x.json")
        #expect(c.entries.map(\.action) == ["a/b"])
    }

    static let badCatalogs: [(json: String, message: String, line: Int)] = [
        ("{\"actions\": [\n  {\"action\": \"a/b\", \"kind\": \"implicit\"},\n  {\"action\": \"x/y\"}\n]}",
         "entry 2 ('x/y'): missing 'kind'", 3),
        ("{\"actions\": [\n  {\"action\": \"x/y\", \"kind\": \"magic\"}]}",
         "entry 1 ('x/y'): 'kind' is 'magic', expected one of implicit, setup, cache", 2),
        ("{\"actions\": [{\"action\": \"x/y\", \"kind\": \"setup\", \"imgae\": \"node\"}]}",
         "entry 1 ('x/y'): unknown key 'imgae'", 1),
        ("{\"actions\": [{\"action\": \"x/y\", \"kind\": \"setup\", \"image\": \"node:{{version}}\"}]}",
         "entry 1 ('x/y'): 'image' uses '{{version}}', which is not in 'inputs'", 1),
        ("{\"actions\": [{\"action\": \"x/y\", \"kind\": \"script\", \"script\": \"make\"}]}",
         "entry 1 ('x/y'): 'script': expected a list", 1),
        ("{\"actions\": [{\"action\": \"x/y\", \"kind\": \"script\", \"inputs\": {\"n\": 1}}]}",
         "entry 1 ('x/y'): 'inputs.n': expected a string", 1),
        ("{\"actions\": [{\"action\": \"x/y\", \"kind\": \"script\", \"options\": [{\"equals\": \"1\"}]}]}",
         "entry 1 ('x/y'): missing 'options[0].input'", 1),
        ("{\"actions\": [{\"action\": \"x/y@v1\", \"kind\": \"script\"}]}",
         "entry 1 ('x/y@v1'): 'action' must be 'owner/name'", 1),
        ("{\"actions\": [\n{\"action\": \"x/y\", \"kind\": \"script\"},\n{\"action\": \"X/Y\", \"kind\": \"setup\"}]}",
         "entry 2 ('X/Y'): the same action as entry 1", 3),
        ("{\"actions\": [{\"kind\": \"script\"}]}", "entry 1: missing 'action'", 1),
        ("{\"actions\": [\"x/y\"]}", "entry 1: expected an object", 1),
        ("{\"version\": 2, \"actions\": []}", "unsupported catalog version", 1),
        ("{\"entries\": []}", "unknown key 'entries'", 1),
        ("{\"actions\": [\n  {\"action\": \"x/y\",, }\n]}", "not valid JSON", 1),
    ]

    @Test(arguments: badCatalogs)
    func badCatalogGivesPositionedError(json: String, message: String, line: Int) {
        do {
            _ = try ActionCatalog(json: Data(json.utf8), file: "catalog.json")
            Issue.record("no error for \(json)")
        } catch {
            #expect(error.pos.file == "catalog.json")
            #expect(error.description.hasPrefix("catalog.json:"))
            #expect(error.message.contains(message), "\(error.message)")
            if !message.hasPrefix("not valid JSON") { #expect(error.pos.line == line, "\(error)") }
        }
    }

    @Test func jsonSyntaxErrorIsPositioned() {
        do {
            _ = try ActionCatalog(json: Data("{\"actions\": [\n\n  {\"action\": tru}\n]}".utf8), file: "c.json")
            Issue.record("no error")
        } catch {
            #expect(error.message.hasPrefix("not valid JSON"))
            #expect(error.pos.line == 3, "\(error)")
        }
    }

    @Test func versionRangeDefaultNeverReachesTheImage() throws {
        let t = try translate("goreleaser/goreleaser-action@v6", [("version", "~> v2"), ("args", "release --clean")], dialect: .gitlab)
        #expect(t.image == "goreleaser/goreleaser:latest")
        #expect(t.imageEntrypoint == [""])
        #expect(t.script == ["goreleaser release --clean"])
    }
}

struct ActionTemplateTests {
    @Test func defaultsAndFallbacksFillTemplates() throws {
        #expect(try translate("actions/setup-node@v4").image == "node:lts")
        #expect(try translate("actions/setup-python@v5").image == "python:3")
        #expect(try translate("actions/setup-python@v5", [("python-version", "3.x")]).image == "python:3")
        #expect(try translate("actions/setup-dotnet@v4", [("dotnet-version", "8.0.x")]).image == "mcr.microsoft.com/dotnet/sdk:8.0")
        #expect(try translate("actions/setup-go@v5", [("go-version", "stable")]).image == "golang:latest")
        #expect(try translate("actions/setup-node@v4", [("node-version", "lts/*")]).image == "node:lts")
        #expect(try translate("r-lib/actions/setup-r@v2").image == "rocker/r-ver:latest")
        #expect(try translate("hashicorp/setup-terraform@v3").imageEntrypoint == [""])
    }

    @Test func versionRangeFallsBackToDefaultTag() throws {
        let t = try translate("actions/setup-python@v5", [("python-version", ">=3.9 <3.12")], dialect: .gitlab)
        #expect(t.image == "python:3")
        #expect(t.fidelity == .approximated)
        #expect(t.notes.contains { $0.contains("not an image tag") })
    }

    @Test func imageTagsFromVersions() {
        #expect(ActionRenderer.imageTag("3.x") == "3")
        #expect(ActionRenderer.imageTag("v20") == "20")
        #expect(ActionRenderer.imageTag("8.0.x") == "8.0")
        #expect(ActionRenderer.imageTag("lts/iron") == "iron")
        #expect(ActionRenderer.imageTag("$NODE_VERSION") == "$NODE_VERSION")
        #expect(ActionRenderer.imageTag("^1.2") == nil)
        #expect(ActionRenderer.imageTag("1.20") == "1.20")
    }

    @Test func templateParsing() {
        #expect(Template.parse("a{{b}}c{{d|e f}}") == [.text("a"), .input(name: "b", fallback: nil), .text("c"), .input(name: "d", fallback: "e f")])
        #expect(Template.parse("{{x|}}") == [.input(name: "x", fallback: "")])
        #expect(Template.parse("unclosed {{x") == [.text("unclosed {{x")])
    }

    @Test func missingRequiredInputLeavesTheLineOutAndSaysSo() throws {
        let t = try translate("google-github-actions/get-gke-credentials@v2", [("location", "europe-west1")])
        #expect(t.script.isEmpty)
        #expect(t.fidelity == .needsReview)
        #expect(t.notes.contains { $0.contains("input 'cluster_name' is not set") })
    }

    @Test func unknownInputIsReported() throws {
        let t = try translate("actions/setup-node@v4", [("node-version", "20"), ("frobnicate", "yes")], dialect: .gitlab)
        #expect(t.fidelity == .approximated)
        #expect(t.notes.contains("input 'frobnicate' has no GitLab counterpart here and is not carried over"))
    }

    @Test func scriptValuesCannotCloseTheirQuotes() throws {
        let t = try translate("docker/build-push-action@v6", [("context", "dir\"; rm -rf / #"), ("tags", "a:1")])
        #expect(t.script.first == "docker build --tag ciport-image \"dir\\\"; rm -rf / #\"")
    }
}

struct ActionSecretTests {
    @Test func dockerLoginPassesTheSecretAsAVariableThroughStdin() throws {
        let t = try translate("docker/login-action@v3", [
            ("username", "octocat"), ("password", "${{ secrets.DOCKERHUB_TOKEN }}"),
        ])
        #expect(t.script == ["echo \"$DOCKERHUB_TOKEN\" | docker login \"docker.io\" --username \"octocat\" --password-stdin"])
        #expect(t.services.map(\.image) == ["docker:27-dind"])
        #expect(vars(t)["DOCKER_TLS_CERTDIR"] == "/certs")
    }

    @Test func literalSecretIsNeverCopied() throws {
        let t = try translate("docker/login-action@v3", [("registry", "ghcr.io"), ("username", "me"), ("password", "hunter2-literal")])
        let everything = t.script + t.variables.map(\.value) + t.notes + [t.image ?? ""]
        #expect(!everything.contains { $0.contains("hunter2") })
        #expect(t.script.first?.hasPrefix("echo \"$PASSWORD\" | docker login \"ghcr.io\"") == true)
        #expect(t.fidelity == .needsReview)
        #expect(t.notes.contains { $0.contains("define $PASSWORD as a masked CI/CD variable") })
    }

    @Test func githubTokenAsPasswordAsksForAVariable() throws {
        let t = try translate("docker/login-action@v3", [
            ("registry", "ghcr.io"), ("username", "x"), ("password", "${{ secrets.GITHUB_TOKEN }}"),
        ])
        #expect(t.script.first?.hasPrefix("echo \"$GITHUB_TOKEN\" |") == true)
        #expect(t.fidelity == .needsReview)
        #expect(t.notes.contains { $0.contains("CI_REGISTRY_PASSWORD") })
    }

    @Test func gitlabDialectSecretStaysAReference() throws {
        let t = try translate("docker/login-action@v3", [("username", "$CI_REGISTRY_USER"), ("password", "${CI_REGISTRY_PASSWORD}"),
                                                          ("registry", "$CI_REGISTRY")], dialect: .gitlab)
        #expect(t.script == ["echo \"$CI_REGISTRY_PASSWORD\" | docker login \"$CI_REGISTRY\" --username \"$CI_REGISTRY_USER\" --password-stdin"])
        #expect(t.fidelity == .translated)
    }

    @Test func awsKeysAreExportedFromVariables() throws {
        // GitHub dialect: the secrets become references whatever the expression layer does.
        let github = try translate("aws-actions/configure-aws-credentials@v4", [
            ("aws-access-key-id", "${{ secrets.AWS_ACCESS_KEY_ID }}"), ("aws-secret-access-key", "${{ secrets.AWS_SECRET_ACCESS_KEY }}"),
        ])
        #expect(github.script == ["export AWS_ACCESS_KEY_ID=\"$AWS_ACCESS_KEY_ID\"", "export AWS_SECRET_ACCESS_KEY=\"$AWS_SECRET_ACCESS_KEY\""])
        let t = try translate("aws-actions/configure-aws-credentials@v4", [
            ("aws-access-key-id", "$AWS_ACCESS_KEY_ID"),
            ("aws-secret-access-key", "${AWS_SECRET_ACCESS_KEY}"),
            ("aws-region", "eu-west-1"),
        ], dialect: .gitlab)
        #expect(t.script == ["export AWS_ACCESS_KEY_ID=\"$AWS_ACCESS_KEY_ID\"", "export AWS_SECRET_ACCESS_KEY=\"$AWS_SECRET_ACCESS_KEY\""])
        #expect(vars(t) == ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"])
        #expect(t.fidelity == .translated)
    }

    @Test func secretInVariablesIsAReference() throws {
        let t = try translate("hashicorp/setup-terraform@v3", [("cli_config_credentials_token", "${{ secrets.TF_API_TOKEN }}")])
        #expect(vars(t)["TF_TOKEN_app_terraform_io"] == "$TF_API_TOKEN")
        #expect(t.image == "hashicorp/terraform:latest")
    }
}

/// translate() cases asserted in detail (GitLab dialect where the input holds variables, so the
/// expression layer's state does not matter).
struct ActionTranslateTests {
    @Test func checkoutIsImplicitWithGitVariables() throws {
        let plain = try translate("actions/checkout@v4")
        #expect(plain.implicit && plain.script.isEmpty && plain.variables.isEmpty && plain.fidelity == .translated)
        let t = try translate("actions/checkout@v4", [("fetch-depth", "0"), ("submodules", "recursive")])
        #expect(t.implicit)
        #expect(vars(t) == ["GIT_DEPTH": "0", "GIT_SUBMODULE_STRATEGY": "recursive"])
        let sub = try translate("actions/checkout@v4", [("submodules", "true")])
        #expect(vars(sub) == ["GIT_SUBMODULE_STRATEGY": "normal"])
    }

    @Test func checkoutOfARefWritesCommands() throws {
        let t = try translate("actions/checkout@v4", [("ref", "release")], dialect: .gitlab)
        #expect(!t.implicit)
        #expect(t.script == ["git fetch origin \"release\"", "git checkout --force FETCH_HEAD"])
        #expect(t.fidelity == .approximated)
    }

    @Test func setupNodeWithNpmCache() throws {
        let t = try translate("actions/setup-node@v4", [("node-version", "20"), ("cache", "npm")], dialect: .gitlab)
        #expect(t.image == "node:20")
        #expect(vars(t) == ["npm_config_cache": "$CI_PROJECT_DIR/.npm"])
        let c = try #require(t.caches.first)
        #expect(t.caches.count == 1)
        #expect(c.keyPrefix == "npm" && c.keyFiles == ["package-lock.json"] && c.paths == [".npm/"])
        #expect(c.pos == pos)
        #expect(t.fidelity == .translated && t.notes.isEmpty)
    }

    @Test func setupNodeMatrixVersion() throws {
        let t = try translate("actions/setup-node@v4", [("node-version", "$NODE_VERSION")], dialect: .gitlab)
        #expect(t.image == "node:$NODE_VERSION")
        #expect(t.fidelity == .translated)
    }

    @Test func setupNodeVersionFileIsApproximated() throws {
        let t = try translate("actions/setup-node@v4", [("node-version-file", ".nvmrc")])
        #expect(t.image == "node:lts")
        #expect(t.fidelity == .approximated)
        #expect(t.notes == ["node-version-file (.nvmrc) cannot choose an image: node:lts is used, set the tag to the version in that file"])
    }

    @Test func setupNodeRegistryUsesTheTokenVariable() throws {
        let t = try translate("actions/setup-node@v4", [("registry-url", "https://registry.npmjs.org/")])
        #expect(t.script == [
            "NPM_REGISTRY=\"https://registry.npmjs.org/\"",
            "npm config set registry \"$NPM_REGISTRY\"",
            "npm config set -- \"${NPM_REGISTRY#*:}:_authToken\" '${NODE_AUTH_TOKEN}'",
        ])
    }

    @Test func setupJavaPicksImageByDistributionAndCache() throws {
        let maven = try translate("actions/setup-java@v4", [("java-version", "17"), ("distribution", "temurin"), ("cache", "maven")])
        #expect(maven.image == "maven:3-eclipse-temurin-17")
        #expect(vars(maven)["MAVEN_OPTS"] == "-Dmaven.repo.local=$CI_PROJECT_DIR/.m2/repository")
        #expect(maven.caches.first?.paths == [".m2/repository/"])
        let zulu = try translate("actions/setup-java@v4", [("java-version", "11"), ("distribution", "zulu")], dialect: .gitlab)
        #expect(zulu.image == "azul/zulu-openjdk:11")
        #expect(zulu.fidelity == .approximated)
        let dynamic = try translate("actions/setup-java@v4", [("java-version", "$JAVA_VERSION"), ("distribution", "$DISTRIBUTION")], dialect: .gitlab)
        #expect(dynamic.image == "eclipse-temurin:$JAVA_VERSION")
        #expect(dynamic.fidelity == .needsReview)
        #expect(dynamic.notes.contains("'distribution' is decided at run time; written as if it were 'temurin'"))
    }

    @Test func setupRubyWithBundlerCache() throws {
        let t = try translate("ruby/setup-ruby@v1", [("ruby-version", "3.2"), ("bundler-cache", "true")])
        #expect(t.image == "ruby:3.2")
        #expect(t.script == ["bundle install --jobs 4"])
        #expect(vars(t) == ["BUNDLE_PATH": "vendor/bundle"])
        #expect(t.caches.map(\.paths) == [["vendor/bundle/"]])
        #expect(t.caches.first?.keyFiles == ["Gemfile.lock"])
    }

    @Test func setupGoCachesModulesByDefault() throws {
        let t = try translate("actions/setup-go@v5", [("go-version", "1.20")])
        #expect(t.image == "golang:1.20")
        #expect(vars(t) == ["GOPATH": "$CI_PROJECT_DIR/.go"])
        #expect(t.caches.first?.paths == [".go/pkg/mod/"])
        let off = try translate("actions/setup-go@v5", [("go-version", "1.22"), ("cache", "false")])
        #expect(off.caches.isEmpty && off.variables.isEmpty)
    }

    @Test func rustToolchainFromTheRef() throws {
        let t = try translate("dtolnay/rust-toolchain@nightly", [("components", "clippy, rustfmt")])
        #expect(t.image == "rust:latest")
        #expect(t.script == ["rustup default \"nightly\"", "rustup component add \"clippy\" \"rustfmt\""])
        let sha = try translate("dtolnay/rust-toolchain@0123456789abcdef0123456789abcdef01234567")
        #expect(sha.script == ["rustup default \"stable\""])
    }

    @Test func actionsCacheWithHashFilesKey() throws {
        let t = try translate("actions/cache@v4", [
            ("path", "vendor\n!vendor/tmp"),
            ("key", "${{ runner.os }}-composer-${{ hashFiles('**/composer.lock') }}"),
            ("restore-keys", "${{ runner.os }}-composer-"),
        ])
        let c = try #require(t.caches.first)
        #expect(c.keyFiles == ["**/composer.lock"])
        #expect(c.key == nil)
        #expect(c.paths == ["vendor"])
        #expect(c.fallbackKeys.count == 1)
        #expect(t.notes.contains { $0.contains("cannot exclude paths") })
        #expect(t.notes.contains { $0.contains("fallback_keys match whole cache keys") })
        #expect(t.fidelity >= .approximated)
    }

    @Test func actionsCacheOutsideTheProjectNeedsReview() throws {
        let t = try translate("actions/cache@v4", [("path", "~/.npm"), ("key", "npm-$CI_COMMIT_REF_SLUG")], dialect: .gitlab)
        #expect(t.caches.first?.key == "npm-$CI_COMMIT_REF_SLUG")
        #expect(t.caches.first?.paths == ["~/.npm"])
        #expect(t.fidelity == .needsReview)
        let restore = try translate("actions/cache/restore@v4", [("path", "deps"), ("key", "k")], dialect: .gitlab)
        #expect(restore.caches.first?.policy == "pull")
    }

    @Test func uploadArtifactBecomesArtifacts() throws {
        let t = try translate("actions/upload-artifact@v4", [
            ("name", "dist"), ("path", "dist/\n!dist/**/*.map\n$CI_PROJECT_DIR/build/libs/*.jar"), ("retention-days", "5"),
        ], dialect: .gitlab)
        let a = try #require(t.artifacts)
        #expect(a.name == "dist")
        #expect(a.paths == ["dist/", "build/libs/*.jar"])
        #expect(a.exclude == ["dist/**/*.map"])
        #expect(a.expireIn == "5 days")
        #expect(t.fidelity == .translated)
        let plain = try translate("actions/upload-artifact@v4", [("path", "out")])
        #expect(plain.artifacts?.expireIn == nil && plain.artifacts?.name == "artifact")
    }

    @Test func downloadArtifactFetchesThroughNeeds() throws {
        let t = try translate("actions/download-artifact@v4", [("name", "python-app")])
        #expect(t.fetchesArtifacts && t.script.isEmpty && t.artifacts == nil)
        #expect(t.fidelity == .translated)
        let moved = try translate("actions/download-artifact@v4", [("name", "x"), ("path", "dist/")])
        #expect(moved.fidelity == .approximated)
    }

    @Test func buildPushWritesDockerCommands() throws {
        let t = try translate("docker/build-push-action@v6", [
            ("context", "."), ("file", "./Dockerfile"), ("push", "true"),
            ("tags", "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\n$CI_REGISTRY_IMAGE:latest"), ("build-args", "A=1\nB=two words"),
        ], dialect: .gitlab)
        #expect(t.script == [
            "docker build --file \"./Dockerfile\" --build-arg \"A=1\" --build-arg \"B=two words\" --tag ciport-image \".\"",
            "for tag in \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\" \"$CI_REGISTRY_IMAGE:latest\"; do docker tag ciport-image \"$tag\"; done",
            "for tag in \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\" \"$CI_REGISTRY_IMAGE:latest\"; do docker push \"$tag\"; done",
        ])
        #expect(t.services.map(\.image) == ["docker:27-dind"])
        #expect(t.fidelity == .approximated)
        #expect(t.notes.contains { $0.contains("docker:dind") })
    }

    @Test func buildPushWithMetadataOutputsAndRuntimePush() throws {
        let t = try translate("docker/build-push-action@v6", [
            ("push", "$PUSH"), ("tags", "$DOCKER_METADATA_OUTPUT_TAGS"), ("labels", "$DOCKER_METADATA_OUTPUT_LABELS"),
        ], dialect: .gitlab)
        #expect(t.script == [
            "docker build $(printf -- '--label %s ' $DOCKER_METADATA_OUTPUT_LABELS) --tag ciport-image \".\"",
            "for tag in $DOCKER_METADATA_OUTPUT_TAGS; do docker tag ciport-image \"$tag\"; done",
            "for tag in $DOCKER_METADATA_OUTPUT_TAGS; do docker push \"$tag\"; done",
        ])
        #expect(t.fidelity == .needsReview)
        let meta = try translate("docker/metadata-action@v5", [("images", "$CI_REGISTRY_IMAGE")], dialect: .gitlab)
        #expect(meta.outputs.first { $0.key == "tags" }?.value == "$DOCKER_METADATA_OUTPUT_TAGS")
        #expect(meta.script[1] == "export DOCKER_METADATA_OUTPUT_TAGS=\"$(for image in $CI_REGISTRY_IMAGE; do echo \"$image:$DOCKER_METADATA_OUTPUT_VERSION\"; done)\"")
    }

    @Test func awsRoleUsesGitLabIdTokens() throws {
        let t = try translate("aws-actions/configure-aws-credentials@v4", [
            ("role-to-assume", "arn:aws:iam::123456789012:role/deploy"), ("aws-region", "us-east-1"),
        ], dialect: .gitlab)
        #expect(t.idTokens == [KeyValue("AWS_ID_TOKEN", "sts.amazonaws.com", pos: pos)])
        #expect(vars(t)["AWS_ROLE_ARN"] == "arn:aws:iam::123456789012:role/deploy")
        #expect(vars(t)["AWS_WEB_IDENTITY_TOKEN_FILE"] == "/tmp/aws-web-identity-token")
        #expect(vars(t)["AWS_ROLE_SESSION_NAME"] == "GitLab-$CI_PROJECT_ID-$CI_PIPELINE_ID")
        #expect(t.script == ["printf '%s' \"$AWS_ID_TOKEN\" > /tmp/aws-web-identity-token"])
        #expect(t.fidelity == .approximated)
        #expect(t.notes.contains { $0.contains("OIDC") })
    }

    @Test func googleAuthUsesWorkloadIdentityFederation() throws {
        let provider = "projects/123456789/locations/global/workloadIdentityPools/my-pool/providers/my-provider"
        let t = try translate("google-github-actions/auth@v2", [
            ("workload_identity_provider", provider), ("service_account", "deploy@p.iam.gserviceaccount.com"),
        ])
        #expect(t.idTokens.map(\.value) == ["https://iam.googleapis.com/" + provider])
        #expect(t.script[1] == "gcloud iam workload-identity-pools create-cred-config \"\(provider)\" --service-account \"deploy@p.iam.gserviceaccount.com\" --credential-source-file=/tmp/gcp-oidc-token --output-file=/tmp/gcp-credentials.json")
        #expect(vars(t)["GOOGLE_APPLICATION_CREDENTIALS"] == "/tmp/gcp-credentials.json")
    }

    @Test func cloudRunDeployFromImage() throws {
        let t = try translate("google-github-actions/deploy-cloudrun@v2", [
            ("service", "web"), ("region", "europe-west1"), ("image", "europe-west1-docker.pkg.dev/p/web:$CI_COMMIT_SHA"),
        ], dialect: .gitlab)
        #expect(t.script == [
            "gcloud run deploy \"web\" --image \"europe-west1-docker.pkg.dev/p/web:$CI_COMMIT_SHA\" --region \"europe-west1\" --quiet",
            "export CLOUD_RUN_URL=\"$(gcloud run services describe \"web\" --region \"europe-west1\" --format 'value(status.url)')\"",
        ])
        #expect(t.outputs == [KeyValue("url", "$CLOUD_RUN_URL", pos: pos)])
    }

    @Test func pypiPublishTrustedPublishingOrToken() throws {
        let oidc = try translate("pypa/gh-action-pypi-publish@release/v1", [("packages-dir", "dist/")])
        #expect(oidc.idTokens.map(\.key) == ["PYPI_ID_TOKEN"])
        #expect(oidc.script.first == "python -m pip install --upgrade twine")
        #expect(oidc.script.contains("python -m twine upload --non-interactive --repository-url \"https://upload.pypi.org/legacy/\" \"dist/\"/*"))
        let token = try translate("pypa/gh-action-pypi-publish@release/v1", [("password", "${{ secrets.PYPI_API_TOKEN }}")])
        #expect(token.idTokens.isEmpty)
        #expect(vars(token) == ["TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "$PYPI_API_TOKEN"])
    }

    @Test func pagesAndReleases() throws {
        let pages = try translate("actions/upload-pages-artifact@v3", [("path", "build")])
        #expect(pages.pages)
        #expect(pages.artifacts?.paths == ["public"])
        #expect(pages.artifacts?.expireIn == "1 days")
        #expect(pages.script == ["case \"build\" in public|public/|./public|./public/) ;; *) rm -rf public && cp -r \"build\" public ;; esac"])
        let deploy = try translate("actions/deploy-pages@v4")
        #expect(deploy.pages && deploy.implicit)
        let release = try translate("softprops/action-gh-release@v2", [("name", "Release $CI_COMMIT_TAG")], dialect: .gitlab)
        #expect(release.release?.tagName == "$CI_COMMIT_TAG")
        #expect(release.release?.name == "Release $CI_COMMIT_TAG")
        #expect(release.release?.description == nil)
    }

    @Test func unsupportedActionsAreLostWithAPointer() throws {
        let script = try translate("actions/github-script@v7", [("script", "console.log(1)")])
        #expect(script.fidelity == .lost)
        #expect(script.script.isEmpty && script.image == nil && !script.implicit)
        #expect(script.notes.count == 1)
        let codeql = try translate("github/codeql-action/init@v3", [("languages", "go")])
        #expect(codeql.fidelity == .lost)
        #expect(codeql.notes.first?.contains("Jobs/SAST.gitlab-ci.yml") == true)
    }

    @Test func junitReportsBecomeArtifactReports() throws {
        let t = try translate("mikepenz/action-junit-report@v4", [("report_paths", "build/test-results/**/*.xml")])
        #expect(t.artifacts?.reports == [KeyValue("junit", "build/test-results/**/*.xml", pos: pos)])
        #expect(t.artifacts?.when == "always")
        #expect(t.artifacts?.paths == [])
    }
}

/// Every script line the catalog can write must at least parse as POSIX shell (`sh -n`), rendered
/// with no inputs, with every input set, and once per valued option.
struct ActionScriptSyntaxTests {
    static let sh = ["/bin/sh", "/usr/bin/sh"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: sh != nil, "no /bin/sh"))
    func everyRenderedScriptParses() throws {
        // The checker itself must reject broken shell, or the test proves nothing.
        #expect(Self.syntaxError("for x in \"a\"; do echo \"$x; done") != nil)
        var failures: [String] = []
        var checked = 0
        for entry in ActionCatalog.bundled.entries {
            let inputs = Array(entry.knownInputs).sorted()
            var cases: [[(String, String)]] = [[], inputs.map { ($0, "value-\($0)") }]
            for o in entry.options ?? [] {
                if let eq = o.equals {
                    cases.append(inputs.map { ($0, $0 == o.input.lowercased() ? eq : "value-\($0)") })
                }
            }
            for with in cases {
                let t = try translate(entry.action, with)
                guard !t.script.isEmpty else { continue }
                let text = t.script.joined(separator: "\n")
                checked += 1
                if let error = Self.syntaxError(text) { failures.append("\(entry.action): \(error)\n\(text)") }
            }
        }
        #expect(checked > 150)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
    }

    static func syntaxError(_ script: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sh!)
        p.arguments = ["-n", "-c", script]
        let err = Pipe()
        p.standardError = err
        do { try p.run() } catch { return "could not run sh: \(error)" }
        p.waitUntilExit()
        let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return p.terminationStatus == 0 ? nil : msg
    }
}
