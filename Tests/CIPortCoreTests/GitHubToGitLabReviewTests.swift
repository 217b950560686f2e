import Foundation
import Testing
@testable import CIPortCore

/// What a GitLab engineer reviewing a converted pipeline would object to, one case each.
struct GitHubToGitLabReviewTests {
    static func convert(_ yaml: String) throws -> (String, Ledger) {
        let c = try Translator.convert(yaml, file: "ci.yml", to: .gitlab)
        return (c.output, c.ledger)
    }

    static func job(_ steps: String, jobKeys: String = "", top: String = "") -> String {
        "on: push\n\(top)jobs:\n  build:\n    runs-on: ubuntu-latest\n\(jobKeys)    steps:\n\(steps)"
    }

    @Test func untranslatableJobConditionWaitsForAPerson() throws {
        let (out, ledger) = try Self.convert("""
            on: pull_request
            jobs:
              deploy:
                if: github.event.pull_request.draft == false
                runs-on: ubuntu-latest
                steps: [{run: ./deploy.sh}]
            """)
        #expect(out.contains("when: manual"))
        #expect(!out.contains("- if: github"))
        #expect(out.contains("# ciport: needs-review: GitHub ran this job only if: github.event.pull_request.draft == false"))
        #expect(ledger.entry("jobs.deploy.if")?.status == .needsReview)
    }

    @Test func untranslatableStepConditionSkipsTheStep() throws {
        let (out, _) = try Self.convert(Self.job("      - run: ./publish.sh\n        if: github.event.pull_request.draft == false\n"))
        #expect(out.contains("if false; then\n      ./publish.sh\n      fi"))
        #expect(out.contains("# ciport: needs-review: skipped; GitHub ran it only if:"))
    }

    @Test func inputDefaultBecomesShellDefault() throws {
        let (out, _) = try Self.convert("""
            on:
              workflow_dispatch:
                inputs:
                  region: {type: string}
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps: [{run: "gcloud run deploy app --region ${{ inputs.region || 'europe-west1' }}"}]
            """)
        #expect(out.contains("--region ${region:-europe-west1}"))
        #expect(out.contains("  region:\n"))
        #expect(!out.contains("${{"))
        #expect(!out.contains("$[["))
    }

    @Test func leftoverExpressionInScriptStopsTheJobInsteadOfBadSubstitution() throws {
        let (out, _) = try Self.convert(Self.job("      - run: echo ${{ toJSON(github.event.commits) }}\n"))
        #expect(!out.contains("echo ${{"))
        #expect(out.contains("${CIPORT_EXPR_1:?set by hand, see the ciport comment}"))
        #expect(out.contains("# ciport: needs-review: define CIPORT_EXPR_1"))
    }

