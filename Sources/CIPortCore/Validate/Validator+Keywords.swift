// The hot keyword sets of Validator+GitHub.swift and Validator+GitLab.swift as membership tests:
// by length, then at most a few comparisons, instead of hashing every key. Each function answers
// exactly as `set.contains(key)`; ValidatorKeywordTests checks every one against its set, so a
// keyword added to a set and not here fails the tests. String `==` is canonical equivalence, but
// no keyword holds 'K', ';' or '`' (the only ASCII characters a non-ASCII one is equivalent to),
// so a key equal to a keyword has the keyword's length in UTF-8.

extension GitHubChecks {
    /// `jobKeys.contains(key)`.
    static func isJobKey(_ key: String) -> Bool {
        switch key.utf8.count {
        case 2: key == "if"
        case 3: key == "env"
        case 4: key == "name" || key == "uses" || key == "with"
        case 5: key == "needs" || key == "steps"
        case 7: key == "runs-on" || key == "outputs" || key == "secrets"
        case 8: key == "defaults" || key == "strategy" || key == "services" || key == "snapshot"
        case 9: key == "container"
        case 10: key == "cache-mode"
        case 11: key == "permissions" || key == "environment" || key == "concurrency"
        case 15: key == "timeout-minutes"
        case 17: key == "continue-on-error"
        default: false
        }
    }

    /// `callerJobKeys.contains(key)`.
    static func isCallerJobKey(_ key: String) -> Bool {
        switch key.utf8.count {
        case 2: key == "if"
        case 4: key == "name" || key == "uses" || key == "with"
        case 5: key == "needs"
        case 7: key == "secrets"
        case 8: key == "strategy"
        case 10: key == "cache-mode"
        case 11: key == "permissions" || key == "concurrency"
        default: false
        }
    }

    /// `permissionScopes.contains(key)`.
    static func isPermissionScope(_ key: String) -> Bool {
        switch key.utf8.count {
        case 5: key == "pages"
        case 6: key == "checks" || key == "issues" || key == "models"
        case 7: key == "actions"
        case 8: key == "contents" || key == "id-token" || key == "packages" || key == "statuses"
        case 11: key == "deployments" || key == "discussions"
        case 12: key == "attestations" || key == "code-quality"
        case 13: key == "pull-requests"
        case 15: key == "security-events"
        case 16: key == "copilot-requests"
        case 17: key == "artifact-metadata"
        case 19: key == "repository-projects"
        case 20: key == "vulnerability-alerts"
        default: false
        }
    }
}

extension GitLabChecks {
    /// `topKeywords.contains(key)`.
    static func isTopKeyword(_ key: String) -> Bool {
        switch key.utf8.count {
        case 4: key == "spec"
        case 5: key == "image" || key == "cache" || key == "types"
        case 6: key == "stages"
        case 7: key == "default" || key == "include" || key == "$schema"
        case 8: key == "workflow" || key == "services"
        case 9: key == "variables"
        case 12: key == "after_script"
        case 13: key == "before_script"
        default: false
        }
    }

    /// `jobKeywords.contains(key)`.
    static func isJobKeyword(_ key: String) -> Bool {
        switch key.utf8.count {
        case 3: key == "run"
        case 4: key == "type" || key == "only" || key == "when" || key == "tags"
        case 5: key == "stage" || key == "image" || key == "needs" || key == "rules" || key == "cache" || key == "retry" || key == "pages" || key == "hooks"
        case 6: key == "script" || key == "except" || key == "inputs"
        case 7: key == "extends" || key == "trigger" || key == "timeout" || key == "release" || key == "secrets" || key == "inherit" || key == "publish"
        case 8: key == "services" || key == "start_in" || key == "parallel" || key == "coverage" || key == "identity"
        case 9: key == "artifacts" || key == "variables" || key == "id_tokens"
        case 11: key == "environment"
        case 12: key == "after_script" || key == "dependencies"
        case 13: key == "before_script" || key == "allow_failure" || key == "interruptible"
        case 14: key == "resource_group"
        case 18: key == "dast_configuration"
        case 19: key == "manual_confirmation"
        default: false
        }
    }

    /// `defaultKeywords.contains(key)`.
    static func isDefaultKeyword(_ key: String) -> Bool {
        switch key.utf8.count {
        case 4: key == "tags"
        case 5: key == "hooks" || key == "cache" || key == "image" || key == "retry"
        case 7: key == "timeout"
        case 8: key == "identity" || key == "services"
        case 9: key == "artifacts" || key == "id_tokens"
        case 12: key == "after_script"
        case 13: key == "before_script" || key == "interruptible"
        default: false
        }
    }

    /// `ruleKeys.contains(key)`.
    static func isRuleKey(_ key: String) -> Bool {
        switch key.utf8.count {
        case 2: key == "if"
        case 4: key == "when"
        case 5: key == "needs"
        case 6: key == "exists"
        case 7: key == "changes"
        case 8: key == "start_in"
        case 9: key == "variables"
        case 13: key == "allow_failure" || key == "interruptible"
        default: false
        }
    }

    /// `workflowRuleKeys.contains(key)`.
    static func isWorkflowRuleKey(_ key: String) -> Bool {
        switch key.utf8.count {
        case 2: key == "if"
        case 4: key == "when"
        case 6: key == "exists"
        case 7: key == "changes"
        case 9: key == "variables"
        case 11: key == "auto_cancel"
        default: false
        }
    }

    /// `variableKeys.contains(key)`.
    static func isVariableKey(_ key: String) -> Bool {
        switch key.utf8.count {
        case 5: key == "value"
        case 6: key == "expand"
        case 7: key == "options"
        case 11: key == "description"
        default: false
        }
    }
}