    @Test(arguments: [
        ("always()", "when: always"), ("failure()", "when: on_failure"), ("!cancelled()", "when: always"),
        ("success() || failure()", "when: always"), ("!success()", "when: on_failure"),
        ("success()", nil), ("!failure()", nil),
    ] as [(String, String?)])
    func uploadKeepsItsStatusCondition(_ condition: String, _ expected: String?) throws {
        let (out, _) = try Self.convert(Self.job("""
                  - run: make test
                  - uses: actions/upload-artifact@v4
                    if: '\(condition)'
                    with: {name: logs, path: logs/}

            """))
        let artifacts = try #require(out.range(of: "  artifacts:\n")).upperBound
        let tail = String(out[artifacts...])
        if let expected { #expect(tail.contains(expected), "\(out)") } else { #expect(!tail.contains("when:"), "\(out)") }
    }

    @Test func canceledOnlyUploadKeepsNoArtifacts() throws {
        let (out, ledger) = try Self.convert(Self.job("      - run: make\n      - uses: actions/upload-artifact@v4\n        if: cancelled()\n        with: {path: x}\n"))
        #expect(!out.contains("artifacts:"))
        #expect(ledger.entries.contains { $0.construct.hasSuffix("steps[1].if") && $0.status == .lost })
    }

    @Test func stepAndJobOutputsResolve() throws {
        let (out, ledger) = try Self.convert("""
            on: push
            jobs:
              version:
                runs-on: ubuntu-latest
                outputs: {tag: '${{ steps.v.outputs.tag }}'}
                steps:
                  - id: v
                    run: echo "tag=v1" >> "$GITHUB_OUTPUT"
                  - run: echo ${{ steps.v.outputs.tag }}
              image:
                needs: version
                runs-on: ubuntu-latest
                steps: [{run: 'docker build -t app:${{ needs.version.outputs.tag }} .'}]
            """)
        #expect(out.contains(#"export V_TAG="$(sed -n 's/^tag=//p' "$GITHUB_OUTPUT" | tail -n 1)""#))
        #expect(out.contains("echo $V_TAG"))
        #expect(out.contains(#"printf '%s=%s\n' TAG "$V_TAG" >> "$CI_PROJECT_DIR/.ciport-outputs.env""#))
        #expect(out.contains("dotenv: .ciport-outputs.env") || out.contains("dotenv:\n"))
        #expect(out.contains("docker build -t app:$TAG ."))
        #expect(!ledger.entries.contains { $0.status == .needsReview && $0.construct.contains("outputs") })
    }

    @Test func catalogOutputsAndDockerServices() throws {
        let (out, _) = try Self.convert(Self.job("""
                  - id: meta
                    uses: docker/metadata-action@v5
                    with: {images: '${{ env.REGISTRY }}/${{ env.IMAGE }}'}
                  - uses: docker/build-push-action@v6
                    with: {push: true, tags: '${{ steps.meta.outputs.tags }}'}

            """, top: "env: {REGISTRY: ghcr.io, IMAGE: app}\n"))
        #expect(out.contains("for tag in $DOCKER_METADATA_OUTPUT_TAGS; do docker push"))
        #expect(out.contains("image: docker:27"))
        #expect(out.contains("- docker:27-dind"))
        #expect(!out.contains("\"${{\""))
        #expect(!out.contains("${{"))
    }

    @Test func oidcActionsRequestIdTokens() throws {
        let (out, _) = try Self.convert(Self.job("""
                  - uses: aws-actions/configure-aws-credentials@v4
                    with: {role-to-assume: 'arn:aws:iam::1:role/x', aws-region: eu-west-1}

            """))
        #expect(out.contains("id_tokens:\n"))
        #expect(out.contains("aud: sts.amazonaws.com"))
    }

    @Test func pagesDeployJobPublishesPublic() throws {
        let (out, _) = try Self.convert("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: make site
                  - uses: actions/upload-pages-artifact@v3
                    with: {path: _site}
              deploy:
                needs: build
                runs-on: ubuntu-latest
                environment: {name: github-pages, url: '${{ steps.deployment.outputs.page_url }}'}
                steps:
                  - id: deployment
                    uses: actions/deploy-pages@v4
            """)
        let deploy = String(out[try #require(out.range(of: "\ndeploy:"))!.lowerBound...])
        #expect(deploy.contains("pages: true"))
        #expect(deploy.contains("paths:\n      - public"))
        #expect(deploy.contains("url: $CI_PAGES_URL"))
    }

    @Test func releaseActionBecomesReleaseKeyword() throws {
        let (out, _) = try Self.convert(Self.job("""
                  - uses: softprops/action-gh-release@v2
                    with: {name: 'Release ${{ github.ref_name }}'}

            """))
        #expect(out.contains("release:\n    tag_name: $CI_COMMIT_TAG"))
        #expect(out.contains("image: registry.gitlab.com/gitlab-org/release-cli:latest"))
    }

    @Test func dockerInARunStepGetsADindService() throws {
        let (out, _) = try Self.convert(Self.job("      - run: docker build -t app .\n"))
        #expect(out.contains("image: docker:27"))
        #expect(out.contains("- docker:27-dind"))
        #expect(out.contains("DOCKER_TLS_CERTDIR: /certs"))
    }

    @Test func matrixVersionReachesTheSetupImageAndBareHostsTheService() throws {
        let (out, _) = try Self.convert("""
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                strategy: {matrix: {php: ['8.2', '8.3']}}
                services:
                  mysql: {image: 'mysql:8.0', ports: ['3306:3306']}
                env: {DB_HOST: 127.0.0.1}
                steps:
                  - uses: shivammathur/setup-php@v2
                    with: {php-version: '${{ matrix.php }}'}
            """)
        #expect(out.contains("image: php:$PHP"))
        #expect(out.contains("DB_HOST: mysql"))
    }

    @Test func pureInformationCommentsAreGone() throws {
        let (out, _) = try Self.convert(Self.job("      - uses: actions/setup-node@v4\n        with: {node-version: 20}\n      - run: echo \"x=1\" >> $GITHUB_OUTPUT\n",
                                                 top: "permissions: {contents: read}\n"))
        #expect(out.contains("image: node:20"))
        #expect(!out.contains("image from"))
        #expect(!out.contains("stands in for"))
        #expect(!out.contains("permissions"))
    }

    @Test func secondToolchainIsCheckedAgainstTheImage() throws {
        let (nodeFirst, _) = try Self.convert(Self.job("      - uses: actions/setup-node@v4\n        with: {node-version: 20}\n      - uses: actions/setup-python@v5\n        with: {python-version: '3.12'}\n"))
        #expect(nodeFirst.contains("image: node:20"))
        #expect(!nodeFirst.contains("may lack"))
        // The node image ships python3, so it serves both (in its own python version).
        let (pythonFirst, pl) = try Self.convert(Self.job("      - uses: actions/setup-python@v5\n        with: {python-version: '3.12'}\n      - uses: actions/setup-node@v4\n        with: {node-version: 20}\n"))
        #expect(pythonFirst.contains("image: node:20"))
        #expect(pl.entry("jobs.build.steps[1].uses")?.status == .approximated)
        let (javaFirst, ledger) = try Self.convert(Self.job("      - uses: actions/setup-java@v4\n        with: {java-version: '21', distribution: temurin}\n      - uses: actions/setup-node@v4\n        with: {node-version: 20}\n"))
        #expect(javaFirst.contains("# ciport: needs-review: eclipse-temurin:21 may lack node"))
        #expect(ledger.entry("jobs.build.steps[1].uses")?.status == .needsReview)
    }
}
